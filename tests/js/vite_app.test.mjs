// The packed tarball in the apps people actually write: a fresh Vite 7 app (vite build, served
// from dist/, run in headless Chromium — main thread and the worker pool) and a plain Node ESM
// script, both installed from `npm pack pkg/` and both superimposing the bundled samples.
// Their pixels are compared with the same call made directly against /pkg (another page, and
// Node), and outside the overlay's rectangle with the base as Pillow decodes it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { threadsSkipReason } from "./support/threads.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkgDir = join(root, "pkg");
let dir, app, dist, repoServer, distServer, isolatedDistServer, browser, viteLog;

// The body both apps and the references use: every image is a bundled sample.
const BODY = { blend_mode: "overlay", opacity: 85, rescale_factor: 0.8, resize_method: "bicubic", rotation: 12,
  x_percent: 45, y_percent: 60, bg_remove_model: "None" };

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, ...opts });

/** A static server for dist/ (what any host does: files, the right MIME types, index.html). */
function serveDir(rootDir, { isolated = false } = {}) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".png": "image/png",
    ".jpg": "image/jpeg", ".css": "text/css", ".json": "application/json" };
  const server = createServer(async (req, res) => {
    try {
      let file = join(rootDir, normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)));
      if (!file.startsWith(rootDir)) throw new Error("forbidden");
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[extname(file)] ?? "application/octet-stream",
        // `isolated`: what a host serving an app that uses superimpose-wasm/threads adds.
        ...(isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("404");
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const MAIN_JS = `
import { superimposeV2, blend } from "superimpose-wasm";
import { createWorkerPool } from "superimpose-wasm/pool";

const BODY = ${JSON.stringify(BODY)};
const sample = (name) => new URL("/samples/" + name, location.href);
const wasmFetched = () => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.endsWith(".wasm"))
  .map((n) => n.slice(n.lastIndexOf("/") + 1));

async function run() {
  // Pixels in, pixels out: only the core module is fetched.
  const px = (v) => ({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(v) });
  const small = await blend(px(40), px(200), { mode: "multiply" });
  window.__pixelsOnly = { wasm: wasmFetched(), width: small.width };
  const body = { ...BODY, base_image: sample("base.jpg"), overlay_image: sample("overlay.png"), mask: sample("mask.png") };
  const result = await superimposeV2(body);
  const canvas = document.getElementById("out");
  canvas.width = result.width;
  canvas.height = result.height;
  canvas.getContext("2d").putImageData(result.imageData, 0, 0);
  window.__result = { width: result.width, height: result.height, data: Array.from(result.imageData.data) };
  window.__afterFiles = wasmFetched(); // URLs of encoded files: the codec module was loaded

  const pool = createWorkerPool({ size: 1 });
  try {
    const viaWorker = await pool.superimposeV2(body);
    window.__worker = { width: viaWorker.width, height: viaWorker.height, data: Array.from(viaWorker.imageData.data) };
  } catch (e) {
    window.__worker = { error: (e.code ?? "") + " " + e.message };
  } finally {
    pool.terminate();
  }
}
run().then(
  () => (document.body.dataset.state = "done"),
  (e) => { document.body.dataset.state = "error"; document.body.dataset.error = (e.code ?? "") + " " + e.message; },
);
`;

// A second page of the same app that opts into the threads build (served cross-origin isolated).
const THREADS_JS = `
import { initThreads } from "superimpose-wasm/threads";
import { superimposeV2 } from "superimpose-wasm";

const BODY = ${JSON.stringify(BODY)};
const sample = (name) => new URL("/samples/" + name, location.href);
async function run() {
  const { threads } = await initThreads({ threads: 2 });
  const body = { ...BODY, base_image: sample("base.jpg"), overlay_image: sample("overlay.png"), mask: sample("mask.png") };
  const r = await superimposeV2(body);
  window.__threads = { threads, width: r.width, height: r.height, data: Array.from(r.imageData.data) };
}
run().then(
  () => (document.body.dataset.state = "done"),
  (e) => { document.body.dataset.state = "error"; document.body.dataset.error = (e.code ?? "") + " " + e.message; },
);
`;

const NODE_JS = `
import { readFile } from "node:fs/promises";
import { superimposeV2, decode, kernelBackend } from "superimpose-wasm";

const BODY = ${JSON.stringify(BODY)};
const file = (name) => readFile(new URL("./public/samples/" + name, import.meta.url));
const result = await superimposeV2({
  ...BODY,
  base_image: new Uint8Array(await file("base.jpg")),
  overlay_image: new Uint8Array(await file("overlay.png")),
  mask: new Uint8Array(await file("mask.png")),
});
const png = await result.encode({ format: "png" });
const again = await decode(png);
let same = again.width === result.width && again.height === result.height;
for (let i = 0; same && i < again.data.length; i++) same = again.data[i] === result.imageData.data[i];
console.log(JSON.stringify({ width: result.width, height: result.height, backend: await kernelBackend(), pngRoundTrip: same,
  data: Buffer.from(result.imageData.data.buffer, result.imageData.data.byteOffset, result.imageData.data.byteLength).toString("base64") }));
`;

before(async () => {
  assert.ok(existsSync(join(pkgDir, "package.json")), "build the package first (scripts/build.sh)");
  dir = mkdtempSync(join(tmpdir(), "superimpose-vite-"));
  const [info] = JSON.parse(sh("npm", ["pack", pkgDir, "--pack-destination", dir, "--json"]));
  app = join(dir, "app");
  mkdirSync(join(app, "public"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "vite-app", private: true, type: "module" }, null, 2));
  cpSync(join(root, "www/samples"), join(app, "public/samples"), { recursive: true });
  writeFileSync(join(app, "index.html"),
    '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>app</title>\n<canvas id="out"></canvas>\n<script type="module" src="/main.js"></script>\n');
  writeFileSync(join(app, "main.js"), MAIN_JS);
  writeFileSync(join(app, "threads.html"),
    '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>app (threads)</title>\n<script type="module" src="/threads-main.js"></script>\n');
  writeFileSync(join(app, "threads-main.js"), THREADS_JS);
  writeFileSync(join(app, "vite.config.js"),
    'export default { build: { rollupOptions: { input: { main: "index.html", threads: "threads.html" } } } };\n');
  writeFileSync(join(app, "node-check.mjs"), NODE_JS);
  sh("npm", ["install", "--no-audit", "--no-fund", "--save-dev", "vite@7"], { cwd: app, timeout: 180000 });
  sh("npm", ["install", "--no-audit", "--no-fund", join(dir, info.filename)], { cwd: app, timeout: 120000 });
  const vite = spawnSync(join(app, "node_modules/.bin/vite"), ["build"], { cwd: app, timeout: 120000, encoding: "utf8" });
  viteLog = `${vite.stdout}\n${vite.stderr}`;
  dist = join(app, "dist");
  assert.ok(vite.status === 0 && existsSync(join(dist, "index.html")), viteLog);
  repoServer = await startStaticServer(0);
  distServer = await serveDir(dist);
  isolatedDistServer = await serveDir(dist, { isolated: true });
  browser = await launchChromium("vite-e2e-");
});

after(async () => {
  await browser?.close();
  repoServer?.close();
  distServer?.close();
  isolatedDistServer?.close();
  if (dir && !process.env.KEEP_VITE_APP) rmSync(dir, { recursive: true, force: true });
});

/** The same call against the repository's /pkg, in its own page. */
async function referenceInBrowser() {
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${repoServer.address().port}/tests/js/pages/api.html`);
    await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
    return await page.evaluate(async (BODY) => {
      const s = (n) => new URL(`/www/samples/${n}`, location.href);
      const r = await window.T.lib.superimposeV2({ ...BODY, base_image: s("base.jpg"), overlay_image: s("overlay.png"), mask: s("mask.png") });
      return { width: r.width, height: r.height, data: Array.from(r.imageData.data) };
    }, BODY);
  } finally {
    await page.close();
  }
}

function diff(a, b) {
  if (a.width !== b.width || a.height !== b.height) return `size ${a.width}×${a.height} vs ${b.width}×${b.height}`;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n ? `${n} bytes differ` : "equal";
}

let viteResult;

test("vite build bundles the package without warnings: the .wasm modules (and the threads build's) are emitted as assets and the page renders with no errors", { timeout: 120000 }, async () => {
  // The `browser` export condition keeps Node's entry (and its node:fs import) out of the bundle:
  // Vite would warn that it "has been externalized for browser compatibility".
  assert.doesNotMatch(viteLog, /node:|externalized|\bwarn(ing)?\b|\(!\)/i, `vite build printed a warning:\n${viteLog}`);
  const assets = sh("ls", [join(dist, "assets")]).split("\n").filter(Boolean);
  const wasmAssets = assets.filter((f) => f.endsWith(".wasm")).map((f) => f.replace(/-[\w-]{8}\.wasm$/, ".wasm")).sort();
  const expectWasm = ["superimpose_client_bg.wasm", "superimpose_codecs_bg.wasm", "superimpose_wasm_bg.wasm"];
  if (!threadsSkipReason()) expectWasm.push("superimpose_wasm_mt_bg.wasm"); // the threads page's core
  assert.deepEqual(wasmAssets, expectWasm.sort(), `dist/assets: ${assets}`);
  // Only the bundles and the three modules: no package file copied as a stray asset.
  const stray = assets.filter((f) => !/\.(js|wasm)$/.test(f));
  assert.deepEqual(stray, [], `unexpected assets in dist/assets: ${assets}`);
  // The pool's worker is bundled as its own chunk (with its imports), not copied as a bare file.
  assert.ok(assets.some((f) => /^worker-.*\.js$/.test(f)), `no bundled worker chunk in dist/assets: ${assets}`);
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`http://127.0.0.1:${distServer.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.state, null, { timeout: 60000 });
    const state = await page.evaluate(() => [document.body.dataset.state, document.body.dataset.error]);
    assert.deepEqual(state, ["done", undefined]);
    viteResult = await page.evaluate(() => window.__result);
    const pixelsOnly = await page.evaluate(() => window.__pixelsOnly);
    assert.deepEqual(pixelsOnly.wasm.map((f) => f.replace(/-[\w-]{8}\.wasm$/, ".wasm")), ["superimpose_wasm_bg.wasm"],
      "a pixels-only call loads the core module alone");
    const after = (await page.evaluate(() => window.__afterFiles)).map((f) => f.replace(/-[\w-]{8}\.wasm$/, ".wasm")).sort();
    assert.deepEqual(after, ["superimpose_codecs_bg.wasm", "superimpose_wasm_bg.wasm"], "encoded inputs load the codec module");
    const worker = await page.evaluate(() => window.__worker);
    assert.equal(worker.error, undefined, `worker pool in the Vite build: ${worker.error}`);
    assert.equal(diff(worker, viteResult), "equal", "worker pool vs main thread in the Vite app");
    // What the canvas shows is the result.
    const shown = await page.evaluate(() => {
      const c = document.getElementById("out");
      return { width: c.width, height: c.height, data: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data) };
    });
    assert.equal(diff(shown, viteResult), "equal");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("the Vite app's pixels equal the same call against /pkg in another page", { timeout: 60000 }, async () => {
  assert.ok(viteResult, "the Vite page rendered");
  const ref = await referenceInBrowser();
  assert.deepEqual([ref.width, ref.height], [640, 427]);
  assert.equal(diff(viteResult, ref), "equal");
});

test("a page of the Vite app that calls initThreads (served cross-origin isolated) runs 2 threads and gets the same pixels", { skip: threadsSkipReason() ?? false, timeout: 60000 }, async () => {
  assert.ok(viteResult, "the Vite page rendered");
  const assets = sh("ls", [join(dist, "assets")]).split("\n").filter(Boolean);
  // The threads' module worker is bundled as its own chunk (with the threads build's glue).
  assert.ok(assets.some((f) => /^threads-worker-.*\.js$/.test(f)), `no bundled threads-worker chunk in dist/assets: ${assets}`);
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`http://127.0.0.1:${isolatedDistServer.address().port}/threads.html`);
    await page.waitForFunction(() => document.body.dataset.state, null, { timeout: 60000 });
    const state = await page.evaluate(() => [document.body.dataset.state, document.body.dataset.error]);
    assert.deepEqual(state, ["done", undefined]);
    const r = await page.evaluate(() => window.__threads);
    assert.equal(r.threads, 2);
    assert.equal(diff(r, viteResult), "equal", "threads build vs the single-threaded page");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("a plain Node ESM script in the app imports the installed package and gets the same pixels as pkg/", { timeout: 60000 }, async () => {
  const out = JSON.parse(sh("node", ["node-check.mjs"], { cwd: app, timeout: 60000 }));
  assert.equal(out.backend, "simd128");
  assert.ok(out.pngRoundTrip, "PNG encode/decode round trip in Node");
  const nodeResult = { width: out.width, height: out.height, data: Buffer.from(out.data, "base64") };
  // The same call through the repository's pkg/ in this process.
  const m = await import(join(pkgDir, "index.js"));
  const file = (n) => new Uint8Array(readFileSync(join(root, "www/samples", n)));
  const direct = await m.superimposeV2({ ...BODY, base_image: file("base.jpg"), overlay_image: file("overlay.png"), mask: file("mask.png") });
  assert.equal(diff(nodeResult, { width: direct.width, height: direct.height, data: direct.imageData.data }), "equal");
  // Independent check: outside the placed overlay the output is the base as Pillow decodes it
  // (the image crate's JPEG decoder and Pillow's libjpeg-turbo differ by a few levels on
  // base.jpg — at most 4, mean ≈ 0.1 — far from what compositing changes).
  const python = process.env.PYTHON ?? join(root, ".tools", "venv", "bin", "python");
  const base = Buffer.from(sh(python, ["-c",
    "import sys,base64;from PIL import Image;print(base64.b64encode(Image.open(sys.argv[1]).convert('RGBA').tobytes()).decode())",
    join(root, "www/samples/base.jpg")]).trim(), "base64");
  // Overlay 256² scaled 0.8 → 204², rotated 12° → ≤ 243² box, centred at (45 %, 60 %).
  const cx = 640 * 0.45, cy = 427 * 0.6, half = 125;
  let maxOutside = 0, changedInside = 0, sumOutside = 0, nOutside = 0;
  for (let y = 0; y < 427; y++) {
    for (let x = 0; x < 640; x++) {
      const inside = Math.abs(x - cx) <= half && Math.abs(y - cy) <= half;
      for (let c = 0; c < 3; c++) {
        const i = (y * 640 + x) * 4 + c;
        const d = Math.abs(nodeResult.data[i] - base[i]);
        if (inside) changedInside += d > 8 ? 1 : 0;
        else {
          maxOutside = Math.max(maxOutside, d);
          sumOutside += d;
          nOutside++;
        }
      }
    }
  }
  const meanOutside = sumOutside / nOutside;
  assert.ok(maxOutside <= 6 && meanOutside < 0.5,
    `outside the overlay the output differs from Pillow's base by up to ${maxOutside} (mean ${meanOutside})`);
  assert.ok(changedInside > 5000, "the overlay was composited");
  // And the browser (Vite app) gave the same pixels as Node.
  if (viteResult) assert.equal(diff(viteResult, nodeResult), "equal", "browser vs Node");
});
