// The threads build against the single-threaded one in Node, interleaved in one process: the
// single-threaded glue (superimpose_wasm.js) and the threads build (superimpose_wasm_mt.js, after
// initThreads) take turns on the same inputs, with `into` outputs (no allocation per call).
// Medians of N runs after warm-up, and the share of row chunks the workers ran.
//   node bench/node-threads.mjs [runs] [threads]
// Without a threads build (see .tools/threads-toolchain) it says so and exits.
import { existsSync, readFileSync } from "node:fs";
import { noise } from "./noise.mjs";

const runs = Number(process.argv[2] ?? 21);
const threads = Number(process.argv[3] ?? 2);
const pkg = new URL("../pkg/", import.meta.url);
if (!existsSync(new URL("superimpose_wasm_mt_bg.wasm", pkg))) {
  const why = existsSync(new URL("../.tools/threads-toolchain", import.meta.url))
    ? readFileSync(new URL("../.tools/threads-toolchain", import.meta.url), "utf8").trim()
    : "scripts/bootstrap.sh has not run";
  console.log(`node-threads: no threads build in pkg/ (${why})`);
  process.exit(0);
}
const st = await import(new URL("superimpose_wasm.js", pkg));
st.initSync({ module: readFileSync(new URL("superimpose_wasm_bg.wasm", pkg)) });
const { initThreads } = await import(new URL("threads.js", pkg));
const got = await initThreads({ threads });
const mt = await import(new URL("superimpose_wasm_mt.js", pkg));

const opaque = (im) => {
  for (let i = 3; i < im.data.length; i += 4) im.data[i] = 255;
  return im;
};
const out = (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
const src = opaque(noise(1024, 1024)), src4k = opaque(noise(3840, 2160, 9)), base = opaque(noise(1920, 1080, 7));
const ov = noise(1024, 1024, 3), region = opaque(noise(1024, 1024, 5)), small = opaque(noise(410, 410, 11));
const [o410, o1080, o1024, o4k] = [out(410, 410), out(1920, 1080), out(1024, 1024), out(3840, 2160)];
const body = { base_image: base, overlay_image: ov, bg_remove_model: "None", rescale_factor: 0.4, resize_method: "lanczos",
  rotation: 30, mirror: "horizontal", blend_mode: "soft light", opacity: 90, x_percent: 50, y_percent: 50 };
const body4k = { ...body, base_image: src4k };
const cases = [
  ["resize lanczos 1024² → 410²", (g) => g.resize(src, { width: 410, height: 410, filter: "lanczos", into: o410 })],
  ["resize bilinear 1024² → 410²", (g) => g.resize(src, { width: 410, height: 410, filter: "bilinear", into: o410 })],
  ["resize lanczos 3840×2160 → 1920×1080", (g) => g.resize(src4k, { width: 1920, height: 1080, filter: "lanczos", into: o1080 })],
  ["rotate 410² opaque 30° bicubic", (g) => g.rotate(small, { degrees: 30, sampler: "bicubic" })],
  ["blend multiply 1024² at 0.9, into", (g) => g.blend(region, ov, { mode: "multiply", opacity: 0.9, into: o1024 })],
  ["superimposeV2 1080p soft light, into", (g) => g.superimposeV2(body, undefined, { into: o1080 })],
  ["superimposeV2 4K soft light, into", (g) => g.superimposeV2(body4k, undefined, { into: o4k })],
];
console.log(`node-threads: single-threaded vs threads build with ${got.threads} threads, medians of ${runs} interleaved runs`);
for (const [name, f] of cases) {
  for (let i = 0; i < 10; i++) f(st), f(mt); // past V8's tier-up
  const t = { st: [], mt: [] };
  const c0 = mt.__threadsWorkerChunks();
  for (let i = 0; i < runs; i++) {
    for (const [k, g] of i & 1 ? [["st", st], ["mt", mt]] : [["mt", mt], ["st", st]]) {
      const t0 = performance.now();
      f(g);
      t[k].push(performance.now() - t0);
    }
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const [a, b] = [med(t.st), med(t.mt)];
  console.log(`${name.padEnd(40)} single ${a.toFixed(2).padStart(7)} ms   threads ${b.toFixed(2).padStart(7)} ms   ratio ${(b / a).toFixed(2)}   worker chunks/call ${((mt.__threadsWorkerChunks() - c0) / runs).toFixed(1)}`);
}
