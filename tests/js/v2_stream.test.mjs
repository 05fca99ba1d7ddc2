// superimposeV2 on a base given as pixels streams the base through wasm in blocks of rows
// (src/wasm/mod.rs, "Superimpose v2 on a base streamed from JS memory") instead of loading it
// whole. The reference is the loaded path of the same build: the core takes it when `into` is
// another view of the base's buffer (streaming could overwrite base rows before reading them),
// copying the base into wasm memory and compositing it in one piece, as tests/pipeline.rs pins to
// Pillow. (A data: URI base would not do: index.js decodes it to pixels, which then stream.) The
// two must give the same bytes: bases several blocks tall with the overlay across block
// boundaries, sticking out of the base, position-dependent modes (dissolve), a base with
// transparent pixels (the alpha is discarded), a mask, both backends' CPU paths, and `into`
// being the base itself.
import { test } from "node:test";
import assert from "node:assert/strict";

const pkg = await import(new URL("../../pkg/index.js", import.meta.url));

/** Deterministic pixels; `alpha`: a varying alpha (some 0), else opaque. */
function px(w, h, k, { alpha = false } = {}) {
  const d = new Uint8ClampedArray(w * h * 4);
  let s = k >>> 0 || 1;
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const a = (i & 3) === 3;
    d[i] = a ? (alpha ? (i % 7 === 3 ? 0 : s >>> 24) : 255) : ((i >> 4) + (s >>> 27)) & 255;
  }
  return { width: w, height: h, data: d };
}

/** `body` on the loaded path (see the top): the result as `{imageData, warnings}`. */
async function loaded(body, opts = {}) {
  const { width, height, data } = body.base_image;
  const buf = new Uint8ClampedArray(data.length + 4);
  buf.set(data);
  const base = { width, height, data: buf.subarray(0, data.length) };
  const into = { width, height, data: buf.subarray(4) };
  const r = await pkg.superimposeV2({ ...body, base_image: base }, { backend: "cpu", ...opts, into });
  assert.equal(r.imageData, into);
  return { imageData: { width, height, data: Uint8ClampedArray.from(into.data) }, warnings: r.warnings };
}

const same = (a, b, what) => {
  assert.equal(a.width, b.width, what);
  assert.equal(a.height, b.height, what);
  const [x, y] = [Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length)];
  if (!x.equals(y)) {
    let i = 0;
    while (x[i] === y[i]) i++;
    const p = i >> 2;
    assert.fail(`${what}: first difference at pixel (${p % a.width}, ${Math.floor(p / a.width)}) channel ${i & 3}: ${x[i]} vs ${y[i]}`);
  }
};

// 300 px wide: 1200 bytes a row, so a 256 KiB block is 218 rows and a 300×700 base is 4 blocks.
const base = px(300, 700, 5, { alpha: true });
const overlay = px(200, 260, 9, { alpha: true });
const cases = [
  ["soft light across block boundaries", { blend_mode: "soft light", rescale_factor: 1.7, rotation: 30, mirror: "horizontal", opacity: 90 }],
  ["dissolve (hashes base coordinates)", { blend_mode: "dissolve", seed: 12345, rescale_factor: 2.4, rotation: 15, opacity: 60 }],
  ["normal, sticking out top-left", { blend_mode: "normal", rescale_factor: 1.2, rotation: 0, x_percent: 5, y_percent: 3, opacity: 100 }],
  ["hue (no table), sticking out bottom-right", { blend_mode: "hue", rescale_factor: 1.5, rotation: 200, x_percent: 97, y_percent: 99, opacity: 75 }],
  ["multiply with a mask, mirrored vertically", { blend_mode: "multiply", mask: px(200, 260, 3), mirror: "vertical", rescale_factor: 0.8, rotation: 45, opacity: 90 }],
  ["centred on the top-right corner", { blend_mode: "screen", rescale_factor: 0.5, x_percent: 100, y_percent: 0, opacity: 90 }],
];

test("a streamed base gives the loaded path's bytes", async () => {
  for (const [what, extra] of cases) {
    const body = { base_image: base, overlay_image: overlay, bg_remove_model: "None", resize_method: "bicubic", x_percent: 50, y_percent: 50, ...extra };
    const want = await loaded(body);
    for (const backend of ["cpu", "auto"]) {
      const got = await pkg.superimposeV2(body, { backend });
      same(got.imageData, want.imageData, `${what} (backend ${backend})`);
      assert.deepEqual(got.warnings, want.warnings, what);
      assert.equal(got.backendUsed, "cpu");
    }
    // Every output pixel is opaque (the base's alpha discarded, SPEC 0), in every block.
    for (let i = 3; i < want.imageData.data.length; i += 4) assert.equal(want.imageData.data[i], 255, what);
  }
  // The base's own bytes are untouched.
  same(base, px(300, 700, 5, { alpha: true }), "the base");
});

test("a base one block tall, one row, and with a Uint8Array", async () => {
  for (const b of [px(90, 40, 2), px(1500, 1, 4), { ...px(64, 600, 6), data: new Uint8Array(px(64, 600, 6).data) }]) {
    const body = { base_image: b, overlay_image: overlay, bg_remove_model: "None", rescale_factor: 0.3, rotation: 20, blend_mode: "overlay", opacity: 90 };
    const want = await loaded(body);
    same((await pkg.superimposeV2(body, { backend: "cpu" })).imageData, want.imageData, `${b.width}×${b.height}`);
  }
});

test("into: the base itself, or a new image when the size differs", async () => {
  const body = (b) => ({ base_image: b, overlay_image: overlay, bg_remove_model: "None", rescale_factor: 1.9, rotation: 33, blend_mode: "hard light", opacity: 80 });
  const want = (await loaded(body(base))).imageData;
  // In place: block k is read before it is written, and never read again.
  const own = { width: 300, height: 700, data: Uint8ClampedArray.from(base.data) };
  const r = await pkg.superimposeV2(body(own), { into: own });
  assert.equal(r.imageData, own);
  same(own, want, "into = the base");
  // A wrong size: a new image, the caller's untouched.
  const wrong = { width: 299, height: 700, data: new Uint8ClampedArray(299 * 700 * 4).fill(7) };
  const r3 = await pkg.superimposeV2(body(base), { into: wrong });
  assert.notEqual(r3.imageData, wrong);
  same(r3.imageData, want, "new image");
  assert.ok(wrong.data.every((v) => v === 7));
});

test("base64 output, warnings and errors are those of the loaded path", async () => {
  const body = { base_image: px(40, 30, 8), overlay_image: px(20, 10, 3), rescale_factor: 1, blend_mode: "multiply" };
  const want = await loaded(body);
  const got = await pkg.superimposeV2(body, { backend: "cpu" });
  assert.ok(got.warnings.length === 1 && /bg_remove_model was not given/.test(got.warnings[0]));
  assert.deepEqual(got.warnings, want.warnings);
  same(got.imageData, want.imageData, "warning case");
  const b64 = await pkg.superimposeV2({ ...body, base64: true }, { backend: "cpu" });
  assert.equal(typeof b64, "string");
  same(await pkg.decode(b64), want.imageData, "base64");
  // A short base buffer: the loaded path's coded error, naming the field.
  const short = { width: 40, height: 30, data: new Uint8ClampedArray(40 * 30 * 4 - 1) };
  await assert.rejects(pkg.superimposeV2({ ...body, base_image: short }, { backend: "cpu" }), (e) => e.code === "E_BUFFER_SIZE" && e.param === "base_image");
  // A bad parameter is refused before anything is written into `into`.
  const into = { width: 40, height: 30, data: new Uint8ClampedArray(40 * 30 * 4).fill(5) };
  await assert.rejects(pkg.superimposeV2({ ...body, opacity: 150 }, { into, backend: "cpu" }), (e) => e.code === "E_PARAM_RANGE" && e.param === "opacity");
  assert.ok(into.data.every((v) => v === 5));
  // An overlay scaled past the pixel limit: the same coded error on both paths.
  await pkg.setMaxPixels(4000);
  try {
    const big = { ...body, rescale_factor: 20 }; // 400 × 200 px
    const code = await loaded(big).then(() => null, (e) => e.code);
    assert.match(code, /^E_(IMAGE_TOO_LARGE|MEMORY_BUDGET)$/);
    await assert.rejects(pkg.superimposeV2(big, { into, backend: "cpu" }), (e) => e.code === code);
    assert.ok(into.data.every((v) => v === 5));
  } finally {
    await pkg.setMaxPixels(64 * 1024 * 1024);
  }
});
