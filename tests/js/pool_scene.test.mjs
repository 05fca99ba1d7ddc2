// A scene held by a worker of the pool (pool.createScene): every render equals the main thread's
// one-shot superimposeV2 byte for byte; with a reused `into` only the changed rectangle comes
// back; errors are coded and leave the scene usable; an aborted render's scene is gone, coded.
// Real headless Chromium, the package as an app imports it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStaticServer } from "../../scripts/serve.mjs";
import { launchChromium } from "./support/chromium.mjs";

let server, browser, page;
const consoleErrors = [];

before(async () => {
  server = await startStaticServer(0);
  browser = await launchChromium("pool-scene-");
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/tests/js/pages/api.html`);
  await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  assert.deepEqual(consoleErrors, []);
});

test("pool scene: renders equal superimposeV2, partial updates cross threads, errors are coded", { timeout: 120000 }, async () => {
  const r = await page.evaluate(async () => {
    const { lib, createWorkerPool } = window.T;
    const img = (w, h, k, alpha) => {
      const data = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 && !alpha ? 255 : (i * k + (i >> 9)) % 256;
      return new ImageData(data, w, h);
    };
    const body = {
      base_image: img(640, 360, 7, false), overlay_image: img(200, 150, 13, true), bg_remove_model: "None",
      blend_mode: "soft light", rescale_factor: 0.8, resize_method: "lanczos", rotation: 30, mirror: "horizontal",
      opacity: 90, x_percent: 40, y_percent: 50,
    };
    const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
    const pool = createWorkerPool({ size: 2 });
    const out = { steps: [] };
    try {
      const scene = await pool.createScene(body);
      out.size = [scene.width, scene.height];
      const into = new ImageData(640, 360);
      let merged = {};
      for (const changes of [{}, { x_percent: 42 }, { y_percent: 60, opacity: 50 }, { blend_mode: "multiply" }, { rotation: 45 }, { rescale_factor: 1.2 }, { x_percent: 90, y_percent: 10 }]) {
        merged = { ...merged, ...changes };
        const res = await scene.render(changes, { into });
        const ref = await lib.superimposeV2({ ...body, ...merged });
        out.steps.push({ equal: same(into.data, ref.imageData.data), isInto: res.imageData === into, dirty: res.dirty, ms: typeof res.ms });
      }
      // Rendering into another image leaves `into` behind: the next render into it is whole.
      const other1 = new ImageData(640, 360);
      await scene.render({ x_percent: 41 }, { into: other1 });
      const back = await scene.render({ x_percent: 42 }, { into });
      out.alternate = [back.dirty.width, same(into.data, (await lib.superimposeV2({ ...body, ...merged, x_percent: 42 })).imageData.data)];
      // A whole body may be passed: the images it repeats are not posted again.
      const wb = await scene.render({ ...body, ...merged, x_percent: 44 }, { into });
      out.wholeBody = same(into.data, (await lib.superimposeV2({ ...body, ...merged, x_percent: 44 })).imageData.data) && wb.dirty.width < 640;
      merged.x_percent = 44;
      // Without into: a whole new image each time.
      const fresh = await scene.render({ x_percent: 20 });
      const ref = await lib.superimposeV2({ ...body, ...merged, x_percent: 20 });
      out.fresh = { equal: same(fresh.imageData.data, ref.imageData.data), isImageData: fresh.imageData instanceof ImageData, dirty: fresh.dirty };
      // A coded error; the scene still renders afterwards.
      out.err = await scene.render({ opacity: 200 }, { into }).then(() => null, (e) => [e.code, e.param]);
      // (The render without into left `into` behind the worker's frame: this one sends it whole.)
      const whole = await scene.render({ x_percent: 55 }, { into });
      const after = await scene.render({ x_percent: 57 }, { into });
      out.afterErr = [whole.dirty.width, same(into.data, (await lib.superimposeV2({ ...body, ...merged, x_percent: 57 })).imageData.data),
        after.dirty.width < 640];
      // Two scenes on a 2-worker pool render concurrently and independently.
      const other = await pool.createScene({ ...body, blend_mode: "screen" });
      const [a, b] = await Promise.all([scene.render({ x_percent: 30 }), other.render({ x_percent: 70 })]);
      out.two = [same(a.imageData.data, (await lib.superimposeV2({ ...body, ...merged, x_percent: 30 })).imageData.data),
        same(b.imageData.data, (await lib.superimposeV2({ ...body, blend_mode: "screen", x_percent: 70 })).imageData.data)];
      // Abort a render before it starts: rejected, the scene keeps working.
      const early = new AbortController();
      const q = other.render({ rotation: 7 }, { signal: early.signal });
      early.abort();
      out.abortedEarly = await q.then(() => null, (e) => e.code);
      out.stillThere = (await other.render({ rotation: 8 })).width;
      // Abort a render while its worker runs it: the worker is replaced and the scene is gone
      // (coded), the pool still works. The light render's answer arrives after the pool has
      // dispatched the heavy one (same worker, in order), so the abort hits it running.
      const ac = new AbortController();
      const light = other.render({ x_percent: 71 });
      const heavy = other.render({ rescale_factor: 3.5, resize_method: "lanczos", rotation: 33 }, { signal: ac.signal });
      await light;
      ac.abort();
      out.aborted = await heavy.then(() => null, (e) => e.code);
      out.gone = await other.render({}).then(() => null, (e) => [e.code, e.param]);
      out.poolOk = (await pool.superimposeV2(body)).width;
      // A v1 scene in a worker.
      const v1body = { base_image: body.base_image, overlay_image: body.overlay_image, overlay_resize: "Fit", rotation: 15, opacity: 0.6, x_offset: 20, y_offset: 10 };
      const v1 = await pool.createScene(v1body, { pipeline: "v1" });
      const v1into = new ImageData(640, 360);
      await v1.render({}, { into: v1into });
      const moved = await v1.render({ x_offset: 40 }, { into: v1into });
      out.v1 = [same(v1into.data, (await lib.superimpose({ ...v1body, x_offset: 40 })).imageData.data), moved.dirty.width < 640 || moved.dirty.height < 360];
      v1.free();
      scene.free();
      out.freed = await scene.render({}).then(() => null, (e) => [e.code, e.param]);
    } finally {
      pool.terminate();
    }
    return out;
  });
  assert.deepEqual(r.size, [640, 360]);
  r.steps.forEach((s, i) => {
    assert.ok(s.equal, `step ${i} differs from superimposeV2`);
    assert.ok(s.isInto, `step ${i}: not written into the caller's image`);
    assert.equal(s.ms, "number");
  });
  assert.deepEqual(r.steps[0].dirty, { x: 0, y: 0, width: 640, height: 360 }, "the first render sends the whole frame");
  assert.ok(r.steps[1].dirty.width * r.steps[1].dirty.height < 640 * 360 / 2, `a small move sends a small rectangle: ${JSON.stringify(r.steps[1].dirty)}`);
  assert.deepEqual(r.alternate, [640, true], "back to the first image after another: the whole frame, equal");
  assert.ok(r.wholeBody, "a whole body with one change renders partially and equals superimposeV2");
  assert.deepEqual(r.fresh, { equal: true, isImageData: true, dirty: { x: 0, y: 0, width: 640, height: 360 } });
  assert.deepEqual(r.err, ["E_PARAM_RANGE", "opacity"]);
  assert.deepEqual(r.afterErr, [640, true, true], "after an error the scene renders on, synced again with into");
  assert.deepEqual(r.two, [true, true]);
  assert.equal(r.abortedEarly, "E_ABORTED");
  assert.equal(r.stillThere, 640, "a render aborted before it started leaves the scene usable");
  assert.equal(r.aborted, "E_ABORTED");
  assert.deepEqual(r.gone, ["E_UNSUPPORTED", "scene"]);
  assert.equal(r.poolOk, 640);
  assert.deepEqual(r.freed, ["E_UNSUPPORTED", "scene"]);
  assert.deepEqual(r.v1, [true, true], "a v1 scene in a worker equals superimpose and moves partially");
});
