// Runs the benchmark page (bench/page/) in headless /usr/bin/chromium with playwright-core, prints
// the table (median, min–max, ratio to ours, × the memory-copy floor) and writes
// bench-results/browser.json, browser.md and browser.svg. A benchmark, not a test: nothing here
// asserts a timing.
//   node bench/browser.mjs [--runs 11] [--warmup 3] [--only REGEX] [--out DIR]
// The page is served cross-origin isolated (COOP + COEP) so performance.now() has its fine
// resolution; `--enable-unsafe-webgpu` gives Chromium's WebGPU adapter (SwiftShader without a GPU).
import { createServer } from "node:http";
import { readFile, stat, mkdir, writeFile } from "node:fs/promises";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { tmpdir, cpus } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm",
};

/** Static files from the repository root, loopback only, cross-origin isolated. */
function serve() {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
      let file = join(root, path);
      if (!file.startsWith(root)) throw Object.assign(new Error("forbidden"), { status: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cross-origin-resource-policy": "same-origin",
      });
      res.end(body);
    } catch (e) {
      const status = e.status ?? (e.code === "ENOENT" ? 404 : 500);
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(String(status));
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** Package sizes: ours (wasm raw/gzip, JS glue) and the alternatives' files. */
export function packageSizes() {
  const f = (p) => {
    const b = readFileSync(join(root, p));
    return { file: p, raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
  };
  const sum = (name, files) => {
    const parts = files.map(f);
    return { name, raw: parts.reduce((a, p) => a + p.raw, 0), gzip: parts.reduce((a, p) => a + p.gzip, 0), files: parts };
  };
  return [
    sum("ours: .wasm", ["pkg/superimpose_wasm_bg.wasm"]),
    sum("ours: JS (wasm-bindgen glue + index.js + pool.js + worker.js)", ["pkg/superimpose_wasm.js", "pkg/index.js", "pkg/pool.js", "pkg/worker.js"]),
    sum("pica: dist/pica.min.mjs (wasm inlined as base64)", ["node_modules/pica/dist/pica.min.mjs"]),
    sum("photon: .wasm", ["node_modules/@silvia-odwyer/photon/photon_rs_bg.wasm"]),
    sum("photon: JS glue", ["node_modules/@silvia-odwyer/photon/photon_rs_bg.js", "node_modules/@silvia-odwyer/photon/photon_rs.js"]),
  ];
}

/**
 * Serve the repository (see `serve`), open `path` in headless /usr/bin/chromium (WebGPU
 * enabled: SwiftShader without a GPU) and resolve `fn(page, errors, browser)`; `errors` collects
 * the page's errors and console errors as they come, other console lines go to `onLog`. The
 * browser, server and profile directory are closed and removed afterwards.
 */
export async function withPage(path, { onLog } = {}, fn) {
  const server = await serve();
  const dir = mkdtempSync(join(tmpdir(), "bench-chromium-"));
  let browser;
  try {
    browser = await chromium.launchPersistentContext(dir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--enable-unsafe-webgpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
      else onLog?.(m.text());
    });
    await page.goto(`http://127.0.0.1:${server.address().port}${path}`);
    return await fn(page, errors, browser);
  } finally {
    await browser?.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Open the page, run the benchmarks, return `{meta, rows, sizes}`. */
export async function runBrowserBench({ runs = 11, warmup = 3, only = null, timeoutMs = 30 * 60_000, onLog } = {}) {
  return withPage("/bench/page/", { onLog }, async (page, errors, browser) => {
    page.setDefaultTimeout(timeoutMs);
    await page.waitForFunction(() => window.BENCH_READY === true, null, { timeout: 60_000 });
    const res = await page.evaluate((o) => window.BENCH.run(o), { runs, warmup, only });
    res.meta.browserVersion = browser.browser()?.version() ?? execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).trim();
    res.meta.cpus = cpus().length;
    res.meta.cpuModel = cpus()[0]?.model;
    res.meta.date = new Date().toISOString();
    res.meta.pageErrors = errors;
    res.sizes = packageSizes();
    return res;
  });
}

// ---- formatting --------------------------------------------------------------------------------

const ms = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;

/** One line per alternative: the cells every output format shares. */
function cells(x) {
  if (x.na) return [x.label, "n/a", `(${x.na})`, "", "", ""];
  return [
    x.label,
    `${ms(x.median)} ms`,
    `${ms(x.min)}–${ms(x.max)}`,
    x.ratio == null ? "" : `${x.ratio.toFixed(2)}×`,
    x.xFloor == null ? "" : `${x.xFloor.toFixed(1)}× floor`,
    x.meanAbsDiffVsOurs == null ? "" : x.id === "ours" ? "" : `Δ ${x.meanAbsDiffVsOurs.toFixed(2)}`,
  ];
}

export function formatText(res) {
  const lines = [];
  const m = res.meta;
  lines.push(`superimpose-wasm ${m.packageVersion} — ${m.browserVersion}, ${m.cpus} cores (${m.cpuModel}), ` +
    `kernels ${m.kernelBackend}, ${m.runs} runs after ${m.warmup} warm-up, crossOriginIsolated=${m.crossOriginIsolated}`);
  lines.push(`WebGPU adapter: ${m.webgpuAdapter ? JSON.stringify(m.webgpuAdapter) : "none"}; pica: ${JSON.stringify(m.pica)}`);
  lines.push("ratio = alternative median / ours (above 1: ours is faster); × floor = median / a wasm memory.copy of (input + output bytes) / 2;");
  lines.push("Δ = mean |difference| of R, G, B against ours' output (0–255), when the sizes match.");
  for (const row of res.rows) {
    lines.push("");
    lines.push(row.floor ? `${row.name}   [floor ${ms(row.floor.median)} ms for ${(row.floor.bytes / 2 ** 20).toFixed(2)} MiB]` : row.name);
    for (const x of row.results) {
      const c = cells(x);
      if (row.group === "init" && x.first != null) c[4] = `first ${ms(x.first)} ms`;
      lines.push(`  ${c[0].padEnd(72)} ${c[1].padStart(10)}  ${c[2].padEnd(x.na ? 0 : 15)} ${c[3].padStart(7)}  ${c[4].padStart(14)}  ${c[5]}`);
    }
  }
  lines.push("");
  lines.push("Package size");
  for (const s of res.sizes ?? []) lines.push(`  ${s.name.padEnd(72)} ${kb(s.raw).padStart(10)} raw  ${kb(s.gzip).padStart(9)} gzip`);
  if (m.pageErrors?.length) lines.push("", `page errors: ${m.pageErrors.join(" | ")}`);
  return lines.join("\n");
}

export function formatMarkdown(res) {
  const m = res.meta;
  const out = [];
  out.push(`| benchmark | alternative | median | min–max (ms) | vs ours | × floor |`);
  out.push(`| --- | --- | ---: | ---: | ---: | ---: |`);
  for (const row of res.rows) {
    const title = row.floor ? `${row.name} (floor ${ms(row.floor.median)} ms)` : row.name;
    row.results.forEach((x, i) => {
      const c = cells(x);
      const name = i === 0 ? title : "";
      if (x.na) out.push(`| ${name} | ${c[0]} | n/a | ${x.na.replace(/\|/g, "/")} | | |`);
      else out.push(`| ${name} | ${c[0]} | ${c[1]} | ${c[2]} | ${c[3]} | ${row.group === "init" ? `first ${ms(x.first)} ms` : c[4].replace(" floor", "")} |`);
    });
  }
  out.push("");
  out.push("| package file(s) | raw | gzip |");
  out.push("| --- | ---: | ---: |");
  for (const s of res.sizes ?? []) out.push(`| ${s.name} | ${kb(s.raw)} | ${kb(s.gzip)} |`);
  out.push("");
  out.push(`${m.browserVersion}, ${m.cpus} cores, ${m.runs} runs after ${m.warmup} warm-up, WebGPU adapter: ` +
    `${m.webgpuAdapter ? `${m.webgpuAdapter.vendor}/${m.webgpuAdapter.architecture}` : "none"}.`);
  return out.join("\n");
}

/** A horizontal bar chart, log-scale milliseconds, one group per row, min–max whiskers. */
export function formatSvg(res) {
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const colours = { ours: "#1f77b4", "ours-scalar": "#6baed6", "ours-webgpu": "#9467bd", canvas: "#ff7f0e", pica: "#2ca02c", photon: "#d62728" };
  const all = res.rows.flatMap((r) => [...r.results.filter((x) => !x.na).flatMap((x) => [x.min, x.max]), ...(r.floor ? [r.floor.median] : [])]);
  const lo = Math.max(0.01, Math.min(...all) / 1.5), hi = Math.max(...all) * 1.5;
  const L = 330, W = 1000, bar = 13, X = (v) => L + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - L - 90);
  let y = 40;
  const parts = [];
  for (const row of res.rows) {
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${esc(row.name)}</text>`);
    y += 18;
    if (row.floor) {
      const fx = X(row.floor.median);
      const h = row.results.length * (bar + 3);
      parts.push(`<line x1="${fx}" y1="${y - 2}" x2="${fx}" y2="${y + h}" stroke="#888" stroke-dasharray="3,2"/><text x="${fx + 2}" y="${y + h + 9}" font-size="9" fill="#666">copy floor</text>`);
    }
    for (const x of row.results) {
      parts.push(`<text x="${L - 6}" y="${y + 10}" text-anchor="end" font-size="10">${esc(x.label.slice(0, 58))}</text>`);
      if (x.na) parts.push(`<text x="${L + 4}" y="${y + 10}" font-size="10" fill="#888">n/a (${esc(x.na.slice(0, 90))})</text>`);
      else {
        parts.push(`<rect x="${L}" y="${y}" width="${Math.max(1, X(x.median) - L)}" height="${bar}" fill="${colours[x.id] ?? "#999"}"/>`);
        parts.push(`<line x1="${X(x.min)}" y1="${y + bar / 2}" x2="${X(x.max)}" y2="${y + bar / 2}" stroke="#000" stroke-width="1"/>`);
        parts.push(`<text x="${Math.max(X(x.median), X(x.max)) + 4}" y="${y + 10}" font-size="10">${ms(x.median)} ms${x.ratio && x.id !== "ours" ? ` (${x.ratio.toFixed(2)}×)` : ""}</text>`);
      }
      y += bar + 3;
    }
    y += 16;
  }
  const ticks = [];
  for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) {
    const v = 10 ** e;
    ticks.push(`<line x1="${X(v)}" y1="30" x2="${X(v)}" y2="${y}" stroke="#eee"/><text x="${X(v)}" y="26" text-anchor="middle" font-size="10">${v >= 1 ? v : v.toFixed(-e)} ms</text>`);
  }
  const m = res.meta;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="14" font-size="12">superimpose-wasm ${esc(m.packageVersion)}: medians (log scale) with min–max, ${esc(m.browserVersion)}, ${m.cpus} cores</text>
${ticks.join("\n")}
${parts.join("\n")}
</svg>
`;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, d) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : d;
  };
  const runs = Number(opt("runs", 11));
  const warmup = Number(opt("warmup", 3));
  const out = resolve(root, opt("out", "bench-results"));
  const res = await runBrowserBench({ runs, warmup, only: opt("only", null), onLog: (t) => process.stderr.write(`${t}\n`) });
  const text = formatText(res);
  console.log(text);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "browser.json"), JSON.stringify(res, null, 1) + "\n");
  await writeFile(join(out, "browser.txt"), text + "\n");
  await writeFile(join(out, "browser.md"), formatMarkdown(res) + "\n");
  await writeFile(join(out, "browser.svg"), formatSvg(res));
  console.log(`\nwritten: ${join(out, "browser.{json,txt,md,svg}")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
