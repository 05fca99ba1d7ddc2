// Background removal in headless Chromium with the built package and onnxruntime-web, on real
// models (tests/bg/fetch-models.sh): U²-Net-p on the wasm EP (main thread and worker pool), the
// WebGPU EP where Chromium gives an adapter (SwiftShader here), and — unless SKIP_ISNET=1 — the
// IS-Net quint8 model of @imgly/background-removal-data 1.4.5 (AGPL-3.0, test-time download only).
//
// References (tests/bg/fixtures, made once by tests/bg/make_fixtures.py with native onnxruntime):
// shape_truth.png (the synthetic image's known foreground), shape_u2netp_rembg.png (rembg's own
// U²-Net-p session), photo_isnet_ref.png (IS-Net quint8 under the "isnet" contract written in
// numpy/Pillow; IoU 0.9999 against photo_truth.png).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SKIP_ISNET = process.env.SKIP_ISNET === "1";
let server, browser, page, origin;
const consoleErrors = [];

before(async () => {
  execFileSync(join(root, "tests/bg/fetch-models.sh"), { stdio: "inherit" });
  server = await startStaticServer(0);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("bg-e2e-", { webgpu: true });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/tests/bg/page/index.html`);
  await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
  await page.evaluate(() => {
    window.ORT_URL = new URL("/node_modules/onnxruntime-web/dist/ort.min.mjs", location.href).href;
    window.api.configureOnnxRuntime({ moduleUrl: window.ORT_URL });
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("U²-Net-p, wasm EP: mask IoU with the known shape, composite, Cache API", { timeout: 240000 }, async () => {
  const r = await page.evaluate(async () => {
    const { api, checks, png, abs } = window;
    const [shape, truth, rembg] = await Promise.all(["shape", "shape_truth", "shape_u2netp_rembg"].map((n) => png(`/tests/bg/fixtures/${n}.png`)));
    const model = api.registerBackgroundModel("IsNet", { url: "/.tools/models/u2netp.onnx", preprocess: "u2net", executionProviders: ["wasm"] });
    const events = [];
    const t0 = performance.now();
    const cut = await api.removeBackground(abs("/tests/bg/fixtures/shape.png"), { onProgress: (p) => events.push(p) });
    const firstCall = performance.now() - t0;
    const base = new ImageData(shape.width, shape.height);
    for (let i = 0; i < base.data.length; i += 4) base.data.set([30, 200, 60, 255], i);
    const out = await api.superimposeV2({ base_image: base, overlay_image: abs("/tests/bg/fixtures/shape.png"), bg_remove_model: "IsNet",
      blend_mode: "normal", opacity: 100, x_percent: 50, y_percent: 50 });
    // A second registration of the same URL is served from the Cache API.
    const again = api.registerBackgroundModel("Bria", { url: "/.tools/models/u2netp.onnx", preprocess: "u2net", executionProviders: ["wasm"] });
    const cachedEvents = [];
    await again.load({ onProgress: (p) => cachedEvents.push(p) });
    api.unregisterBackgroundModel("Bria");
    const cacheKeys = (await (await caches.open("superimpose-wasm-models-v1")).keys()).map((k) => k.url);
    return {
      timings: model.timings, ep: model.executionProvider, firstCall,
      iouTruth: checks.iou(cut.imageData, 3, truth, 0), iouRembg: checks.iou(cut.imageData, 3, rembg, 0),
      diffRembg: checks.meanAbs(cut.imageData, 3, rembg, 0),
      composite: checks.compositeReport(out.imageData, shape, base, truth), warnings: out.warnings,
      phases: [...new Set(events.map((e) => `${e.phase}:${e.state ?? "bytes"}`))],
      lastDownload: events.filter((e) => e.phase === "download").at(-1),
      cachedDownload: cachedEvents.find((e) => e.phase === "download"), cacheKeys,
      isolated: crossOriginIsolated,
    };
  });
  console.log(`# u2netp chromium wasm EP: import ort ${r.timings.runtime.toFixed(0)} ms, download ${r.timings.download.toFixed(0)} ms, session ${r.timings.session.toFixed(0)} ms, ` +
    `inference ${r.timings.inference.toFixed(0)} ms, first call ${r.firstCall.toFixed(0)} ms; IoU truth ${r.iouTruth.toFixed(4)}, ` +
    `IoU rembg ${r.iouRembg.toFixed(4)}, mean |Δ| ${r.diffRembg.toFixed(3)}; composite ${JSON.stringify(r.composite)}`);
  assert.equal(r.ep, "wasm");
  assert.ok(r.iouTruth >= 0.9, `IoU vs the known shape ${r.iouTruth}`);
  assert.ok(r.iouRembg >= 0.98 && r.diffRembg <= 2, `vs rembg: IoU ${r.iouRembg}, mean |Δ| ${r.diffRembg}`);
  assert.ok(r.composite.foregroundKept >= 0.99 && r.composite.backgroundDropped >= 0.99, JSON.stringify(r.composite));
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.phases, ["download:bytes", "load:start", "load:done", "inference:start", "inference:done"]);
  assert.equal(r.lastDownload.loaded, 4574861);
  assert.equal(r.lastDownload.cached, false);
  assert.equal(r.cachedDownload.cached, true);
  assert.ok(r.cacheKeys.some((k) => k.endsWith("/.tools/models/u2netp.onnx")));
  assert.deepEqual(consoleErrors, []);
});

test("worker pool: registration forwarded, progress reported, same bytes as the main thread, abort", { timeout: 240000 }, async () => {
  const r = await page.evaluate(async () => {
    const { api, createWorkerPool, abs } = window;
    const pool = createWorkerPool({ size: 1 });
    pool.configureOnnxRuntime({ moduleUrl: window.ORT_URL });
    pool.registerBackgroundModel("IsNet", { url: new URL("/.tools/models/u2netp.onnx", location.href).href, preprocess: "u2net", executionProviders: ["wasm"] });
    const body = { base_image: abs("/tests/bg/fixtures/photo.png"), overlay_image: abs("/tests/bg/fixtures/shape.png"), bg_remove_model: "IsNet",
      blend_mode: "multiply", opacity: 80, x_percent: 40, y_percent: 60, rescale_factor: 0.5, resize_method: "bilinear", rotation: 20 };
    const events = [];
    const inWorker = await pool.superimposeV2(body, { onProgress: (p) => events.push(`${p.phase}:${p.state ?? "bytes"}`) });
    const onMain = await api.superimposeV2(body);
    let same = inWorker.imageData.data.length === onMain.imageData.data.length;
    for (let i = 0; same && i < onMain.imageData.data.length; i++) same = inWorker.imageData.data[i] === onMain.imageData.data[i];
    // Abort while the model runs: the worker is replaced, and the new one gets the registration.
    const ac = new AbortController();
    const aborted = await pool.superimposeV2(body, { signal: ac.signal, onProgress: (p) => p.phase === "inference" && ac.abort() })
      .then(() => "resolved", (e) => e.code);
    const t0 = performance.now();
    const again = await pool.superimposeV2(body);
    const againMs = performance.now() - t0;
    let sameAgain = true;
    for (let i = 0; sameAgain && i < onMain.imageData.data.length; i++) sameAgain = again.imageData.data[i] === onMain.imageData.data[i];
    pool.terminate();
    return { same, sameAgain, aborted, phases: [...new Set(events)], againMs, warnings: inWorker.warnings };
  });
  console.log(`# pool: after the abort, a respawned worker re-registered and ran in ${r.againMs.toFixed(0)} ms`);
  assert.ok(r.same, "worker and main-thread composites differ");
  assert.ok(r.sameAgain, "the respawned worker's composite differs");
  assert.equal(r.aborted, "E_ABORTED");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.phases, ["download:bytes", "load:start", "load:done", "inference:start", "inference:done"]);
  assert.deepEqual(consoleErrors, []);
});

test("WebGPU EP (SwiftShader): U²-Net-p falls back to the wasm EP, with the same mask", { timeout: 240000 }, async (t) => {
  // onnxruntime-web 1.30's WebGPU MaxPool lacks ceil_mode padding, which U²-Net-p uses: the
  // session is created on WebGPU, the first run fails, and the model falls back to wasm.
  const r = await page.evaluate(async () => {
    const { api, checks, abs } = window;
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return { skip: "no WebGPU adapter" };
    const gpu = api.registerBackgroundModel("gpu", { url: abs("/.tools/models/u2netp.onnx"), preprocess: "u2net", executionProviders: ["webgpu", "wasm"] });
    const events = [];
    try {
      const a = await api.removeBackground(abs("/tests/bg/fixtures/shape.png"), { model: "gpu", onProgress: (p) => events.push(p) });
      // The wasm-EP model of the first test (registered again when that test did not run).
      if (api.backgroundModel("IsNet")?.preprocess !== "u2net") {
        api.registerBackgroundModel("IsNet", { url: abs("/.tools/models/u2netp.onnx"), preprocess: "u2net", executionProviders: ["wasm"] });
      }
      const b = await api.removeBackground(abs("/tests/bg/fixtures/shape.png"), { model: "IsNet" });
      return { ep: gpu.executionProvider, iou: checks.iou(a.imageData, 3, b.imageData, 3), diff: checks.meanAbs(a.imageData, 3, b.imageData, 3),
        firstEp: events.find((e) => e.phase === "load" && e.state === "done")?.executionProvider,
        fallback: events.find((e) => e.state === "fallback"), adapter: adapter.info?.architecture };
    } finally {
      api.unregisterBackgroundModel("gpu");
    }
  });
  if (r.skip) return t.skip(r.skip);
  console.log(`# webgpu (${r.adapter}): u2netp ${r.fallback ? `fell back: ${r.fallback.reason.slice(0, 120)}` : "ran on webgpu"}`);
  assert.equal(r.firstEp, "webgpu");
  assert.equal(r.fallback?.from, "webgpu");
  assert.equal(r.ep, "wasm");
  assert.ok(r.iou === 1 && r.diff === 0, `fallback vs wasm: IoU ${r.iou}, mean |Δ| ${r.diff}`);
});

test("IS-Net quint8 (imgly data 1.4.5), wasm EP: mask IoU with the native onnxruntime reference", { timeout: 300000, skip: SKIP_ISNET && "SKIP_ISNET=1" }, async () => {
  const r = await page.evaluate(async () => {
    const { api, checks, png, abs } = window;
    const [ref, truth] = await Promise.all(["photo_isnet_ref", "photo_truth"].map((n) => png(`/tests/bg/fixtures/${n}.png`)));
    const model = api.registerBackgroundModel("IsNet", { url: "/.tools/models/isnet_quint8.onnx", preprocess: "isnet", executionProviders: ["wasm"], cache: false });
    const cut = await api.removeBackground(abs("/tests/bg/fixtures/photo.png"));
    const out = { timings: model.timings, iouRef: checks.iou(cut.imageData, 3, ref, 0), diffRef: checks.meanAbs(cut.imageData, 3, ref, 0),
      iouTruth: checks.iou(cut.imageData, 3, truth, 0) };
    api.unregisterBackgroundModel("IsNet");
    return out;
  });
  console.log(`# isnet quint8 chromium wasm EP: import ort ${r.timings.runtime.toFixed(0)} ms, download ${r.timings.download.toFixed(0)} ms, session ${r.timings.session.toFixed(0)} ms, ` +
    `inference ${r.timings.inference.toFixed(0)} ms; IoU ref ${r.iouRef.toFixed(4)} (mean |Δ| ${r.diffRef.toFixed(3)}), IoU truth ${r.iouTruth.toFixed(4)}`);
  assert.ok(r.iouRef >= 0.98, `IoU vs the native reference ${r.iouRef}`);
  assert.ok(r.diffRef <= 3, `mean |Δ| vs the native reference ${r.diffRef}`);
  assert.deepEqual(consoleErrors, []);
});

// Opt-in (slow on SwiftShader): ISNET_WEBGPU=1 runs IS-Net quint8 on the WebGPU EP and checks it
// against the same native reference; used to measure the WebGPU timings quoted in the docs.
test("IS-Net quint8 on the WebGPU EP (opt-in: ISNET_WEBGPU=1)", { timeout: 600000, skip: process.env.ISNET_WEBGPU !== "1" && "set ISNET_WEBGPU=1" }, async () => {
  const r = await page.evaluate(async () => {
    const { api, checks, png, abs } = window;
    const ref = await png("/tests/bg/fixtures/photo_isnet_ref.png");
    const model = api.registerBackgroundModel("IsNet", { url: abs("/.tools/models/isnet_quint8.onnx"), preprocess: "isnet", executionProviders: ["webgpu", "wasm"], cache: false });
    const events = [];
    const cut = await api.removeBackground(abs("/tests/bg/fixtures/photo.png"), { onProgress: (p) => events.push(p) });
    const first = model.timings.inference;
    await api.removeBackground(abs("/tests/bg/fixtures/photo.png"));
    const out = { timings: model.timings, first, ep: model.executionProvider, fallback: events.find((e) => e.state === "fallback"),
      iouRef: checks.iou(cut.imageData, 3, ref, 0), diffRef: checks.meanAbs(cut.imageData, 3, ref, 0) };
    api.unregisterBackgroundModel("IsNet");
    return out;
  });
  console.log(`# isnet quint8 chromium ${r.ep} EP${r.fallback ? ` (fell back from webgpu: ${r.fallback.reason.slice(0, 100)})` : ""}: session ${r.timings.session.toFixed(0)} ms, ` +
    `inference ${r.first.toFixed(0)} ms first, ${r.timings.inference.toFixed(0)} ms second; IoU ref ${r.iouRef.toFixed(4)} (mean |Δ| ${r.diffRef.toFixed(3)})`);
  assert.ok(r.iouRef >= 0.98, `IoU vs the native reference ${r.iouRef}`);
});
