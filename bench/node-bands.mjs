// The work of the pool's row split, measured on one thread in Node (README "Using both cores"):
// for each case, the full call and each of its 2 bands (the core's band entry points, what each
// worker runs), interleaved round by round. On two free cores the split's wall time is about
// the slowest band plus the messaging (posting inputs, assembling the result), which
// bench/browser.mjs measures with real workers ("ours, pool of 2 workers (rows split)"). Each
// band's bytes are checked against the full call's rows.
//   node bench/node-bands.mjs [runs]
import { init } from "../pkg/index.js";
import * as core from "../pkg/superimpose_wasm.js";
import { noise } from "./noise.mjs";

const runs = Number(process.argv[2] ?? 11);
await init();
const rows = (img, y0, y1) => ({ width: img.width, height: y1 - y0, data: img.data.slice(y0 * img.width * 4, y1 * img.width * 4) });
const stat = (t) => {
  const s = [...t].sort((a, b) => a - b);
  return { median: s[s.length >> 1], min: s[0] };
};
const f = (x) => x.toFixed(2).padStart(7);

/** 3 warm-up rounds, then `runs` rounds of the full call and each piece in turn: their stats. */
async function rounds(full, pieces) {
  for (let i = 0; i < 3; i++) for (const g of [full, ...pieces]) await g();
  const tf = [], tb = pieces.map(() => []);
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    await full();
    tf.push(performance.now() - t0);
    for (const [i, g] of pieces.entries()) {
      t0 = performance.now();
      await g();
      tb[i].push(performance.now() - t0);
    }
  }
  return { sf: stat(tf), sb: tb.map(stat) };
}

async function compare(name, full, bands) {
  const ref = await full();
  let off = 0;
  for (const b of bands) {
    const out = await b();
    const want = ref.data.subarray(off, off + out.data.length);
    if (out.data.length === 0 || want.length !== out.data.length || want.some((v, i) => v !== out.data[i])) throw new Error(`${name}: a band differs from the full call`);
    off += out.data.length;
  }
  if (off !== ref.data.length) throw new Error(`${name}: the bands do not cover the output`);
  const { sf, sb } = await rounds(full, bands);
  const slow = Math.max(...sb.map((s) => s.median));
  console.log(`${name}\n  full ${f(sf.median)} ms (min ${f(sf.min)})   bands ${sb.map((s) => `${f(s.median)} (min ${f(s.min)})`).join(" + ")} ms` +
    `   sum/full ${(sb.reduce((a, s) => a + s.median, 0) / sf.median).toFixed(2)}   slowest band/full ${(slow / sf.median).toFixed(2)}`);
}

const src = noise(1024, 1024);
for (const [w, h] of [[410, 410], [2560, 2560]]) {
  const opts = { width: w, height: h, filter: "lanczos" };
  const half = h >> 1;
  const band = (y0, y1) => {
    // The source rows the band reads (generously), as the pool posts them.
    const scale = 1024 / h, sup = 3 * Math.max(scale, 1);
    const r0 = Math.max(0, Math.floor((y0 + 0.5) * scale - sup) - 2), r1 = Math.min(1024, Math.ceil((y1 - 0.5) * scale + sup) + 2);
    return () => core.resizeBand(rows(src, r0, r1), { ...opts, y0, y1, srcY0: r0, srcHeight: 1024 });
  };
  await compare(`resize lanczos 1024² → ${w}×${h}`, () => core.resize(src, opts), [band(0, half), band(half, h)]);
}
// superimposeV2 as the pool splits it: phase 1 scales half of the overlay's rows per worker,
// phase 2 rotates and composites half of the overlay's rectangle on the base per worker (the
// rest of the base is only made opaque, on the main thread). "bands" lists the four pieces;
// "slowest" is the slower phase-1 part plus the slower phase-2 part.
const ov = noise(1024, 1024, 3);
for (const [label, bw, bh, mode] of [["1080p", 1920, 1080, "multiply"], ["4K", 3840, 2160, "soft light"]]) {
  const base = noise(bw, bh, 7);
  const body = { overlay_image: ov, bg_remove_model: "None", rescale_factor: 0.4, resize_method: "lanczos", rotation: 30, mirror: "horizontal", blend_mode: mode, opacity: 90, x_percent: 50, y_percent: 50 };
  const one = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
  const part = (i) => core.superimposeV2ScaledRows({ ...body, base_image: one }, { part: i, parts: 2, baseWidth: bw, baseHeight: bh });
  const p0 = part(0), p1 = part(1);
  const scaled = { width: p0.scaledWidth, height: p0.scaledHeight, data: new Uint8ClampedArray(p0.scaledWidth * p0.scaledHeight * 4) };
  for (const p of [p0, p1]) scaled.data.set(p.data, p.y0 * p0.scaledWidth * 4);
  const x0 = Math.max(p0.left, 0), x1 = Math.min(p0.left + p0.preparedWidth, bw);
  const y0 = Math.max(p0.top, 0), y1 = Math.min(p0.top + p0.preparedHeight, bh);
  const mid = (y0 + y1) >> 1;
  const crop = (a, b) => {
    const d = new Uint8ClampedArray((x1 - x0) * (b - a) * 4);
    for (let y = a; y < b; y++) d.set(base.data.subarray((y * bw + x0) * 4, (y * bw + x1) * 4), (y - a) * (x1 - x0) * 4);
    return { width: x1 - x0, height: b - a, data: d };
  };
  const band = (a, b) => () => core.superimposeV2BandScaled({ ...body, base_image: crop(a, b), overlay_image: scaled },
    { x0, y0: a, baseWidth: bw, baseHeight: bh, backend: "cpu", overlayWidth: 1024, overlayHeight: 1024 });
  const full = () => core.superimposeV2({ ...body, base_image: base });
  // The bands' bytes are the full call's over the overlay's rectangle.
  const ref = full();
  for (const [a, b] of [[y0, mid], [mid, y1]]) {
    const out = await band(a, b)();
    for (let y = a; y < b; y++) {
      const want = ref.data.subarray((y * bw + x0) * 4, (y * bw + x1) * 4);
      const got = out.data.subarray((y - a) * (x1 - x0) * 4, (y - a + 1) * (x1 - x0) * 4);
      if (want.some((v, i) => v !== got[i])) throw new Error(`superimposeV2 ${label}: row ${y} differs`);
    }
  }
  const pieces = [() => part(0), () => part(1), band(y0, mid), band(mid, y1)];
  const { sf, sb } = await rounds(full, pieces);
  const slow = Math.max(sb[0].median, sb[1].median) + Math.max(sb[2].median, sb[3].median);
  console.log(`superimposeV2 ${label}: overlay 1024² ×0.4 lanczos, rotate 30, mirror, ${mode} 90 (two phases)\n` +
    `  full ${f(sf.median)} ms (min ${f(sf.min)})   bands ${sb.map((x) => f(x.median)).join(" +")} ms` +
    `   sum/full ${(sb.reduce((a, x) => a + x.median, 0) / sf.median).toFixed(2)}   slowest/full ${(slow / sf.median).toFixed(2)}`);
}
