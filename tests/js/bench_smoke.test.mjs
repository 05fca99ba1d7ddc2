// Smoke run of the benchmark page (bench/page/, driven by bench/browser.mjs): one iteration per
// row, no warm-up. A benchmark is not a test, so no timing is asserted — only that every row of
// the matrix ran and every alternative produced a number or an explicit "n/a (reason)", that the
// forced-scalar kernels give the simd128 output, and the bench-only wasm exports' contracts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBrowserBench, formatText, formatMarkdown, formatSvg } from "../../bench/browser.mjs";
import { threadsSkipReason } from "./support/threads.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("setKernelBackend and benchCopy (the bench-only exports)", async () => {
  const m = await import(join(root, "pkg", "index.js"));
  const glue = await import(join(root, "pkg", "superimpose_wasm.js"));
  await m.init();
  assert.equal(await m.kernelBackend(), "simd128");
  await m.setKernelBackend("scalar");
  assert.equal(await m.kernelBackend(), "scalar");
  await m.setKernelBackend("simd128");
  assert.equal(await m.kernelBackend(), "simd128");
  await m.setKernelBackend("auto");
  assert.equal(await m.kernelBackend(), "simd128");
  await assert.rejects(m.setKernelBackend("avx2"), (e) => e.code === "E_PARAM_ENUM" && e.param === "backend");
  assert.equal(await m.kernelBackend(), "simd128", "a refused name leaves the backend as it was");
  // benchCopy copies the first half of its scratch buffer onto the second: the byte it returns
  // is the copy of byte 0, which the last repetition set to its index (reps - 1) as a u8.
  assert.equal(glue.benchCopy(1000, 3), 2);
  assert.equal(glue.benchCopy(1 << 20, 300), 299 & 255);
  assert.equal(glue.benchCopy(0, 0), 0);
  assert.throws(() => glue.benchCopy(2 ** 30 + 1, 1), (e) => e.code === "E_PARAM_RANGE");
});

test("the benchmark page runs every row once in headless Chromium", { timeout: 180_000 }, async () => {
  const res = await runBrowserBench({ runs: 1, warmup: 0 });
  const names = res.rows.map((r) => r.name);
  const count = (re) => names.filter((n) => re.test(n)).length;
  assert.equal(count(/^init/), 1);
  assert.equal(count(/^resize /), 6, "3 sizes × lanczos, bilinear");
  assert.equal(count(/^blend /), 7, "multiply, screen, overlay, soft light, hard light, darken, lighten");
  assert.equal(count(/^superimposeV2 /), 4, "1080p, 4K × multiply, soft light");
  const expected = { init: ["ours", "photon", "pica"], resize: ["ours", "ours-threads", "ours-scalar", "ours-pool2", "ours-pool2-one", "ours-webgpu", "canvas", "pica", "photon"], blend: ["ours", "ours-into", "ours-threads-into", "canvas", "photon"], pipeline: ["ours", "ours-into", "ours-threads-into", "ours-scene", "ours-scene-new", "ours-scene-rotate", "ours-threads-scene-rotate", "ours-pool-scene", "ours-pool2", "ours-pool2-one", "ours-webgpu", "canvas"] };
  // The threads build's rows run wherever this machine built it (else n/a with the reason).
  const threadsSkip = threadsSkipReason();
  for (const row of res.rows) {
    assert.deepEqual(row.results.map((x) => x.id), expected[row.group], row.name);
    for (const x of row.results) {
      const what = `${row.name} / ${x.label}`;
      if (x.na !== undefined) {
        assert.ok(typeof x.na === "string" && x.na.length > 3, `${what}: n/a needs a reason`);
        assert.ok(!/^failed/.test(x.na), `${what}: ${x.na}`);
        assert.notEqual(x.id, "ours", `${what}: ours must always run`);
        continue;
      }
      assert.ok(Number.isFinite(x.median) && x.median > 0, `${what}: a time`);
      assert.ok(x.min <= x.median && x.median <= x.max, what);
      assert.ok(Number.isFinite(x.ratio), `${what}: a ratio to ours`);
    }
    if (row.floor) assert.ok(Number.isFinite(row.floor.median) && row.floor.median > 0 && row.floor.bytes > 0, `${row.name}: floor`);
    const ours = row.results.find((x) => x.id === "ours");
    if (row.group !== "init") {
      const [w, h] = ours.outSize;
      assert.ok(w > 0 && h > 0, `${row.name}: ours produced pixels`);
      for (const x of row.results) {
        if (x.na || x.id === "ours") continue;
        // Every alternative produces an output of the same size as ours (so Δ is defined).
        assert.deepEqual(x.outSize, ours.outSize, `${row.name} / ${x.label}: output size`);
      }
    }
    const scalar = row.results.find((x) => x.id === "ours-scalar");
    if (scalar) assert.equal(scalar.meanAbsDiffVsOurs, 0, `${row.name}: forced scalar differs from simd128`);
    // The worker pool (rows split or one worker) gives exactly the main thread's bytes.
    for (const x of row.results.filter((r) => r.id.startsWith("ours-pool"))) assert.equal(x.meanAbsDiffVsOurs, 0, `${row.name} / ${x.label}`);
    // So does the threads build (2 threads on a cross-origin isolated page).
    for (const x of row.results.filter((r) => r.id.startsWith("ours-threads"))) {
      if (threadsSkip) {
        assert.ok(x.na, `${row.name} / ${x.label}: no threads build, yet it ran`);
        continue;
      }
      assert.equal(x.na, undefined, `${row.name} / ${x.label}: ${x.na}`);
      assert.equal(x.meanAbsDiffVsOurs, 0, `${row.name} / ${x.label}`);
    }
    // So does a result written into a reused output image.
    const into = row.results.find((x) => x.id === "ours-into");
    if (into) assert.equal(into.meanAbsDiffVsOurs, 0, `${row.name}: into differs`);
    // And a resident scene's renders, after a move and back or a rotation and back.
    for (const x of row.results.filter((r) => r.id.startsWith("ours-scene") || r.id === "ours-pool-scene")) assert.equal(x.meanAbsDiffVsOurs, 0, `${row.name} / ${x.label}`);
  }
  // The alternatives that do exist here must have run (the "n/a" path is only for WebGPU's
  // backend option and photon's missing screen mode).
  assert.equal(res.meta.pica.mathlib.wasm, true, "pica runs its wasm path");
  assert.equal(res.meta.crossOriginIsolated, true);
  const na = res.rows.flatMap((r) => r.results.filter((x) => x.na).map((x) => x.id));
  assert.ok(na.every((id) => id === "ours-webgpu" || id === "photon" || (threadsSkip && id.startsWith("ours-threads"))), `unexpected n/a: ${na}`);
  assert.equal(na.filter((id) => id === "photon").length, 1, "photon lacks only screen");
  assert.deepEqual(res.meta.pageErrors, []);
  // The formatters cover every row.
  const text = formatText(res);
  for (const n of names) assert.ok(text.includes(n), n);
  assert.equal((formatMarkdown(res).match(/^\| [^|]*\| ours/gm) ?? []).length >= res.rows.length, true);
  assert.match(formatSvg(res), /^<svg [^]*<\/svg>\n$/);
});

/** Run bench/profile.mjs on the blend workload: its stdout and the written .cpuprofile. */
async function profileBlend(extra, file) {
  const { execFile } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const out = mkdtempSync(join(tmpdir(), "profile-smoke-"));
  try {
    const stdout = await new Promise((ok, fail) =>
      execFile(process.execPath, [join(root, "bench", "profile.mjs"), "--op", "blend", "--iters", "5", "--warmup", "1", "--out", out, ...extra],
        { timeout: 100_000 }, (e, so, se) => (e ? fail(new Error(`${e.message}\n${se}`)) : ok(so))));
    return { stdout, profile: JSON.parse(readFileSync(join(out, file), "utf8")) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test("bench/profile.mjs names the wasm functions a workload spends its time in", { timeout: 120_000 }, async () => {
  const { stdout, profile } = await profileBlend([], "profile-blend.cpuprofile");
  // The blend kernel is most of a blend() call: its row function leads the self times
  // (`(program)` and the like are V8's own time, not a function).
  const rows = stdout.split("\n").filter((l) => /^\s+\d+\.\d{3}\s+\d+\.\d%  [^(]/.test(l));
  assert.ok(rows.length > 2, stdout);
  assert.match(rows[0], /superimpose_wasm::blend::/, stdout);
  assert.ok(profile.nodes.some((n) => n.callFrame.functionName.startsWith("superimpose_wasm::blend::Blender::composite_row")));
});

test("bench/profile.mjs --threads 2 profiles the threads build's calling thread", { timeout: 120_000, skip: threadsSkipReason() ?? false }, async () => {
  const { stdout, profile } = await profileBlend(["--threads", "2"], "profile-blend-threads2.cpuprofile");
  assert.match(stdout, /threads build, 2 threads/);
  // The threads build's names carry crate hashes: `<superimpose_wasm[…]::blend::Blender>::…`.
  assert.ok(profile.nodes.some((n) => /^<?superimpose_wasm(\[[0-9a-f]+\])?::blend::Blender>?::composite_row/.test(n.callFrame.functionName)), stdout);
});
