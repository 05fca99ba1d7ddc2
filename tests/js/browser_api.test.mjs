// The package's JS API (pkg/index.js, pkg/pool.js, pkg/worker.js) in real headless Chromium:
// every image input type, every output format, the worker pool with cancellation, and coded
// errors for bad input — with the module and the pool still serving the next call.
//
// References are independent of our decoders: the fixture PNGs' pixels are decoded by Pillow
// (the project's Python venv) and handed to the page as raw RGBA, so `{width, height, data}` is
// the ground truth every other input form must reproduce; encoded outputs are decoded again with
// the browser's own decoder (createImageBitmap) as well as ours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = join(root, "test-results", "browser-api");
const FX = "/test-results/browser-api/";
let server, browser, page, origin;
const consoleErrors = [];

/** Pillow 13 writes the fixtures: PNG inputs and their decoded RGBA pixels. */
function makeFixtures() {
  mkdirSync(fixtures, { recursive: true });
  const python = process.env.PYTHON ?? join(root, ".tools", "venv", "bin", "python");
  assert.ok(existsSync(python), `${python} missing: run scripts/bootstrap.sh (the Pillow venv)`);
  copyFileSync(join(root, "www/samples/overlay.png"), join(fixtures, "overlay.png"));
  copyFileSync(join(root, "www/samples/mask.png"), join(fixtures, "mask.png"));
  const out = execFileSync(python, ["-c", `
import json, sys
from PIL import Image
d, s = sys.argv[1], sys.argv[2]
base = Image.open(s + "/base.jpg").convert("RGB")
base.save(d + "/base.png")                                   # lossless: every decoder agrees
ov = Image.open(d + "/overlay.png"); ov.load()
ov.convert("RGB").save(d + "/overlay_opaque.png")            # alpha dropped, RGB kept as stored
info = {}
for name in ["base", "overlay", "overlay_opaque", "mask"]:
    im = Image.open(d + "/" + name + ".png").convert("RGBA")
    open(d + "/" + name + ".rgba", "wb").write(im.tobytes())
    info[name] = {"png": "${FX}" + name + ".png", "rgba": "${FX}" + name + ".rgba", "width": im.width, "height": im.height}
a = ov.getchannel("A")
info["overlay"]["partialAlpha"] = sum(1 for v in a.getdata() if 0 < v < 255)
print(json.dumps(info))
`, fixtures, join(root, "www/samples")], { encoding: "utf8" });
  return JSON.parse(out);
}
let fx;

before(async () => {
  fx = makeFixtures();
  assert.ok(fx.overlay.partialAlpha > 1000, "the sample overlay should have semi-transparent pixels");
  server = await startStaticServer(0);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("api-e2e-");
  page = browser.pages()[0] ?? (await browser.newPage());
  // The 404 tests ask for a missing file on purpose and Chromium logs every failed load as a
  // console error: those (and only those) are expected.
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/missing-image.png") && consoleErrors.push(`HTTP ${r.status()} ${r.url()}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/^Failed to load resource: .*404/.test(m.text())) return; // checked by the response hook
    consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/tests/js/pages/api.html`);
  await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

// A body that exercises every stage that reads the overlay's RGB: scaling, rotation, placement,
// a non-trivial blend and a mask.
const PARAMS = {
  blend_mode: "screen", opacity: 70, rescale_factor: 0.75, resize_method: "bilinear",
  rotation: 20, x_percent: 40, y_percent: 55, bg_remove_model: "None",
};

test("every image input type gives the pixels of the {width, height, data} form (opaque overlay + mask, all three fields)", async () => {
  const rows = await page.evaluate(async ({ fx, PARAMS }) => {
    const { lib, inputs, compare } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const ref = await lib.superimposeV2({
      ...PARAMS, base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay_opaque), mask: await refIn(fx.mask),
    });
    const out = {};
    for (const [name, make] of Object.entries(inputs)) {
      try {
        const r = await lib.superimposeV2({
          ...PARAMS, base_image: await make(fx.base), overlay_image: await make(fx.overlay_opaque), mask: await make(fx.mask),
        });
        out[name] = compare(r.imageData, ref.imageData);
      } catch (e) {
        out[name] = `threw ${e.code}: ${e.message}`;
      }
    }
    return { out, size: [ref.width, ref.height], isImageData: ref.imageData instanceof ImageData };
  }, { fx, PARAMS });
  assert.deepEqual(rows.size, [fx.base.width, fx.base.height]);
  assert.ok(rows.isImageData, "in the browser the result's imageData is an ImageData");
  assert.equal(Object.keys(rows.out).length, 17);
  for (const [name, verdict] of Object.entries(rows.out)) assert.equal(verdict, "equal", name);
});

test("the browser's pixels equal Node's for the same body (results are owned, not views of wasm memory)", async () => {
  // In Node the core returns JS-owned pixels; in the browser it returns ImageData. Several calls
  // in a row, each result checked after the later calls ran: a result must never change.
  const { readFileSync } = await import("node:fs");
  const m = await import(join(root, "pkg", "index.js"));
  const rawOf = (f) => ({ width: f.width, height: f.height, data: new Uint8Array(readFileSync(join(fixtures, f.rgba.split("/").pop()))) });
  const bodies = [
    { ...PARAMS },
    { ...PARAMS, blend_mode: "difference", rotation: 200, rescale_factor: 1.3, resize_method: "lanczos" },
    { bg_remove_model: "None" },
  ];
  const node = [];
  for (const b of bodies) {
    const r = await m.superimposeV2({ ...b, base_image: rawOf(fx.base), overlay_image: rawOf(fx.overlay), mask: b === bodies[0] ? rawOf(fx.mask) : undefined });
    node.push(Buffer.from(r.imageData.data).toString("base64"));
  }
  const got = await page.evaluate(async ({ fx, bodies }) => {
    const { lib, inputs, base64Of } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const results = [];
    for (const [i, b] of bodies.entries()) {
      results.push(await lib.superimposeV2({ ...b, base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay), mask: i === 0 ? await refIn(fx.mask) : undefined }));
    }
    await lib.decode(await (await fetch(fx.base.png)).arrayBuffer()); // more wasm work after the results
    return results.map((r) => base64Of(new Uint8Array(r.imageData.data.buffer, r.imageData.data.byteOffset, r.imageData.data.byteLength)));
  }, { fx, bodies });
  for (let i = 0; i < bodies.length; i++) assert.ok(got[i] === node[i], `body ${i}: browser and Node results differ`);
});

test("encoded inputs (Blob, File, bytes, data: URI, base64, URLs) keep a semi-transparent overlay's RGB and alpha exactly", async () => {
  // SPEC 2.3: O is the overlay's RGB "values unchanged" and M its alpha, and O is resampled
  // without premultiplication — so the RGB stored under partial and zero alpha matters.
  const rows = await page.evaluate(async ({ fx, PARAMS }) => {
    const { lib, inputs, encodedInputs, compare } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const body = { ...PARAMS, blend_mode: "multiply" };
    const ref = await lib.superimposeV2({ ...body, base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) });
    const out = {};
    for (const name of encodedInputs) {
      try {
        const r = await lib.superimposeV2({ ...body, base_image: await inputs[name](fx.base), overlay_image: await inputs[name](fx.overlay) });
        out[name] = compare(r.imageData, ref.imageData);
      } catch (e) {
        out[name] = `threw ${e.code}: ${e.message}`;
      }
    }
    // decode() of the encoded bytes is Pillow's decode, alpha and all.
    const overlayRef = await refIn(fx.overlay);
    for (const name of ["Blob", "ArrayBuffer", "http URL string", "data: URI"]) {
      out[`decode(${name})`] = compare(await lib.decode(await inputs[name](fx.overlay)), overlayRef);
    }
    return out;
  }, { fx, PARAMS });
  for (const [name, verdict] of Object.entries(rows)) assert.equal(verdict, "equal", name);
});

test("a drawable (<img> of /www/samples/overlay.png) with partial alpha: exact wherever the overlay is opaque or clear", async () => {
  // Canvas backing stores are premultiplied, so reading an <img>/ImageBitmap/canvas back rounds
  // the RGB of semi-transparent pixels (and zeroes it under alpha 0). That is the browser's
  // representation of the element, not ours. With no resampling (defaults: scale 1, rotation 0)
  // each output pixel depends on one overlay pixel, so outside partial-alpha pixels the
  // composite must be exact, and inside them off by at most a few levels.
  const r = await page.evaluate(async ({ fx }) => {
    const { lib, inputs, raw } = window.T;
    const base = await raw(fx.base.rgba, fx.base.width, fx.base.height);
    const ovRaw = await raw(fx.overlay.rgba, fx.overlay.width, fx.overlay.height);
    const body = { bg_remove_model: "None", blend_mode: "multiply" };
    const ref = await lib.superimposeV2({ ...body, base_image: base, overlay_image: ovRaw });
    const img = await inputs.HTMLImageElement({ png: "/www/samples/overlay.png" });
    const got = await lib.superimposeV2({ ...body, base_image: base, overlay_image: img });
    const W = base.width, H = base.height, w = ovRaw.width, h = ovRaw.height;
    const left = Math.trunc((W * 50) / 100 - w / 2), top = Math.trunc((H * 80) / 100 - h / 2);
    let outsidePartial = 0, insidePartial = 0, maxInside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        let d = 0;
        for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(got.imageData.data[i + c] - ref.imageData.data[i + c]));
        if (!d) continue;
        const ox = x - left, oy = y - top;
        const a = ox >= 0 && oy >= 0 && ox < w && oy < h ? ovRaw.data[(oy * w + ox) * 4 + 3] : 255;
        if (a > 0 && a < 255) { insidePartial++; maxInside = Math.max(maxInside, d); } else outsidePartial++;
      }
    }
    return { outsidePartial, insidePartial, maxInside, tag: img.tagName };
  }, { fx });
  assert.equal(r.tag, "IMG");
  assert.equal(r.outsidePartial, 0, "pixels differ where the overlay's alpha is 0 or 255");
  assert.ok(r.maxInside <= 2, `partial-alpha pixels differ by up to ${r.maxInside}`);
});

test("outputs: encode/toBlob/toBase64/toDataURL in png, jpeg, webp decode back to the composite", async () => {
  const r = await page.evaluate(async ({ fx, PARAMS }) => {
    const { lib, inputs, compare, error, bytesOfBase64, loadImg } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const res = await lib.superimposeV2({ ...PARAMS, base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) });
    const px = res.imageData;
    // The browser's own decoder, independent of ours.
    const browserDecode = async (blob) => {
      const bmp = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" });
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = c.getContext("2d");
      ctx.drawImage(bmp, 0, 0);
      return ctx.getImageData(0, 0, bmp.width, bmp.height);
    };
    const magic = (b) => Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join("") +
      (b.length > 12 ? String.fromCharCode(...b.subarray(8, 12)) : "");
    const out = { opaque: px.data.every((v, i) => (i & 3) !== 3 || v === 255) };
    for (const format of ["png", "jpeg", "webp"]) {
      const judge = async (decoded) => (format === "jpeg" ? error(decoded, px) : compare(decoded, px));
      const f = (out[format] = {});
      const bytes = await res.encode({ format });
      f.magic = magic(bytes);
      f.encodeOurs = await judge(await lib.decode(bytes));
      f.encodeBrowser = await judge(await browserDecode(new Blob([bytes])));
      const blob = await res.toBlob({ format });
      f.blobType = blob.type;
      f.blobOurs = await judge(await lib.decode(new Uint8Array(await blob.arrayBuffer())));
      f.blobBrowser = await judge(await browserDecode(blob));
      const b64 = await res.toBase64({ format });
      f.base64Ours = await judge(await lib.decode(bytesOfBase64(b64)));
      const url = await res.toDataURL({ format });
      f.dataUrlPrefix = url.slice(0, url.indexOf(",") + 1);
      f.dataUrlOurs = await judge(await lib.decode(url));
      const img = await loadImg(url); // the browser accepts the data: URL as an image
      f.dataUrlImg = [img.naturalWidth, img.naturalHeight];
      f.standalone = await judge(await lib.decode(await lib.encode(px, { format })));
    }
    const q = async (quality) => (await res.encode({ format: "jpeg", quality })).length;
    out.jpegSizes = [await q(20), await q(95)];
    out.q20 = error(await lib.decode(await res.encode({ format: "jpeg", quality: 20 })), px);
    out.size = [px.width, px.height];
    return out;
  }, { fx, PARAMS });
  assert.ok(r.opaque, "the composite is opaque RGB (SPEC 0)");
  const magic = { png: "89504e47", jpeg: "ffd8ffe", webp: "52494646WEBP" };
  for (const format of ["png", "jpeg", "webp"]) {
    const f = r[format];
    assert.ok(f.magic.startsWith(magic[format].slice(0, 7)) && (format !== "webp" || f.magic === magic.webp), `${format}: ${f.magic}`);
    assert.equal(f.blobType, `image/${format}`);
    assert.equal(f.dataUrlPrefix, `data:image/${format};base64,`);
    assert.deepEqual(f.dataUrlImg, r.size);
    for (const k of ["encodeOurs", "encodeBrowser", "blobOurs", "blobBrowser", "base64Ours", "dataUrlOurs", "standalone"]) {
      if (format === "jpeg") {
        // quality 90 default: a few levels of mean error, no gross damage.
        assert.ok(f[k].mean < 2.5 && f[k].psnr > 32, `jpeg ${k}: ${JSON.stringify(f[k])}`);
      } else {
        assert.equal(f[k], "equal", `${format} ${k}`);
      }
    }
  }
  assert.ok(r.jpegSizes[0] < r.jpegSizes[1] * 0.6, `jpeg quality has no effect: ${r.jpegSizes}`);
  assert.ok(r.q20.psnr < r.jpeg.encodeOurs.psnr, "quality 20 should be worse than the default");
});

test("base64: true resolves to PNG base64 text with the same pixels", async () => {
  const r = await page.evaluate(async ({ fx, PARAMS }) => {
    const { lib, inputs, compare, bytesOfBase64 } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const body = { ...PARAMS, base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) };
    const res = await lib.superimposeV2(body);
    const text = await lib.superimposeV2({ ...body, base64: true });
    const v1 = await lib.superimpose({ base_image: body.base_image, overlay_image: body.overlay_image, base64: true });
    const v1px = await lib.superimpose({ base_image: body.base_image, overlay_image: body.overlay_image });
    if (typeof text !== "string") return { type: typeof text };
    const bytes = bytesOfBase64(text);
    return {
      type: typeof text,
      clean: /^[A-Za-z0-9+/]+=*$/.test(text),
      png: bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47,
      same: compare(await lib.decode(bytes), res.imageData),
      v1: typeof v1 === "string" ? compare(await lib.decode(bytesOfBase64(v1)), v1px.imageData) : typeof v1,
    };
  }, { fx, PARAMS });
  assert.deepEqual(r, { type: "string", clean: true, png: true, same: "equal", v1: "equal" });
});

test("worker pool: same pixels as the main thread for every input type, concurrent calls all resolve", { timeout: 120000 }, async () => {
  const r = await page.evaluate(async ({ fx, PARAMS }) => {
    const { lib, inputs, compare, createWorkerPool } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const pool = createWorkerPool({ size: 2 });
    const out = { size: pool.size, backend: await pool.kernelBackend() };
    try {
      const base = await refIn(fx.base), ov = await refIn(fx.overlay_opaque), mask = await refIn(fx.mask);
      const ref = await lib.superimposeV2({ ...PARAMS, base_image: base, overlay_image: ov, mask });
      out.inputs = {};
      for (const [name, make] of Object.entries(inputs)) {
        try {
          const userBase = await make(fx.base);
          const res = await pool.superimposeV2({ ...PARAMS, base_image: userBase, overlay_image: await make(fx.overlay_opaque), mask: await make(fx.mask) });
          out.inputs[name] = compare(res.imageData, ref.imageData);
          // The caller's own objects are not detached or closed by the call.
          if (userBase instanceof ImageBitmap && userBase.width === 0) out.inputs[name] += " (caller's ImageBitmap was closed)";
          if (ArrayBuffer.isView(userBase?.data) && userBase.data.length === 0) out.inputs[name] += " (caller's buffer was detached)";
          if (userBase instanceof ArrayBuffer && userBase.byteLength === 0) out.inputs[name] += " (caller's ArrayBuffer was detached)";
          if (typeof res.ms !== "number") out.inputs[name] += " (no ms)";
        } catch (e) {
          out.inputs[name] = `threw ${e.code}: ${e.message}`;
        }
      }
      // Concurrent calls: more than the pool size, each with its own placement.
      const xs = [10, 30, 50, 70, 90, 20, 60];
      const bodies = xs.map((x) => ({ ...PARAMS, x_percent: x, base_image: base, overlay_image: ov, mask }));
      const [viaPool, viaMain] = await Promise.all([
        Promise.all(bodies.map((b) => pool.superimposeV2(b))),
        Promise.all(bodies.map((b) => lib.superimposeV2(b))),
      ]);
      out.concurrent = viaPool.map((p, i) => compare(p.imageData, viaMain[i].imageData));
      out.distinct = new Set(viaMain.map((m) => m.imageData.data.reduce((h, v, i) => (h * 31 + v * (i + 1)) >>> 0, 7))).size;
      // Other ops of the pool agree with the main thread too.
      const rz = await pool.resize(ov, { width: 100, height: 77, filter: "lanczos" });
      out.resize = compare(rz.imageData, (await lib.resize(ov, { width: 100, height: 77, filter: "lanczos" })).imageData);
      const enc = await pool.encode(ref.imageData, { format: "png" });
      out.encode = enc instanceof Uint8Array ? compare(await lib.decode(enc), ref.imageData) : typeof enc;
    } finally {
      pool.terminate();
    }
    return out;
  }, { fx, PARAMS });
  assert.equal(r.size, 2);
  assert.equal(r.backend, "simd128");
  for (const [name, verdict] of Object.entries(r.inputs)) assert.equal(verdict, "equal", `pool, ${name}`);
  assert.deepEqual(r.concurrent, Array(7).fill("equal"));
  assert.equal(r.distinct, 7);
  assert.equal(r.resize, "equal");
  assert.equal(r.encode, "equal");
});

test("worker pool: setLimits reaches every worker, also one started again after an abort", { timeout: 120000 }, async () => {
  const r = await page.evaluate(async () => {
    const { codeOf, createWorkerPool } = window.T;
    const pool = createWorkerPool({ size: 2 });
    const tiny = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(200) };
    const grow = () => pool.resize(tiny, { width: 600, height: 600 });
    const out = {};
    try {
      out.bad = (() => { try { pool.setLimits({ memoryBudget: 1000 }); return "accepted"; } catch (e) { return `${e.code} ${e.param}`; } })();
      pool.setLimits({ memoryBudget: 2 ** 20 });
      // Four concurrent calls: both workers answer.
      out.refused = await Promise.all([grow(), grow(), grow(), grow()].map(codeOf));
      // A running call aborted replaces its worker; the new worker gets the limits too.
      const big = { width: 2000, height: 2000, data: new Uint8ClampedArray(2000 * 2000 * 4) };
      pool.setLimits({ memoryBudget: 2 ** 30 });
      const c = new AbortController();
      const running = codeOf(pool.rotate(big, { degrees: 33, sampler: "bicubic" }, { signal: c.signal }));
      const other = codeOf(pool.rotate(big, { degrees: 33, sampler: "bicubic" }));
      await new Promise((ok) => setTimeout(ok, 50)); // both rotations are running
      pool.setLimits({ maxPixels: 1000 });
      c.abort();
      out.aborted = await running;
      await other;
      out.afterRespawn = await Promise.all([grow(), grow(), grow(), grow()].map(codeOf));
      pool.setLimits({ maxPixels: 64 * 1024 * 1024 });
      out.restored = (await Promise.all([grow(), grow()])).map((x) => x.width);
    } finally {
      pool.terminate();
    }
    return out;
  });
  assert.equal(r.bad, "E_PARAM_RANGE memoryBudget");
  assert.deepEqual(r.refused.map((x) => x.code), Array(4).fill("E_MEMORY_BUDGET"));
  assert.equal(r.aborted.code, "E_ABORTED");
  assert.deepEqual(r.afterRespawn.map((x) => x.code), Array(4).fill("E_IMAGE_TOO_LARGE"));
  assert.deepEqual(r.restored, [600, 600]);
});

test("worker pool: AbortSignal cancels a queued call and a running call; the pool serves the next call", { timeout: 120000 }, async () => {
  const r = await page.evaluate(async ({ fx }) => {
    const { lib, inputs, compare, codeOf, createWorkerPool } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const pool = createWorkerPool({ size: 2 });
    const out = {};
    try {
      const small = { bg_remove_model: "None", base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) };
      const ref = await lib.superimposeV2(small);
      await pool.superimposeV2(small); // both workers are warm before timing
      await Promise.all([pool.superimposeV2(small), pool.superimposeV2(small)]);
      // A big job: 3000×3000 base, the overlay scaled ×10 with lanczos and rotated bicubic.
      const big = {
        bg_remove_model: "None", rescale_factor: 10, resize_method: "lanczos", rotation: 33, blend_mode: "soft light",
        base_image: { width: 3000, height: 3000, data: new Uint8Array(3000 * 3000 * 4).fill(128) },
        overlay_image: await refIn(fx.overlay),
      };
      // One job per worker (no row split), so that two big jobs fill the pool.
      const one = { split: "never" };
      let t = performance.now();
      await pool.superimposeV2(big, one);
      out.bigMs = performance.now() - t;

      // Two running big jobs fill the pool; a third is queued behind them.
      const c1 = new AbortController(), c2 = new AbortController(), c3 = new AbortController();
      t = performance.now();
      const running1 = codeOf(pool.superimposeV2(big, { ...one, signal: c1.signal }));
      const running2 = pool.superimposeV2(big, { ...one, signal: c2.signal }).then(() => performance.now() - t);
      const queued = codeOf(pool.superimposeV2(big, { ...one, signal: c3.signal }));
      await new Promise((ok) => setTimeout(ok, 150));
      c3.abort();
      out.queued = await queued;
      out.queuedAfterMs = performance.now() - t;
      c1.abort();
      out.running = await running1;
      out.runningAfterMs = performance.now() - t;
      out.secondFinishedMs = await running2; // the other running job is not disturbed
      // The replaced worker serves the next calls.
      const next = await Promise.all([pool.superimposeV2(small), pool.superimposeV2(small), pool.superimposeV2(small)]);
      out.next = next.map((n) => compare(n.imageData, ref.imageData));
      // An already aborted signal rejects at once.
      out.preAborted = await codeOf(pool.superimposeV2(small, { signal: AbortSignal.abort() }));
      out.afterPreAborted = compare((await pool.superimposeV2(small)).imageData, ref.imageData);
      // terminate() rejects pending calls and refuses new ones.
      const pending = codeOf(pool.superimposeV2(big));
      pool.terminate();
      out.terminatedPending = await pending;
      out.afterTerminate = await codeOf(pool.superimposeV2(small));
    } finally {
      pool.terminate();
    }
    return out;
  }, { fx });
  assert.ok(r.bigMs > 400, `the big job takes only ${r.bigMs} ms: cannot tell running from finished`);
  assert.equal(r.queued.code, "E_ABORTED");
  assert.ok(r.queued.isError);
  assert.ok(r.queuedAfterMs < r.bigMs, "the queued call was rejected at once, not after the running ones");
  assert.equal(r.running.code, "E_ABORTED");
  assert.ok(r.runningAfterMs < r.bigMs, `the running call was rejected after ${r.runningAfterMs} ms (a whole job is ${r.bigMs} ms)`);
  assert.ok(r.secondFinishedMs > r.runningAfterMs);
  assert.deepEqual(r.next, ["equal", "equal", "equal"]);
  assert.equal(r.preAborted.code, "E_ABORTED");
  assert.equal(r.afterPreAborted, "equal");
  assert.equal(r.terminatedPending.code, "E_ABORTED");
  assert.ok(r.afterTerminate.code, "a terminated pool refuses calls with a coded error");
});

/** Bad inputs: [label, body overrides or a special marker, expected code]. Evaluated in the page. */
const BAD = [
  ["a number as base_image", { base_image: 42 }, "E_IMAGE_INPUT"],
  ["{} as overlay_image", { overlay_image: {} }, "E_IMAGE_INPUT"],
  ["a Blob that is not an image", { overlay_image: "@textBlob" }, "E_IMAGE_DECODE"],
  ["an ArrayBuffer that is not an image", { overlay_image: "@textBuffer" }, "E_IMAGE_DECODE"],
  ["garbage base64", { overlay_image: "bm90IGFuIGltYWdl" }, "E_IMAGE_DECODE"],
  ["a 404 URL", { overlay_image: "@404" }, "E_IMAGE_FETCH"],
  ["an unknown body key", { colour: "red" }, "E_PARAM_UNKNOWN"],
  ["NaN opacity", { opacity: NaN }, "E_PARAM_RANGE"],
  ["opacity 101", { opacity: 101 }, "E_PARAM_RANGE"],
  ["an unknown blend mode", { blend_mode: "sparkle" }, "E_PARAM_ENUM"],
  ["a data length mismatch", { overlay_image: "@shortData" }, "E_BUFFER_SIZE"],
  ["a missing overlay_image", { overlay_image: undefined }, "E_PARAM_MISSING"],
];

async function runBad(where) {
  return page.evaluate(async ({ fx, BAD, where }) => {
    const { lib, inputs, compare, codeOf, createWorkerPool } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const good = { bg_remove_model: "None", base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) };
    const ref = await lib.superimposeV2(good);
    const pool = where === "pool" ? createWorkerPool({ size: 1 }) : null;
    const call = (body, opts) => (pool ? pool.superimposeV2(body, opts) : lib.superimposeV2(body, opts));
    const special = {
      "@textBlob": () => new Blob(["this is not an image"], { type: "image/png" }),
      "@textBuffer": () => new TextEncoder().encode("this is not an image either").buffer,
      "@404": () => new URL("/test-results/browser-api/missing-image.png", location.href).href,
      "@shortData": () => ({ width: 10, height: 10, data: new Uint8Array(399) }),
    };
    const out = [];
    try {
      for (const [label, over, expected] of BAD) {
        const body = { ...good };
        for (const [k, v] of Object.entries(over)) {
          if (v === undefined) delete body[k];
          else body[k] = typeof v === "string" && special[v] ? special[v]() : v;
        }
        const err = await codeOf(call(body));
        const next = await call(good).then((r) => compare(r.imageData, ref.imageData), (e) => `next call threw ${e.code}`);
        out.push({ label, expected, ...err, next });
      }
      // An aborted signal.
      out.push({ label: "an aborted signal", expected: "E_ABORTED", ...(await codeOf(call(good, { signal: AbortSignal.abort() }))),
        next: compare((await call(good)).imageData, ref.imageData) });
      // An abort while a URL input is being fetched (main thread: the fetch itself is cancelled).
      const c = new AbortController();
      const p = codeOf(call({ ...good, overlay_image: new URL(fx.overlay.png, location.href).href }, { signal: c.signal }));
      c.abort();
      out.push({ label: "a signal aborted during the call", expected: "E_ABORTED", ...(await p),
        next: compare((await call(good)).imageData, ref.imageData) });
    } finally {
      pool?.terminate();
    }
    return out;
  }, { fx, BAD, where });
}

for (const where of ["main thread", "pool"]) {
  test(`bad input (${where}): each gives its coded Error and the next call still works`, { timeout: 120000 }, async () => {
    const rows = await runBad(where);
    for (const r of rows) {
      assert.equal(r.code, r.expected, `${r.label}: ${JSON.stringify(r)}`);
      assert.ok(r.isError, `${r.label}: not an Error instance`);
      assert.equal(r.name, "SuperimposeError", `${r.label}: name ${r.name}`);
      assert.ok(r.message.length > 10, `${r.label}: message "${r.message}"`);
      assert.equal(r.next, "equal", `${r.label}: the following call`);
    }
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]));
    assert.equal(byLabel["a 404 URL"].status, 404);
    assert.equal(byLabel["an unknown body key"].param, "colour");
    assert.equal(byLabel["NaN opacity"].param, "opacity");
  });
}

test("setMaxPixels: a bigger image is refused with E_IMAGE_TOO_LARGE, and restoring the limit restores service", async () => {
  const r = await page.evaluate(async ({ fx }) => {
    const { lib, inputs, compare, codeOf } = window.T;
    const refIn = inputs["{width,height,data: Uint8ClampedArray}"];
    const good = { bg_remove_model: "None", base_image: await refIn(fx.base), overlay_image: await refIn(fx.overlay) };
    const ref = await lib.superimposeV2(good);
    const small = { width: 10, height: 10, data: new Uint8Array(400).fill(200) };
    await lib.setMaxPixels(100);
    const out = {};
    try {
      out.tooLarge = await codeOf(lib.superimposeV2(good));
      out.encodedTooLarge = await codeOf(lib.superimposeV2({ bg_remove_model: "None", base_image: small, overlay_image: await inputs.Blob(fx.overlay) }));
      out.atLimit = await lib.superimposeV2({ bg_remove_model: "None", base_image: small, overlay_image: small })
        .then((x) => [x.width, x.height], (e) => e.code);
      out.zero = await codeOf(lib.setMaxPixels(0));
      out.afterZero = (await codeOf(lib.superimposeV2(good))).code; // the limit is still 100
    } finally {
      await lib.setMaxPixels(64 * 1024 * 1024);
    }
    out.restored = compare((await lib.superimposeV2(good)).imageData, ref.imageData);
    return out;
  }, { fx });
  assert.equal(r.tooLarge.code, "E_IMAGE_TOO_LARGE", JSON.stringify(r.tooLarge));
  assert.equal(r.encodedTooLarge.code, "E_IMAGE_TOO_LARGE", JSON.stringify(r.encodedTooLarge));
  assert.deepEqual(r.atLimit, [10, 10]);
  assert.equal(r.zero.code, "E_PARAM_RANGE", `setMaxPixels(0) should be refused: ${JSON.stringify(r.zero)}`);
  assert.equal(r.afterZero, "E_IMAGE_TOO_LARGE");
  assert.equal(r.restored, "equal");
});

test("no console errors or uncaught exceptions on the page", () => {
  assert.deepEqual(consoleErrors, []);
});
