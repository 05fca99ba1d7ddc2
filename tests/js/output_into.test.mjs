// `into`: results written into the caller's image (no new buffer per call) when its size
// matches, through the built package in Node. The bytes must equal a normal call's; a wrong size
// falls back to a new image and leaves the caller's untouched; a wrong type is a coded error.
import { test } from "node:test";
import assert from "node:assert/strict";

const pkg = await import(new URL("../../pkg/index.js", import.meta.url));

const px = (w, h, k = 7) => ({ width: w, height: h, data: Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * k + (i >> 7)) % 256) });
const body = (base, extra = {}) => ({
  base_image: base, overlay_image: px(37, 29, 13), bg_remove_model: "None", blend_mode: "soft light",
  rescale_factor: 1.6, resize_method: "lanczos", rotation: 33, mirror: "horizontal", opacity: 90, x_percent: 40, ...extra,
});

test("superimposeV2 / superimpose write into a same-size image, byte-equal to a normal call", async () => {
  const base = px(120, 80);
  const fresh = await pkg.superimposeV2(body(base));
  const into = { width: 120, height: 80, data: new Uint8ClampedArray(120 * 80 * 4).fill(3) };
  const r = await pkg.superimposeV2(body(base), { into });
  assert.equal(r.imageData, into, "the result is the caller's object");
  assert.deepEqual(Buffer.from(into.data), Buffer.from(fresh.imageData.data));
  assert.deepEqual(r.warnings, fresh.warnings);
  assert.ok(!Object.hasOwn(into, "warnings") && !Object.hasOwn(into, "backendUsed"), "no bookkeeping left on the caller's object");
  assert.equal(r.backendUsed, "cpu");
  // The same through the backend-choosing path, and for v1.
  const viaAuto = await pkg.superimposeV2(body(base), { into: { width: 120, height: 80, data: new Uint8Array(120 * 80 * 4) }, backend: "auto" });
  assert.deepEqual(Buffer.from(viaAuto.imageData.data), Buffer.from(fresh.imageData.data));
  const v1body = { base_image: base, overlay_image: px(30, 20, 5), overlay_resize: "Fit", opacity: 0.6, rotation: 10 };
  const v1fresh = await pkg.superimpose(v1body);
  const v1into = { width: 120, height: 80, data: new Uint8ClampedArray(120 * 80 * 4) };
  const v1 = await pkg.superimpose(v1body, { into: v1into, backend: "cpu" });
  assert.equal(v1.imageData, v1into);
  assert.deepEqual(Buffer.from(v1into.data), Buffer.from(v1fresh.imageData.data));
});

test("the base itself may be the output (inputs are read before the result is written)", async () => {
  const base = px(64, 48, 11);
  const fresh = await pkg.superimposeV2(body(px(64, 48, 11)));
  const r = await pkg.superimposeV2(body(base), { into: base, backend: "cpu" });
  assert.equal(r.imageData, base);
  assert.deepEqual(Buffer.from(base.data), Buffer.from(fresh.imageData.data));
});

test("a wrong size gives a new image and leaves the caller's untouched; a wrong type is E_PARAM_TYPE", async () => {
  const base = px(50, 40);
  const wrong = [
    { width: 40, height: 50, data: new Uint8ClampedArray(50 * 40 * 4).fill(9) }, // swapped sides
    { width: 50, height: 40, data: new Uint8ClampedArray(50 * 40 * 4 - 4).fill(9) }, // short data
  ];
  for (const into of wrong) {
    const r = await pkg.superimposeV2(body(base), { into });
    assert.notEqual(r.imageData, into);
    assert.equal(r.width, 50);
    assert.ok(into.data.every((v) => v === 9), "the caller's buffer was written");
  }
  for (const into of [new Uint8ClampedArray(50 * 40 * 4), { width: 50, height: 40, data: [1, 2, 3] }, 42, "x"]) {
    await assert.rejects(pkg.superimposeV2(body(base), { into }), (e) => e.code === "E_PARAM_TYPE" && e.param === "into");
    await assert.rejects(pkg.resize(base, { width: 5, height: 5, into }), (e) => e.code === "E_PARAM_TYPE" && e.param === "into");
  }
  // The instance still serves normal calls.
  assert.equal((await pkg.superimposeV2(body(base))).width, 50);
});

test("resize, rotate and blend write into a same-size image, byte-equal to a normal call", async () => {
  const src = px(90, 70, 3);
  const cases = [
    ["resize", (o) => pkg.resize(src, { width: 41, height: 33, filter: "lanczos", ...o }), 41, 33],
    ["rotate", (o) => pkg.rotate(src, { degrees: 90, sampler: "bicubic", ...o }), 70, 90],
    ["blend", (o) => pkg.blend(src, px(90, 70, 17), { mode: "multiply", opacity: 0.9, ...o }), 90, 70],
  ];
  for (const [name, call, w, h] of cases) {
    const fresh = await call({});
    assert.equal(fresh.width, w, name);
    const into = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
    const r = await call({ into });
    assert.equal(r.imageData, into, name);
    assert.deepEqual(Buffer.from(into.data), Buffer.from(fresh.imageData.data), name);
  }
});
