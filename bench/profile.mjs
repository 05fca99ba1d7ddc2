// Where the time goes: one workload in a loop in headless /usr/bin/chromium under Chromium's own
// sampling profiler (CDP `Profiler`, 100 µs interval), on the single-threaded core with its wasm
// function names. Prints the functions by self time (ms per call, share) and writes the
// .cpuprofile (open it in DevTools' Performance panel) and the table to bench-results/.
// Not a benchmark (the profiler slows everything a little) and not a test.
//   node bench/profile.mjs [--op v2-1080p|v2-4k|lanczos|lanczos-4k|rotate|blend|all] [--iters 100]
//                          [--warmup 10] [--top 20] [--out DIR] [--threads N]
// --threads N: the threads build with N threads on the (cross-origin isolated) page; the
// profile is the calling thread's, so a kernel's share there is what the caller runs itself
// plus its wait for the workers' chunks (the spin shows as that kernel's self time).
// Needs `make build` (the staged target/wasm-modules/core.wasm); the named glue goes to
// target/profile-pkg/ (wasm-bindgen --keep-debug, no wasm-opt: -Oz would strip the names).
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { withPage } from "./browser.mjs";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const op = opt("op", "v2-1080p");
const iters = Number(opt("iters", 100));
const warmup = Number(opt("warmup", 10));
const top = Number(opt("top", 20));
const outDir = resolve(root, opt("out", "bench-results"));
const threads = Number(opt("threads", 0));

/** target/profile-pkg/ from the staged module (`core` or `threads`), when missing or older. */
function namedGlue(stage, outName) {
  const staged = join(root, `target/wasm-modules/${stage}.wasm`);
  const wasm = join(root, `target/profile-pkg/${outName}_bg.wasm`);
  if (!existsSync(staged)) throw new Error(`no target/wasm-modules/${stage}.wasm: run \`make build\` first`);
  if (existsSync(wasm) && statSync(wasm).mtimeMs >= statSync(staged).mtimeMs) return;
  execFileSync(join(root, ".tools/cargo/bin/wasm-bindgen"), ["--target", "web", "--keep-debug", "--out-dir",
    join(root, "target/profile-pkg"), "--out-name", outName, staged], { stdio: "inherit" });
}

/** Self time per function name (Rust hashes dropped; idle time left out), sorted, from a CDP profile. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const f = byId.get(id).callFrame;
    const name = (f.functionName || `(${f.url.split("/").pop() || "anonymous"})`).replace(/::h[0-9a-f]{16}$/, "");
    if (name === "(idle)") return; // the thread waited (before and after the loop): not the workload's

    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return { total, rows: [...self].sort((a, b) => b[1] - a[1]) };
}

async function profileOne(page, cdp, name) {
  const size = await page.evaluate(([n, w]) => window.PROFILE.prepare(n, w), [name, warmup]);
  await cdp.send("Profiler.start");
  const msPerCall = await page.evaluate((n) => window.PROFILE.run(n), iters);
  const { profile } = await cdp.send("Profiler.stop");
  const { total, rows } = selfTimes(profile);
  const build = threads > 0 ? `threads build, ${threads} threads (the calling thread's profile)` : "single-threaded core";
  const lines = [`${name}: ${iters} calls, ${msPerCall.toFixed(2)} ms per call under the profiler, ${build} (output width ${size})`,
    "   ms/call   share  function (self time)"];
  for (const [fn, us] of rows.slice(0, top)) {
    lines.push(`${(us / 1000 / iters).toFixed(3).padStart(10)}  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${fn.slice(0, 150)}`);
  }
  const text = lines.join("\n");
  console.log(text + "\n");
  const file = `profile-${name}${threads > 0 ? `-threads${threads}` : ""}`;
  await writeFile(join(outDir, `${file}.cpuprofile`), JSON.stringify(profile));
  await writeFile(join(outDir, `${file}.txt`), text + "\n");
}

async function main() {
  namedGlue("core", "superimpose_wasm");
  if (threads > 0) namedGlue("threads", "superimpose_wasm_mt");
  await mkdir(outDir, { recursive: true });
  await withPage(`/bench/profile/${threads > 0 ? `?threads=${threads}` : ""}`, {}, async (page, errors) => {
    await page.waitForFunction(() => window.PROFILE_READY === true || undefined, null, { timeout: 60_000 }).catch(() => {
      throw new Error(`the profile page did not load: ${errors.join(" | ") || "timeout"}`);
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    const all = await page.evaluate(() => window.PROFILE.workloads);
    for (const name of op === "all" ? all : [op]) await profileOne(page, cdp, name);
    if (errors.length) throw new Error(`page errors: ${errors.join(" | ")}`);
    console.log(`written: ${join(outDir, "profile-<workload>.{cpuprofile,txt}")}`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
