// The threads tests' workload (tests/js/threads*.test.mjs), run by Node (support/threads-run.mjs)
// and by the Chromium page (threads.html) against the single-threaded and the threads build:
// images big enough that every row loop is split into several chunks.
/**
 * The workload: `api` is the package (resize/rotate/blend/superimposeV2/createScene/blendModes)
 * with one core or the other, `img` is {@link img}. Returns [name, {width, height, data}] pairs.
 */
export async function workload(api, img) {
  const out = [];
  const photo = img(1024, 768, 1, "mixed");
  const opaque = img(1024, 768, 2, "opaque");
  for (const [name, src] of [["mixed", photo], ["opaque", opaque]]) {
    out.push([name + " lanczos 410", await api.resize(src, { width: 410, height: 307, filter: "lanczos" })]);
    out.push([name + " bilinear 2000", await api.resize(src, { width: 2000, height: 1500, filter: "bilinear" })]);
    out.push([name + " bicubic 700x900", await api.resize(src, { width: 700, height: 900, filter: "bicubic" })]);
    out.push([name + " box 333x200", await api.resize(src, { width: 333, height: 200, filter: "box" })]);
    out.push([name + " lanczos 1024x300", await api.resize(src, { width: 1024, height: 300, filter: "lanczos" })]);
    out.push([name + " nearest 1500x500", await api.resize(src, { width: 1500, height: 500, filter: "nearest" })]);
    out.push([name + " rotate 30 bicubic", await api.rotate(src, { degrees: 30, sampler: "bicubic" })]);
    out.push([name + " rotate 45 bilinear", await api.rotate(src, { degrees: 45, sampler: "bilinear" })]);
    out.push([name + " rotate 17 nearest", await api.rotate(src, { degrees: 17, sampler: "nearest" })]);
    out.push([name + " rotate 90", await api.rotate(src, { degrees: 90, sampler: "bicubic" })]);
  }
  const base = img(640, 480, 3, "opaque"), top = img(640, 480, 4, "mixed");
  for (const mode of await api.blendModes()) {
    out.push(["blend " + mode, await api.blend(base, top, { mode, opacity: 0.9, seed: 7 })]);
  }
  const big = img(1280, 720, 5, "opaque"), ov = img(600, 400, 6, "mixed"), mask = img(600, 400, 8, "opaque");
  const body = { base_image: big, overlay_image: ov, bg_remove_model: "None", blend_mode: "soft light",
    rescale_factor: 0.7, resize_method: "lanczos", rotation: 30, mirror: "horizontal", opacity: 90, x_percent: 40, y_percent: 55 };
  out.push(["v2 soft light", await api.superimposeV2(body)]);
  out.push(["v2 multiply bicubic", await api.superimposeV2({ ...body, blend_mode: "multiply", resize_method: "bicubic", rotation: 348, mirror: "vertical" })]);
  out.push(["v2 with mask", await api.superimposeV2({ ...body, mask, blend_mode: "screen", rescale_factor: 1.3 })]);
  if (api.createScene) {
    const scene = await api.createScene(body);
    for (const [i, ch] of [{}, { x_percent: 10 }, { rotation: 75 }, { rescale_factor: 1.4, resize_method: "bilinear" }, { blend_mode: "overlay", opacity: 60 }].entries()) {
      out.push(["scene " + i, scene.render(ch, { full: true })]);
    }
  }
  return out.map(([name, r]) => [name, r.imageData ?? r]);
}

/** Deterministic test pixels: "opaque" (alpha 255), or "mixed" (alpha 0, 255 and in between). */
export function img(w, h, seed, alpha) {
  const d = new Uint8ClampedArray(w * h * 4);
  let x = seed >>> 0;
  for (let i = 0; i < d.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // Smooth-ish content (a gradient plus noise) so that resampling sees real structure.
    const p = i >> 2, c = i & 3, px = p % w, py = (p / w) | 0;
    let v = ((px * (c + 1) + py * (3 - c)) >> 2) + ((x >>> 27) - 16);
    if (c === 3) v = alpha === "opaque" ? 255 : [0, 255, 255, 128, (x >>> 24)][(px >> 5) % 5];
    d[i] = v;
  }
  return { width: w, height: h, data: d };
}

