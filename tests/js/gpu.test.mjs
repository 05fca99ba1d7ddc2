// The built package's WebGPU backend (pkg/index.js) in headless Chromium with
// --enable-unsafe-webgpu (the SwiftShader adapter) and in Node (no WebGPU):
// - backend "webgpu" returns backendUsed "webgpu" and equals backend "cpu" within ±1 (v2 and v1);
// - "auto" on a software adapter runs on the CPU and says why; in Node "webgpu" is E_GPU_UNAVAILABLE;
// - CPU vs WebGPU timings for a 1080p and a 4K v2 body are printed (SwiftShader numbers: they say
//   nothing about a hardware GPU).
// No adapter in Chromium is a failure, not a skip.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

let server, browser, page;

before(async () => {
  server = await startStaticServer(0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("gpu-e2e-", { webgpu: true });
  page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${origin}/tests/js/pages/gpu.html`);
  await page.evaluate(async () => {
    window.lib = await import("/pkg/index.js");
    // Deterministic synthetic images (gradients + LCG noise).
    window.img = (w, h, seed, alpha) => {
      const data = new Uint8ClampedArray(w * h * 4);
      let s = seed >>> 0;
      const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i += 4) {
          const n = rnd() >> 2;
          data[i] = ((x * 255) / w + n) & 255;
          data[i + 1] = ((y * 255) / h + n) & 255;
          data[i + 2] = rnd();
          data[i + 3] = alpha === "noise" ? ((x + y) % 7 === 0 ? 0 : rnd()) : 255;
        }
      }
      return { width: w, height: h, data };
    };
    window.cmp = (a, b) => {
      if (a.width !== b.width || a.height !== b.height) return { max: 999, n: -1 };
      let max = 0, n = 0;
      for (let i = 0; i < a.data.length; i++) {
        const d = Math.abs(a.data[i] - b.data[i]);
        if (d) { n++; if (d > max) max = d; }
      }
      return { max, n };
    };
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("Chromium has a WebGPU adapter (a test without one is a failure)", async () => {
  const info = await page.evaluate(() => window.lib.webgpuInfo());
  assert.ok(info, "webgpuInfo() is null: Chromium must run with --enable-unsafe-webgpu");
  console.log(`WebGPU adapter: ${JSON.stringify(info)}`);
});

test('backend "webgpu" equals backend "cpu" within ±1 (v2 and v1 bodies)', async () => {
  const rows = await page.evaluate(async () => {
    const { lib, img, cmp } = window;
    const base = img(160, 120, 1);
    const overlay = img(70, 50, 2, "noise");
    const mask = img(40, 30, 3);
    const v2 = [
      { blend_mode: "multiply", resize_method: "bicubic", rotation: 25, rescale_factor: 1.4, mirror: "horizontal" },
      { blend_mode: "hard mix", resize_method: "nearest", rotation: 90, rescale_factor: 0.7, mask },
      { blend_mode: "dissolve", resize_method: "lanczos", rotation: 0, rescale_factor: 2.2, opacity: 55 },
      { blend_mode: "color", resize_method: "bilinear", rotation: 300, mirror: "vertical", mask },
    ];
    const out = [];
    for (const extra of v2) {
      const body = { base_image: base, overlay_image: overlay, bg_remove_model: "None", x_percent: 45, y_percent: 55, ...extra };
      const g = await lib.superimposeV2(body, { backend: "webgpu" });
      const c = await lib.superimposeV2(body, { backend: "cpu" });
      out.push({ what: `v2 ${extra.blend_mode} ${extra.resize_method}`, used: g.backendUsed, reason: g.gpuFallbackReason,
        cpuUsed: c.backendUsed, ...cmp(g.imageData, c.imageData) });
    }
    const v1 = [
      { overlay_resize: "Fit", resize_method: "bilinear", rotation: 33, opacity: 0.8 },
      { overlay_resize: "Resize by rescale_factor", resize_method: "nearest-exact", rescale_factor: 1.3, x_offset: -10, y_offset: 20, mask },
      { overlay_resize: "Resize to width & height", width: 90, height: 40, resize_method: "area", rotation: 180 },
    ];
    for (const extra of v1) {
      const body = { base_image: base, overlay_image: overlay, ...extra };
      const g = await lib.superimpose(body, { backend: "webgpu" });
      const c = await lib.superimpose(body, { backend: "cpu" });
      out.push({ what: `v1 ${extra.overlay_resize} ${extra.resize_method}`, used: g.backendUsed, reason: g.gpuFallbackReason,
        cpuUsed: c.backendUsed, ...cmp(g.imageData, c.imageData) });
    }
    return out;
  });
  for (const r of rows) {
    assert.equal(r.used, "webgpu", `${r.what}: ${r.reason}`);
    assert.equal(r.cpuUsed, "cpu", r.what);
    assert.ok(r.n >= 0 && r.max <= 1, `${r.what}: differs by up to ${r.max} in ${r.n} bytes`);
  }
  const info = await page.evaluate(() => window.lib.webgpuInfo());
  console.log(`adapter: ${info.vendor}/${info.architecture} fallback=${info.isFallbackAdapter}\n` +
    rows.map((r) => `${r.what}: ${r.n} bytes ±1`).join("\n"));
});

test("the worker pool passes backend through (WebGPU inside a worker)", async () => {
  const r = await page.evaluate(async () => {
    const { lib, img, cmp } = window;
    const { createWorkerPool } = await import("/pkg/pool.js");
    const pool = createWorkerPool({ size: 1 });
    try {
      const body = { base_image: img(90, 70, 8), overlay_image: img(40, 30, 9, "noise"), bg_remove_model: "None",
        blend_mode: "screen", rotation: 20, resize_method: "bilinear" };
      const g = await pool.superimposeV2(body, { backend: "webgpu" });
      const c = await lib.superimposeV2(body, { backend: "cpu" });
      const cpuInWorker = await pool.superimposeV2(body, { backend: "cpu" });
      return { used: g.backendUsed, reason: g.gpuFallbackReason, cpuUsed: cpuInWorker.backendUsed, ...cmp(g.imageData, c.imageData) };
    } finally {
      pool.terminate();
    }
  });
  assert.equal(r.used, "webgpu", r.reason);
  assert.equal(r.cpuUsed, "cpu");
  assert.ok(r.max <= 1, `worker WebGPU result differs by ${r.max}`);
});

test('"auto" on a software adapter runs on the CPU and says why; a bad backend is E_PARAM_ENUM', async () => {
  const r = await page.evaluate(async () => {
    const { lib, img } = window;
    const body = { base_image: img(64, 48, 4), overlay_image: img(20, 20, 5), bg_remove_model: "None" };
    const a = await lib.superimposeV2(body);
    let code = null;
    try { await lib.superimposeV2(body, { backend: "gpu" }); } catch (e) { code = e.code; }
    return { used: a.backendUsed, reason: a.gpuFallbackReason, code, fallback: (await lib.webgpuInfo()).isFallbackAdapter };
  });
  assert.equal(r.code, "E_PARAM_ENUM");
  assert.equal(r.used, "cpu");
  assert.match(r.reason, /below the WebGPU threshold/);
});

test("in Node (no WebGPU): auto → cpu with a reason, webgpu → E_GPU_UNAVAILABLE", async () => {
  const lib = await import("../../pkg/index.js");
  const px = (w, h, v) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(v) });
  // 1024 × 1024: above auto's threshold, so auto does look for WebGPU.
  const body = { base_image: px(1024, 1024, 200), overlay_image: px(4, 4, 50), bg_remove_model: "None" };
  const a = await lib.superimposeV2(body);
  assert.equal(a.backendUsed, "cpu");
  assert.match(a.gpuFallbackReason, /no WebGPU/);
  await assert.rejects(lib.superimposeV2(body, { backend: "webgpu" }), (e) => e.code === "E_GPU_UNAVAILABLE");
  assert.equal(await lib.webgpuInfo(), null);
});

test("timings on this adapter: 1080p and 4K v2 bodies, CPU vs WebGPU (printed, not asserted)", async () => {
  const rows = await page.evaluate(async () => {
    const { lib, img, cmp } = window;
    const out = [];
    for (const [w, h] of [[64, 64], [1920, 1080], [3840, 2160]]) {
      const base = img(w, h, 6);
      const overlay = img(w >> 1, h >> 1, 7, "noise");
      const body = { base_image: base, overlay_image: overlay, bg_remove_model: "None", blend_mode: "multiply",
        resize_method: "bicubic", rescale_factor: 1.5, rotation: 15, x_percent: 50, y_percent: 50 };
      const time = async (opts) => {
        const t0 = performance.now();
        const r = await lib.superimposeV2(body, opts);
        return [performance.now() - t0, r];
      };
      await time({ backend: "cpu" });
      const [cpu, c] = await time({ backend: "cpu" });
      const [gpuFirst, g] = await time({ backend: "webgpu", baseKey: `b${w}` }); // base uploaded
      const [gpuCached] = await time({ backend: "webgpu", baseKey: `b${w}` }); // base reused
      const [gpuHashed] = await time({ backend: "webgpu" }); // base hashed, uploaded again
      const [gpuHashHit] = await time({ backend: "webgpu" }); // base hashed, hash matches: reused
      const [, a] = await time({});
      out.push({ size: `${w}×${h}`, cpu, gpuFirst, gpuCached, gpuHashed, gpuHashHit, used: g.backendUsed, auto: a.backendUsed,
        autoReason: a.gpuFallbackReason, fallback: (await lib.webgpuInfo()).isFallbackAdapter, ...cmp(g.imageData, c.imageData) });
    }
    return out;
  });
  const info = await page.evaluate(() => window.lib.webgpuInfo());
  console.log(`timings on adapter ${info.vendor}/${info.architecture} (fallback=${info.isFallbackAdapter}):`);
  for (const r of rows) {
    assert.equal(r.used, "webgpu");
    assert.ok(r.max <= 1, `${r.size}: differs by ${r.max}`);
    // auto: below 1 MP the CPU; above it a software adapter never wins against the CPU kernels,
    // a hardware one is used.
    const big = r.size !== "64×64";
    assert.equal(r.auto, big && !r.fallback ? "webgpu" : "cpu", r.autoReason);
    console.log(`${r.size}: cpu ${r.cpu.toFixed(0)} ms, webgpu ${r.gpuFirst.toFixed(0)} ms (base upload), ` +
      `${r.gpuCached.toFixed(0)} ms (cached base via baseKey), ${r.gpuHashed.toFixed(0)} ms (no key: hash + upload), ` +
      `${r.gpuHashHit.toFixed(0)} ms (no key: hash matches)`);
  }
});

test("into: a real ImageData receives the WebGPU and the CPU result (same bytes as without into)", async () => {
  const r = await page.evaluate(async () => {
    const { lib, img, cmp } = window;
    const body = { base_image: img(160, 120, 5), overlay_image: img(64, 48, 9, "noise"), bg_remove_model: "None",
      blend_mode: "screen", rescale_factor: 1.3, resize_method: "bicubic", rotation: 20, opacity: 80 };
    const out = {};
    for (const backend of ["webgpu", "cpu"]) {
      const plain = await lib.superimposeV2(body, { backend });
      const frame = new ImageData(160, 120);
      const res = await lib.superimposeV2(body, { backend, into: frame });
      out[backend] = { same: res.imageData === frame, isImageData: res.imageData instanceof ImageData,
        used: res.backendUsed, diff: cmp(frame, plain.imageData), warningsLeft: Object.hasOwn(frame, "warnings") };
    }
    return out;
  });
  for (const backend of ["webgpu", "cpu"]) {
    assert.deepEqual(r[backend], { same: true, isImageData: true, used: backend, diff: { max: 0, n: 0 }, warningsLeft: false }, backend);
  }
});
