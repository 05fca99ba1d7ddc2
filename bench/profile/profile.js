// The profile page: loads the wasm core with its function names (target/profile-pkg/, made by
// bench/profile.mjs from the build's staged core.wasm) and runs one workload on demand. The
// driver starts Chromium's sampling profiler (CDP `Profiler`) around `window.PROFILE.run`.
// `?threads=N`: the threads build instead (pkg/threads.js with the named .wasm; the page is
// cross-origin isolated), N threads; only the calling thread is profiled.
import { noise } from "../noise.mjs";

const threads = Number(new URLSearchParams(location.search).get("threads") ?? 0);
let core;
if (threads > 0) {
  const { initThreads } = await import("../../pkg/threads.js");
  await initThreads({ threads, module: new URL("../../target/profile-pkg/superimpose_wasm_mt_bg.wasm", import.meta.url) });
  core = await import("../../pkg/superimpose_wasm_mt.js");
} else {
  core = await import("../../target/profile-pkg/superimpose_wasm.js");
  await core.default({ module_or_path: new URL("../../target/profile-pkg/superimpose_wasm_bg.wasm", import.meta.url) });
}

const opaque = (im) => {
  for (let i = 3; i < im.data.length; i += 4) im.data[i] = 255;
  return im;
};
const out = (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
const v2 = (w, h, mode) => {
  const body = {
    base_image: opaque(noise(w, h, 7)), overlay_image: noise(1024, 1024, 3), bg_remove_model: "None",
    rescale_factor: 0.4, resize_method: "lanczos", rotation: 30, mirror: "horizontal", blend_mode: mode,
    opacity: 90, x_percent: 50, y_percent: 50,
  };
  const into = out(w, h);
  return () => core.superimposeV2(body, undefined, { into });
};
const WORKLOADS = {
  "v2-1080p": () => v2(1920, 1080, "soft light"),
  "v2-4k": () => v2(3840, 2160, "soft light"),
  lanczos: () => {
    const src = opaque(noise(1024, 1024, 1)), into = out(410, 410);
    return () => core.resize(src, { width: 410, height: 410, filter: "lanczos", into });
  },
  "lanczos-4k": () => {
    const src = opaque(noise(3840, 2160, 9)), into = out(1920, 1080);
    return () => core.resize(src, { width: 1920, height: 1080, filter: "lanczos", into });
  },
  rotate: () => {
    const src = opaque(noise(410, 410, 11)), opts = { degrees: 30, sampler: "bicubic" };
    const first = core.rotate(src, opts);
    const into = out(first.width, first.height);
    return () => core.rotate(src, { ...opts, into });
  },
  blend: () => {
    const region = opaque(noise(1024, 1024, 5)), ov = noise(1024, 1024, 3), into = out(1024, 1024);
    return () => core.blend(region, ov, { mode: "multiply", opacity: 0.9, into });
  },
};

window.PROFILE = {
  workloads: Object.keys(WORKLOADS),
  /** Make workload `name`'s inputs and warm it up (V8's optimising tier); returns its output size. */
  prepare(name, warmup) {
    const make = WORKLOADS[name];
    if (!make) throw new Error(`unknown workload ${name}; one of ${Object.keys(WORKLOADS).join(", ")}`);
    this.f = make();
    let r;
    for (let i = 0; i < warmup; i++) r = this.f();
    return r && (r.width ?? r.image?.width);
  },
  /** Run the prepared workload `iters` times; the mean wall time per call (ms). */
  run(iters) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) this.f();
    return (performance.now() - t0) / iters;
  },
};
window.PROFILE_READY = true;
