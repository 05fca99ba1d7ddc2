// The demo's background removal end to end in headless Chromium: the page is served as `make demo`
// serves it with a model (U²-Net-p from `make models`, registered for bg_remove_model "IsNet"),
// the model runs once per overlay in a worker, and the canvas equals the package's own
// superimposeV2 with the same registered model on the main thread — byte for byte.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

const model = new URL("../../.tools/models/u2netp.onnx", import.meta.url).pathname;
const shots = new URL("../../test-results/", import.meta.url).pathname;
let server, browser, page, base;
const consoleErrors = [];

before(async () => {
  assert.ok(existsSync(model), "run `make models` first (U²-Net-p)");
  mkdirSync(shots, { recursive: true });
  server = await startStaticServer(0, { simUrl: undefined, bgModel: "u2netp" });
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("demo-bg-", { viewport: { width: 1280, height: 800 } });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/www/`);
  await page.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("bg_remove_model IsNet runs the registered model once in a worker; the canvas equals the package's own output", { timeout: 240000 }, async () => {
  assert.match(await page.textContent("#bg-status"), /U²-Net-p/);
  const hashOf = () => page.evaluate(() => {
    const c = document.getElementById("view");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193);
    return h >>> 0;
  });
  const before = await hashOf();
  const n = await page.evaluate(() => Number(document.getElementById("view").dataset.renders));
  await page.selectOption("#bg_remove_model", "IsNet");
  await page.waitForFunction((k) => Number(document.getElementById("view").dataset.renders) > k, n, { timeout: 180000 });
  assert.match(await page.textContent("#bg-status"), /Background removed in [\d.]+ s/);
  assert.notEqual(await hashOf(), before, "removing the background changed the composite");
  assert.equal(await page.evaluate(() => window.__demo.state.last.body.bg_remove_model), "IsNet");

  // A second change re-renders from the cached cutout: no second inference.
  const status = await page.textContent("#bg-status");
  const m = await page.evaluate(() => Number(document.getElementById("view").dataset.renders));
  await page.fill("#opacity", "70");
  await page.dispatchEvent("#opacity", "input");
  await page.waitForFunction((k) => Number(document.getElementById("view").dataset.renders) > k, m, { timeout: 30000 });
  assert.equal(await page.textContent("#bg-status"), status);

  const same = await page.evaluate(async () => {
    const api = await import("/pkg/index.js");
    const abs = (u) => new URL(u, location.href).href;
    api.configureOnnxRuntime({ moduleUrl: abs("/node_modules/onnxruntime-web/dist/ort.min.mjs"), wasmPaths: abs("/node_modules/onnxruntime-web/dist/") });
    api.registerBackgroundModel("IsNet", { url: abs("/.tools/models/u2netp.onnx"), preprocess: "u2net" });
    const { body } = window.__demo.state.last;
    const ref = await api.superimposeV2(body, { backend: "cpu" });
    const c = document.getElementById("view");
    const got = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    if (got.length !== ref.imageData.data.length) return `size ${got.length} vs ${ref.imageData.data.length}`;
    for (let i = 0; i < got.length; i++) if (got[i] !== ref.imageData.data[i]) return `byte ${i}: ${got[i]} vs ${ref.imageData.data[i]}`;
    return "equal";
  });
  assert.equal(same, "equal");
  await page.screenshot({ path: join(shots, "demo-bg-removed.png"), fullPage: false });
  assert.deepEqual(consoleErrors, []);
});
