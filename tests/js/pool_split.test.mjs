// The worker pool's row split (README "Using both cores"): a resize or superimposeV2 cut into
// one band of output rows per worker must give exactly the main thread's single-call bytes
// (which tests/pipeline.rs and tests/resample.rs check against Pillow), the same backendUsed and
// warnings; abort cancels every band and the pool serves the next call. Real headless Chromium,
// the package as an app imports it (pkg/index.js, pkg/pool.js, pkg/worker.js).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStaticServer } from "../../scripts/serve.mjs";
import { launchChromium } from "./support/chromium.mjs";

let server, browser, page;
const consoleErrors = [];

before(async () => {
  server = await startStaticServer(0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("pool-split-");
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/tests/js/pages/api.html`);
  await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
  // Deterministic noise images in the page (xorshift32), some alpha 0 and 255.
  await page.evaluate(() => {
    window.noise = (w, h, seed, alpha = true) => {
      let x = (seed * 2654435761) >>> 0 || 1;
      const data = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < data.length; i++) {
        x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
        data[i] = x >>> 24;
      }
      if (alpha) for (let i = 3; i < data.length; i += 4) if (data[i] < 40) data[i] = 0; else if (data[i] > 215) data[i] = 255;
      return { width: w, height: h, data };
    };
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(consoleErrors, []);
});

test("superimposeV2: split bands equal the main thread's single call", { timeout: 300000 }, async () => {
  const r = await page.evaluate(async () => {
    const { lib, compare, createWorkerPool } = window.T;
    const base = noise(1100, 700, 1, false);
    const ov = noise(480, 360, 2);
    const mask = noise(300, 500, 3);
    const common = { bg_remove_model: "None", base_image: base, overlay_image: ov };
    const bodies = {
      "lanczos ×0.4, rotate 30, mirror horizontal, multiply 90": { ...common, rescale_factor: 0.4, resize_method: "lanczos", rotation: 30, mirror: "horizontal", blend_mode: "multiply", opacity: 90 },
      "dissolve seed 12345, rotate 33": { ...common, blend_mode: "dissolve", opacity: 60, seed: 12345, rotation: 33, resize_method: "bicubic" },
      "mirror vertical, mask, bilinear ×1.7": { ...common, mirror: "vertical", mask, rescale_factor: 1.7, resize_method: "bilinear", blend_mode: "soft light" },
      "rotation 90, partly off the base (top left)": { ...common, rotation: 90, x_percent: 0, y_percent: 3, rescale_factor: 1.5, blend_mode: "screen", resize_method: "box" },
      "rotation 270, off the right and bottom, nearest": { ...common, rotation: 270, x_percent: 97, y_percent: 100, resize_method: "nearest", rescale_factor: 1.3 },
      "rotation 180, hue": { ...common, rotation: 180, blend_mode: "hue", opacity: 70 },
      "rotation 315 ×2 lanczos, scale_filter bicubic, difference": { ...common, rotation: 315, rescale_factor: 2, resize_method: "lanczos", scale_filter: "bicubic", blend_mode: "difference" },
      "bg_remove_model omitted (a warning), darker color": { base_image: base, overlay_image: ov, blend_mode: "darker color", y_percent: 20 },
      "overlay larger than the base, off every side": { ...common, rescale_factor: 4, rotation: 10, x_percent: 40, y_percent: 60 },
    };
    const out = {};
    for (const size of [2, 3]) {
      const pool = createWorkerPool({ size });
      try {
        for (const [name, body] of Object.entries(bodies)) {
          const ref = await lib.superimposeV2(body);
          for (const split of ["always", "auto"]) {
            const res = await pool.superimposeV2(body, { split });
            const same = compare(res.imageData, ref.imageData);
            const meta = JSON.stringify([res.backendUsed, res.warnings]) === JSON.stringify([ref.backendUsed, ref.warnings]) ? "" : ` meta ${JSON.stringify([res.backendUsed, res.warnings])} vs ${JSON.stringify([ref.backendUsed, ref.warnings])}`;
            out[`${size} workers, ${split}: ${name}`] = same + meta;
          }
        }
        // The caller's buffers are still intact after split calls.
        out[`${size} workers: caller's buffers`] = base.data.length === 1100 * 700 * 4 && ov.data.length === 480 * 360 * 4 ? "intact" : "detached";
        // Encoded inputs are decoded once, then split: a PNG base (bytes) and a data: URI overlay.
        const png = await lib.encode(base, { format: "png" });
        const ovUri = "data:image/png;base64," + window.T.base64Of(await lib.encode(ov, { format: "png" }));
        const body = { ...bodies["dissolve seed 12345, rotate 33"], base_image: png, overlay_image: ovUri };
        const ref = await lib.superimposeV2({ ...body, base_image: png.slice() });
        out[`${size} workers: encoded inputs`] = compare((await pool.superimposeV2(body, { split: "always" })).imageData, ref.imageData);
      } finally {
        pool.terminate();
      }
    }
    return out;
  });
  for (const [name, verdict] of Object.entries(r)) {
    assert.equal(verdict, name.endsWith("buffers") ? "intact" : "equal", name);
  }
});

test("resize: split bands equal the main thread's single call", { timeout: 300000 }, async () => {
  const r = await page.evaluate(async () => {
    const { lib, compare, createWorkerPool } = window.T;
    const src = noise(1024, 1024, 9);
    const cases = [
      [{ width: 410, height: 410, filter: "lanczos" }, src],
      [{ width: 1500, height: 700, filter: "bicubic" }, src],
      [{ width: 1000, height: 97, filter: "bilinear" }, src], // tall shrink: vertical pass first
      [{ width: 333, height: 1900, filter: "box" }, src],
      [{ width: 777, height: 555, filter: "nearest" }, src],
      [{ width: 1024, height: 600 }, src], // one axis, default bicubic
      [{ width: 410, height: 410, filter: "lanczos" }, noise(1024, 1024, 10, false)],
    ];
    const out = {};
    const pool = createWorkerPool({ size: 2 });
    try {
      for (const [opts, img] of cases) {
        const ref = await lib.resize(img, opts);
        for (const split of ["always", "auto", "never"]) {
          const res = await pool.resize(img, opts, { split });
          out[`${JSON.stringify(opts)} ${split}`] = compare(res.imageData, ref.imageData) + (res.warnings.length ? " warnings" : "");
        }
      }
      out["caller's buffer"] = src.data.length === 1024 * 1024 * 4 ? "equal" : "detached";
      // An encoded input (PNG bytes) is decoded once, then split.
      const png = await lib.encode(src, { format: "png" });
      const ref = await lib.resize(src, { width: 600, height: 900, filter: "lanczos" });
      out["png bytes"] = compare((await pool.resize(png, { width: 600, height: 900, filter: "lanczos" }, { split: "always" })).imageData, ref.imageData);
    } finally {
      pool.terminate();
    }
    return out;
  });
  for (const [name, verdict] of Object.entries(r)) assert.equal(verdict, "equal", name);
});

test("split calls: bad options are coded errors, abort cancels every band, the pool serves the next call", { timeout: 300000 }, async () => {
  const r = await page.evaluate(async () => {
    const { lib, compare, codeOf, createWorkerPool } = window.T;
    const pool = createWorkerPool({ size: 2 });
    const out = {};
    try {
      const src = noise(1024, 1024, 4);
      out.badSplit = await codeOf(pool.resize(src, { width: 10, height: 10 }, { split: "sometimes" }));
      out.badSplitV2 = await codeOf(pool.superimposeV2({ base_image: src, overlay_image: src }, { split: 1 }));
      // Errors of the parameters are the single call's, reported once.
      out.badFilter = await codeOf(pool.resize(src, { width: 900, height: 900, filter: "cubic" }, { split: "always" }));
      out.badMode = await codeOf(pool.superimposeV2({ bg_remove_model: "None", base_image: src, overlay_image: src, blend_mode: "nope" }, { split: "always" }));
      // A big job: split in two, aborted while both bands run.
      const big = {
        bg_remove_model: "None", rescale_factor: 6, resize_method: "lanczos", rotation: 33, blend_mode: "soft light",
        base_image: noise(2500, 2500, 5, false), overlay_image: noise(300, 300, 6),
      };
      let t = performance.now();
      await pool.superimposeV2(big, { split: "always" });
      out.bigMs = performance.now() - t;
      const c = new AbortController();
      t = performance.now();
      const running = codeOf(pool.superimposeV2(big, { signal: c.signal, split: "always" }));
      await new Promise((ok) => setTimeout(ok, Math.min(150, out.bigMs / 4)));
      c.abort();
      out.aborted = await running;
      out.abortedAfterMs = performance.now() - t;
      const small = { bg_remove_model: "None", base_image: noise(900, 700, 7, false), overlay_image: noise(400, 300, 8), rotation: 90, mirror: "vertical" };
      const ref = await lib.superimposeV2(small);
      const next = await Promise.all([0, 1, 2].map(() => pool.superimposeV2(small, { split: "always" })));
      out.next = next.map((n) => compare(n.imageData, ref.imageData));
      // A resize aborted too.
      const c2 = new AbortController();
      const rz = codeOf(pool.resize(noise(3000, 3000, 11), { width: 2900, height: 2900, filter: "lanczos" }, { signal: c2.signal, split: "always" }));
      await new Promise((ok) => setTimeout(ok, 30));
      c2.abort();
      out.resizeAborted = await rz;
      out.resizeNext = compare((await pool.resize(src, { width: 410, height: 410, filter: "lanczos" })).imageData, (await lib.resize(src, { width: 410, height: 410, filter: "lanczos" })).imageData);
    } finally {
      pool.terminate();
    }
    return out;
  });
  assert.equal(r.badSplit.code, "E_PARAM_ENUM");
  assert.equal(r.badSplit.param, "split");
  assert.equal(r.badSplitV2.code, "E_PARAM_ENUM");
  assert.equal(r.badFilter.code, "E_PARAM_ENUM");
  assert.equal(r.badMode.code, "E_PARAM_ENUM");
  assert.equal(r.aborted.code, "E_ABORTED");
  assert.ok(r.abortedAfterMs < r.bigMs, `aborted after ${r.abortedAfterMs} ms; a whole job is ${r.bigMs} ms`);
  assert.deepEqual(r.next, ["equal", "equal", "equal"]);
  assert.equal(r.resizeAborted.code, "E_ABORTED");
  assert.equal(r.resizeNext, "equal");
});
