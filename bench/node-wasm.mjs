// Quick wasm timings of the built package in Node: the default (simd128) kernels, and the resize
// rows again with the scalar kernels forced. Medians of N runs after warm-up. The side-by-side
// comparison with the alternatives runs in Chromium: bench/browser.mjs.
//   node bench/node-wasm.mjs [runs]
// On a shared machine the minimum is the more stable figure (the median includes time the
// process was descheduled); both are printed.
import { superimposeV2, resize, rotate, blend, init, setKernelBackend } from "../pkg/index.js";
import { noise } from "./noise.mjs";

const runs = Number(process.argv[2] ?? 11);
await init();
async function time(name, fn) {
  for (let i = 0; i < 3; i++) await fn();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} median ${t[t.length >> 1].toFixed(2).padStart(8)} ms   min ${t[0].toFixed(2)}   max ${t[t.length - 1].toFixed(2)}`);
}

const src = noise(1024, 1024);
const base1080 = noise(1920, 1080, 7);
const base4k = noise(3840, 2160, 9);
const big = noise(1024, 1024, 3);
await time("resize lanczos 1024² → 410² RGBA", () => resize(src, { width: 410, height: 410, filter: "lanczos" }));
await time("resize bilinear 1024² → 410² RGBA", () => resize(src, { width: 410, height: 410, filter: "bilinear" }));
await time("rotate 1024² RGBA 30° bicubic (premultiplied)", () => rotate(src, { degrees: 30, sampler: "bicubic" }));
const ov = noise(410, 410, 5);
await time("rotate 410² opaque RGBA 30° bicubic (the v2 overlay)", () => rotate(ov, { degrees: 30, sampler: "bicubic" }));
await setKernelBackend("scalar");
await time("resize lanczos 1024² → 410² RGBA (forced scalar)", () => resize(src, { width: 410, height: 410, filter: "lanczos" }));
await time("resize bilinear 1024² → 410² RGBA (forced scalar)", () => resize(src, { width: 410, height: 410, filter: "bilinear" }));
await setKernelBackend("auto");
const body = (b, mode) => ({
  base_image: b, overlay_image: src, bg_remove_model: "None", rescale_factor: 0.4,
  resize_method: "lanczos", rotation: 30, mirror: "horizontal", blend_mode: mode, opacity: 90,
  x_percent: 50, y_percent: 50,
});
await time("superimposeV2 1080p, overlay 1024² ×0.4 lanczos, rot 30, multiply", () => superimposeV2(body(base1080, "multiply")));
await time("superimposeV2 4K, same, soft light", () => superimposeV2(body(base4k, "soft light")));
const b1 = noise(1024, 1024, 11);
await time("blend 1024² multiply 0.9 (whole-image call)", () => blend(b1, big, { mode: "multiply", opacity: 0.9 }));
