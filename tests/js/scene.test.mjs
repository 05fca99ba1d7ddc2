// The resident scene (createScene / Scene.render) through the built package in Node: every
// render must equal a one-shot superimposeV2 of the merged body byte for byte; with `into` the
// previous render wrote, only the reported `dirty` rectangle may change; errors are coded and
// leave the scene as it was.
import { test } from "node:test";
import assert from "node:assert/strict";

const pkg = await import(new URL("../../pkg/index.js", import.meta.url));

const px = (w, h, k = 7, alpha = false) => ({
  width: w, height: h,
  data: Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (alpha || (i & 3) !== 3 ? (i * k + (i >> 7)) % 256 : 255)),
});
const base = px(160, 96, 7);
const overlay = px(48, 40, 13, true);
const body = {
  base_image: base, overlay_image: overlay, bg_remove_model: "None", blend_mode: "soft light",
  rescale_factor: 0.8, resize_method: "lanczos", rotation: 33, mirror: "horizontal", opacity: 90,
  x_percent: 40, y_percent: 50,
};
const oneShot = async (changes) => (await pkg.superimposeV2({ ...body, ...changes })).imageData.data;
const same = (a, b, what) => assert.ok(Buffer.from(a).equals(Buffer.from(b)), what);

/** Pixels of `a` and `b` differ only inside `r`. */
function onlyInside(a, b, r, w) {
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2] && a[i + 3] === b[i + 3]) continue;
    const x = (i >> 2) % w, y = Math.floor((i >> 2) / w);
    if (!r || x < r.x || x >= r.x + r.width || y < r.y || y >= r.y + r.height) return false;
  }
  return true;
}

test("a drag, a restyle and a reshape: every render equals superimposeV2, and only `dirty` is written", async () => {
  const scene = await pkg.createScene(body);
  assert.equal(scene.width, 160);
  assert.equal(scene.height, 96);
  const into = { width: 160, height: 96, data: new Uint8ClampedArray(160 * 96 * 4) };
  const steps = [
    {}, { x_percent: 42 }, { x_percent: 45, y_percent: 55 }, { x_percent: 0, y_percent: 100 }, { x_percent: 100, y_percent: 0 },
    { blend_mode: "multiply" }, { opacity: 35 }, { blend_mode: "dissolve", seed: 9 }, { seed: 10 },
    { rotation: 90 }, { rescale_factor: 1.5, resize_method: "bicubic" }, { mirror: "vertical", rotation: 0 },
    { x_percent: 50, y_percent: 50 },
  ];
  let merged = {};
  let first = true;
  for (const changes of steps) {
    merged = { ...merged, ...changes };
    const before = into.data.slice();
    const r = scene.render(changes, { into });
    assert.equal(r.imageData, into, "the result is the caller's image");
    assert.equal(r.backendUsed, "cpu");
    same(into.data, await oneShot(merged), `render ${JSON.stringify(merged)} equals superimposeV2`);
    if (first) assert.deepEqual(r.dirty, { x: 0, y: 0, width: 160, height: 96 }, "the first write is the whole frame");
    else assert.ok(onlyInside(before, into.data, r.dirty, 160), `changes outside dirty ${JSON.stringify(r.dirty)}`);
    if (changes.x_percent === 42 || changes.x_percent === 45) {
      assert.ok(r.dirty.width * r.dirty.height < 160 * 96 / 2, `a small move writes a small rectangle: ${JSON.stringify(r.dirty)}`);
    }
    first = false;
  }
  // Nothing changed: nothing written.
  assert.equal(scene.render({}, { into }).dirty, null);
  scene.free();
});

test("without into every render is a new image; another into or full: true is written whole", async () => {
  const scene = await pkg.createScene(body);
  const a = scene.render({ x_percent: 30 });
  assert.deepEqual(a.dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(a.imageData.data, await oneShot({ x_percent: 30 }), "new image");
  const into = { width: 160, height: 96, data: new Uint8ClampedArray(160 * 96 * 4) };
  scene.render({ x_percent: 31 }, { into });
  // The caller draws on its image: a partial render would leave that; `full: true` repaints it.
  into.data.fill(1, 0, 400);
  const r = scene.render({ x_percent: 33 }, { into, full: true });
  assert.deepEqual(r.dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(into.data, await oneShot({ x_percent: 33 }), "full repaint");
  // A new data array on the same object is not the synced image either.
  into.data = new Uint8ClampedArray(160 * 96 * 4);
  assert.deepEqual(scene.render({ x_percent: 34 }, { into }).dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(into.data, await oneShot({ x_percent: 34 }), "new data array");
  // A wrong-size into: a new image, the caller's untouched.
  const small = { width: 10, height: 10, data: new Uint8ClampedArray(400).fill(5) };
  const s = scene.render({ x_percent: 35 }, { into: small });
  assert.notEqual(s.imageData, small);
  assert.ok(small.data.every((v) => v === 5));
  scene.free();
});

test("coded errors leave the scene as it was; fixed fields, base64 and a freed scene are refused", async () => {
  const scene = await pkg.createScene(body);
  const into = { width: 160, height: 96, data: new Uint8ClampedArray(160 * 96 * 4) };
  scene.render({ x_percent: 60 }, { into });
  const kept = into.data.slice();
  const bad = [
    [{ opacity: 101 }, "E_PARAM_RANGE", "opacity"],
    [{ blend_mode: "nope" }, "E_PARAM_ENUM", "blend_mode"],
    [{ rescale_factor: 0.001 }, "E_DIMENSIONS", "rescale_factor"],
    [{ x_percent: 10, overlay_image: px(48, 40, 13, true) }, "E_UNSUPPORTED", "overlay_image"], // another image
    [{ bg_remove_model: "IsNet" }, "E_UNSUPPORTED", "bg_remove_model"],
    [{ wat: 1 }, "E_PARAM_UNKNOWN", "wat"],
    ["x", "E_PARAM_TYPE", "changes"],
  ];
  for (const [changes, code, param] of bad) {
    assert.throws(() => scene.render(changes, { into }), (e) => e.code === code && e.param === param && e instanceof Error, `${code} ${param}`);
    same(into.data, kept, `${JSON.stringify(changes)} left the image alone`);
  }
  assert.throws(() => scene.render({}, { into, full: "yes" }), (e) => e.code === "E_PARAM_TYPE" && e.param === "full");
  // After the errors the scene renders from its last good settings.
  const r = scene.render({ y_percent: 40 }, { into });
  same(into.data, await oneShot({ x_percent: 60, y_percent: 40 }), "last good settings kept");
  assert.ok(r.dirty.width < 160 || r.dirty.height < 96, "still synced with into");
  await assert.rejects(pkg.createScene({ ...body, base64: true }), (e) => e.code === "E_PARAM_TYPE" && e.param === "base64");
  await assert.rejects(pkg.createScene({ ...body, overlay_image: undefined }), (e) => e.code === "E_PARAM_MISSING");
  scene.free();
  scene.free(); // idempotent
  assert.throws(() => scene.render({}), (e) => e.code === "E_UNSUPPORTED" && e.param === "scene");
  assert.throws(() => scene.width, (e) => e.code === "E_UNSUPPORTED");
});

test("a whole body may be passed to render: the fixed fields it repeats unchanged are ignored", async () => {
  const scene = await pkg.createScene(body);
  const r = scene.render({ ...body, x_percent: 70, base64: undefined });
  same(r.imageData.data, await oneShot({ x_percent: 70 }), "whole body with a change");
  // The same field with another value is still refused.
  assert.throws(() => scene.render({ ...body, overlay_image: px(48, 40, 13, true) }), (e) => e.code === "E_UNSUPPORTED" && e.param === "overlay_image");
  assert.throws(() => scene.render({ ...body, bg_remove_model: "IsNet" }), (e) => e.code === "E_UNSUPPORTED" && e.param === "bg_remove_model");
  scene.free();
});

test("v1 scenes: every render equals superimpose (v1); moves write a small rectangle", async () => {
  const v1body = { base_image: base, overlay_image: overlay, overlay_resize: "Resize by rescale_factor", rescale_factor: 1.3,
    resize_method: "bilinear", rotation: 20, opacity: 0.7, x_offset: 10, y_offset: 5 };
  const scene = await pkg.createScene(v1body, { pipeline: "v1" });
  assert.deepEqual(scene.warnings, []);
  const into = { width: 160, height: 96, data: new Uint8ClampedArray(160 * 96 * 4) };
  let merged = {};
  for (const changes of [{}, { x_offset: 12 }, { y_offset: -20 }, { opacity: 0.3 }, { rotation: 90 }, { overlay_resize: "Fit" }, { x_offset: 150, y_offset: 90 }]) {
    merged = { ...merged, ...changes };
    const before = into.data.slice();
    const r = scene.render(changes, { into });
    same(into.data, (await pkg.superimpose({ ...v1body, ...merged })).imageData.data, `v1 render ${JSON.stringify(merged)}`);
    if (changes.x_offset === 12) {
      assert.ok(r.dirty.width * r.dirty.height < 160 * 96 / 2, JSON.stringify(r.dirty));
      assert.ok(onlyInside(before, into.data, r.dirty, 160));
    }
  }
  assert.throws(() => scene.render({ x_percent: 5 }), (e) => e.code === "E_PARAM_UNKNOWN" && e.param === "x_percent");
  assert.throws(() => scene.render({ opacity: 2 }), (e) => e.code === "E_PARAM_RANGE" && e.param === "opacity");
  assert.throws(() => scene.render({ mask: px(4, 4) }), (e) => e.code === "E_UNSUPPORTED" && e.param === "mask");
  await assert.rejects(pkg.createScene(v1body, { pipeline: "v3" }), (e) => e.code === "E_PARAM_ENUM" && e.param === "pipeline");
  scene.free();
});

test("an image another scene or a one-shot call wrote in between gets the whole frame", async () => {
  const a = await pkg.createScene(body);
  const b = await pkg.createScene({ ...body, blend_mode: "difference", overlay_image: px(30, 30, 5, true) });
  const into = { width: 160, height: 96, data: new Uint8ClampedArray(160 * 96 * 4) };
  a.render({ x_percent: 30 }, { into });
  b.render({ x_percent: 70 }, { into });
  // a's previous render is no longer in `into`: a partial write would leave b's overlay there.
  const r = a.render({ x_percent: 31 }, { into });
  assert.deepEqual(r.dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(into.data, await oneShot({ x_percent: 31 }), "a after b");
  assert.ok(a.render({ x_percent: 32 }, { into }).dirty.width < 160, "synced again: partial");
  same(into.data, await oneShot({ x_percent: 32 }), "a after a");
  // A one-shot call writing into the same image.
  await pkg.superimposeV2({ ...body, blend_mode: "screen" }, { into });
  assert.deepEqual(a.render({ x_percent: 33 }, { into }).dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(into.data, await oneShot({ x_percent: 33 }), "a after superimposeV2 into the same image");
  await pkg.resize(px(200, 100), { width: 160, height: 96, filter: "bilinear", into });
  assert.deepEqual(a.render({ x_percent: 34 }, { into }).dirty, { x: 0, y: 0, width: 160, height: 96 });
  same(into.data, await oneShot({ x_percent: 34 }), "a after resize into the same image");
  a.free();
  b.free();
});
