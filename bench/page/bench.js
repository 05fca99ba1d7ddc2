// The benchmark page: superimpose-wasm against what a user would pick instead, in one page and one
// run. Every row runs its alternatives interleaved (the order rotates each round) after warm-up,
// and reports the median, min and max of the timed runs. Driven headless by bench/browser.mjs
// (`make bench`); `window.BENCH.run({runs, warmup, only})` resolves the results as JSON.
//
// What each timed call does, so the columns compare like with like:
// - ours: the package's public call on pixels already in JS (copy into wasm, the kernel, copy out
//   into a new ImageData);
// - Canvas 2D: draw from an ImageBitmap made once beforehand, then getImageData (the pixels out);
// - pica: `resizeBuffer` on the same pixels, with only its "wasm" feature (main thread, no workers);
// - photon: PhotonImage from the same pixels (copy in), the operation, get_raw_pixels (copy out).
// The memory-bandwidth floor of a row is a wasm `memory.copy` (the `benchCopy` export) moving the
// bytes the operation must read once and write once at least: (input bytes + output bytes) / 2.
import * as lib from "../../pkg/index.js";
// The same module instance index.js uses (same URL): the bench-only export lives there.
import * as glue from "../../pkg/superimpose_wasm.js";
import picaFactory from "../../node_modules/pica/dist/pica.mjs";
import { createWorkerPool } from "../../pkg/pool.js";

const $ = (id) => document.getElementById(id);
const log = (s) => {
  $("out").textContent += s + "\n";
};

// ---- inputs ------------------------------------------------------------------------------------

/** A photo-like deterministic RGBA image: smooth gradients plus noise; alpha 255 or a soft disc. */
function makeImage(w, h, seed, { alpha = false } = {}) {
  const d = new Uint8ClampedArray(w * h * 4);
  let s = seed >>> 0 || 1;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i += 4) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const n = (s >>> 0) & 63;
      d[i] = ((x * 255) / w + n) & 255;
      d[i + 1] = ((y * 255) / h + (n >> 1)) & 255;
      d[i + 2] = (((x + y) * 127) / (w + h) + 64 + (n >> 2)) & 255;
      if (alpha) {
        const dx = (2 * x) / w - 1, dy = (2 * y) / h - 1;
        const r = Math.sqrt(dx * dx + dy * dy);
        d[i + 3] = r < 0.7 ? 255 : r > 1 ? 0 : Math.round(255 * (1 - (r - 0.7) / 0.3));
      } else d[i + 3] = 255;
    }
  }
  return new ImageData(d, w, h);
}

const images = {};
function img(name) {
  if (!images[name]) {
    const [w, h, seed, alpha] = {
      src1024: [1024, 1024, 1, false],
      src4k: [3840, 2160, 2, false],
      base1080: [1920, 1080, 3, false],
      base4k: [3840, 2160, 4, false],
      overlay1024: [1024, 1024, 5, true],
    }[name];
    images[name] = makeImage(w, h, seed, { alpha });
  }
  return images[name];
}
const bitmaps = {};
async function bitmap(name) {
  bitmaps[name] ??= await createImageBitmap(img(name));
  return bitmaps[name];
}

function canvas2d(w, h) {
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  // The pixels are read back every run: a CPU-backed canvas is what such code asks for.
  return c.getContext("2d", { willReadFrequently: true });
}

// ---- alternatives ------------------------------------------------------------------------------

let pica = null;
let picaFeatures = null;
async function getPica() {
  if (!pica) {
    pica = picaFactory({ features: ["wasm"] });
    await pica.init();
    // pica reports what its math library really runs (wasm only when WebAssembly works).
    picaFeatures = { requested: ["wasm"], mathlib: { ...pica.__mathlib?.features } };
  }
  return pica;
}

let photon = null;
let photonBytes = null;
/**
 * photon's npm build targets bundlers (`import * as wasm from './photon_rs_bg.wasm'`). The page
 * loads its unmodified glue as a module with that one import replaced by a setter, and
 * instantiates the .wasm itself with the glue as its import object. `nonce` gives a fresh module
 * (and, with `bytes`, a fresh compile) for the init row.
 */
async function loadPhoton(bytes, nonce = "") {
  const base = new URL("../../node_modules/@silvia-odwyer/photon/", import.meta.url);
  const src = await (await fetch(new URL("photon_rs_bg.js", base))).text();
  const marker = "import * as wasm from './photon_rs_bg.wasm';";
  if (!src.includes(marker)) throw new Error("photon's glue changed: the wasm import was not found");
  const code = src.replace(marker, `let wasm; export function __benchSetWasm(w) { wasm = w; } // ${nonce}`);
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const ns = await import(url);
  URL.revokeObjectURL(url);
  photonBytes ??= new Uint8Array(await (await fetch(new URL("photon_rs_bg.wasm", base))).arrayBuffer());
  return { ns, instantiate: async (b = photonBytes) => {
    const { instance } = await WebAssembly.instantiate(b, { "./photon_rs_bg.js": ns });
    ns.__benchSetWasm(instance.exports);
    return ns;
  } };
}
async function getPhoton() {
  if (!photon) {
    const p = await loadPhoton();
    photon = await p.instantiate();
  }
  return photon;
}

/**
 * Whether `call(backend)` has a working WebGPU path: there is an adapter, the package knows a
 * `backend` option (a bogus value is refused with E_PARAM_ENUM), and "webgpu" runs.
 */
async function probeWebGPU(call) {
  if (!navigator.gpu) return { na: "navigator.gpu missing" };
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return { na: "no WebGPU adapter" };
  try {
    await call("no-such-backend");
    return { na: "the package has no `backend` option (a bogus backend was accepted)" };
  } catch (e) {
    if (e.code !== "E_PARAM_ENUM") return { na: `the package has no \`backend\` option (${e.code ?? e.name})` };
  }
  try {
    await call("webgpu");
  } catch (e) {
    return { na: `${e.code ?? e.name}: ${e.message}` };
  }
  return { ok: true };
}

async function adapterInfo() {
  try {
    const a = await navigator.gpu?.requestAdapter();
    if (!a) return null;
    const i = a.info ?? {};
    return { vendor: i.vendor, architecture: i.architecture, description: i.description, isFallbackAdapter: a.isFallbackAdapter ?? i.isFallbackAdapter };
  } catch (e) {
    return { error: String(e) };
  }
}

const px = (r) => ({ w: r.width, h: r.height, data: r.data ?? r.imageData?.data });

// The worker pool of the "rows split" alternatives: 2 workers, created once and warmed up outside
// the timing (README "Using both cores"). Each timed call posts the inputs, runs one band per
// worker and assembles the result on the main thread.
let pool2 = null;
async function getPool2(warm) {
  pool2 ??= createWorkerPool({ size: 2 });
  await warm(pool2);
  return pool2;
}

// The threads build (superimpose-wasm/threads, 2 threads sharing the module's memory) runs in an
// iframe of this (cross-origin isolated) page: a realm picks its core once, and `lib` here is
// the single-threaded build. Inputs are copied into the frame's realm once, outside the timing.
let threadsFrame = null;
function getThreads() {
  threadsFrame ??= (async () => {
    const f = document.createElement("iframe");
    f.src = "./threads-frame.html";
    f.style.display = "none";
    document.body.append(f);
    const t0 = performance.now();
    while (!f.contentWindow?.T) {
      if (performance.now() - t0 > 30000) return { na: "the threads frame did not load" };
      await new Promise((r) => setTimeout(r, 10));
    }
    const T = f.contentWindow.T;
    const r = await T.ready;
    if (r.na) return r;
    const copies = new Map();
    return { lib: T.lib, threads: r.threads, image: T.image, copy: (im) => (copies.has(im) || copies.set(im, T.copy(im)), copies.get(im)) };
  })();
  return threadsFrame;
}
/** Setup of a threads alternative: `st.t` is the frame (or the row is n/a with the reason). */
async function threadsSetup(st) {
  const t = await getThreads();
  if (t.na) return { na: t.na };
  st.t = t;
}

// ---- rows --------------------------------------------------------------------------------------

const RESIZES = [
  ["1024²→410²", "src1024", 410, 410],
  ["1024²→2560²", "src1024", 2560, 2560],
  ["3840×2160→1920×1080", "src4k", 1920, 1080],
];
const FILTERS = [
  // [ours, Canvas imageSmoothingQuality, pica filter, photon SamplingFilter name]
  ["lanczos", "high", "lanczos3", "Lanczos3"],
  ["bilinear", "low", "hamming", "Triangle"],
];
const BLEND_MODES = [
  // [ours, Canvas globalCompositeOperation, photon blend_mode or null]
  ["multiply", "multiply", "multiply"],
  ["screen", "screen", null],
  ["overlay", "overlay", "overlay"],
  ["soft light", "soft-light", "soft_light"],
  ["hard light", "hard-light", "hard_light"],
  ["darken", "darken", "darken"],
  ["lighten", "lighten", "lighten"],
];

function resizeRows() {
  const rows = [];
  for (const [size, srcName, tw, th] of RESIZES) {
    for (const [filter, quality, picaFilter, photonFilter] of FILTERS) {
      const src = () => img(srcName);
      const ours = () => lib.resize(src(), { width: tw, height: th, filter }).then((r) => px(r.imageData));
      rows.push({
        group: "resize",
        name: `resize ${filter} ${size} RGBA`,
        floorBytes: () => (src().data.length + tw * th * 4) / 2,
        alts: [
          { id: "ours", label: "ours (simd128)", run: ours },
          {
            id: "ours-threads", label: "ours, threads build (2 threads, shared memory)",
            setup: threadsSetup,
            run: (st) => st.t.lib.resize(st.t.copy(src()), { width: tw, height: th, filter }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-scalar", label: "ours (forced scalar)",
            setup: async () => {
              await lib.setKernelBackend("scalar");
              await lib.setKernelBackend("auto");
            },
            before: () => lib.setKernelBackend("scalar"),
            run: ours,
            after: () => lib.setKernelBackend("auto"),
          },
          {
            id: "ours-pool2", label: "ours, pool of 2 workers (rows split)",
            setup: async (st) => {
              // Both workers load the module and run the kernels once before timing.
              st.pool = await getPool2((p) => Promise.all([0, 1].map(() => p.resize(src(), { width: tw, height: th, filter }, { split: "always" }))));
            },
            run: (st) => st.pool.resize(src(), { width: tw, height: th, filter }, { split: "always" }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-pool2-one", label: "ours, pool of 2 workers (one worker, split: never)",
            setup: async (st) => {
              st.pool = await getPool2((p) => Promise.all([0, 1].map(() => p.resize(src(), { width: tw, height: th, filter }, { split: "never" }))));
            },
            run: (st) => st.pool.resize(src(), { width: tw, height: th, filter }, { split: "never" }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-webgpu", label: "ours (WebGPU)",
            // resize() is CPU-only: the WebGPU resampler runs inside superimpose/superimposeV2
            // (see the pipeline rows). The row stays, so the table says so.
            setup: async () => ({ na: "resize() has no WebGPU path (the GPU resamples inside superimposeV2, see below)" }),
            run: () => { throw new Error("not run"); },
          },
          {
            id: "canvas", label: `Canvas 2D drawImage (smoothing "${quality}") + getImageData`,
            setup: async (st) => {
              st.bmp = await bitmap(srcName);
              st.ctx = canvas2d(tw, th);
            },
            run: (st) => {
              const { ctx } = st;
              ctx.imageSmoothingEnabled = true;
              ctx.imageSmoothingQuality = quality;
              ctx.drawImage(st.bmp, 0, 0, tw, th);
              return px(ctx.getImageData(0, 0, tw, th));
            },
          },
          {
            id: "pica", label: `pica resizeBuffer (${picaFilter}, wasm)`,
            setup: async (st) => {
              st.pica = await getPica();
              if (!picaFeatures.mathlib.wasm) return { na: "pica's wasm feature is unavailable here" };
            },
            run: async (st) => {
              const s = src();
              const out = await st.pica.resizeBuffer({ src: s.data, width: s.width, height: s.height, toWidth: tw, toHeight: th, filter: picaFilter });
              return { w: tw, h: th, data: out };
            },
          },
          {
            id: "photon", label: `photon resize (${photonFilter})`,
            setup: async (st) => {
              st.p = await getPhoton();
            },
            run: (st) => {
              const { p } = st;
              const s = src();
              const im = new p.PhotonImage(s.data, s.width, s.height);
              const out = p.resize(im, tw, th, p.SamplingFilter[photonFilter]);
              const data = out.get_raw_pixels();
              im.free();
              const w = out.get_width(), h = out.get_height();
              out.free();
              return { w, h, data };
            },
          },
        ],
      });
    }
  }
  return rows;
}

// The 1024² region of the 4K base that the overlay covers (centred): every alternative reads the
// base's pixels there and the overlay's, and produces that region's new pixels.
const RX = (3840 - 1024) / 2, RY = (2160 - 1024) / 2;
let baseRegion = null;
function region() {
  if (!baseRegion) {
    const b = img("base4k");
    const d = new Uint8ClampedArray(1024 * 1024 * 4);
    for (let y = 0; y < 1024; y++) d.set(b.data.subarray(((RY + y) * 3840 + RX) * 4, ((RY + y) * 3840 + RX + 1024) * 4), y * 4096);
    baseRegion = new ImageData(d, 1024, 1024);
  }
  return baseRegion;
}

function blendRows() {
  return BLEND_MODES.map(([mode, gco, photonMode]) => ({
    group: "blend",
    name: `blend ${mode}, 1024² overlay (soft alpha) onto a 4K base, opacity 0.9`,
    floorBytes: () => (3 * 1024 * 1024 * 4) / 2,
    alts: [
      { id: "ours", label: "ours blend() on the 1024² region", run: () => lib.blend(region(), img("overlay1024"), { mode, opacity: 0.9 }).then((r) => px(r.imageData)) },
      {
        // An editor keeps its output ImageData: no 4 MiB allocation per call.
        id: "ours-into", label: "ours blend(…, {into}) (output ImageData reused)",
        setup: async (st) => {
          st.into = new ImageData(1024, 1024);
        },
        run: (st) => lib.blend(region(), img("overlay1024"), { mode, opacity: 0.9, into: st.into }).then((r) => px(r.imageData)),
      },
      {
        id: "ours-threads-into", label: "ours blend(…, {into}), threads build (2 threads)",
        setup: async (st) => {
          const na = await threadsSetup(st);
          if (na) return na;
          st.into = st.t.image(1024, 1024);
        },
        run: (st) => st.t.lib.blend(st.t.copy(region()), st.t.copy(img("overlay1024")), { mode, opacity: 0.9, into: st.into }).then((r) => px(r.imageData)),
      },
      {
        id: "canvas", label: `Canvas 2D "${gco}" + globalAlpha 0.9 + getImageData of the region`,
        setup: async (st) => {
          st.base = await bitmap("base4k");
          st.ov = await bitmap("overlay1024");
          st.ctx = canvas2d(3840, 2160);
          st.ctx.drawImage(st.base, 0, 0);
        },
        run: (st) => {
          const { ctx } = st;
          // Restore the region from the (opaque) base, then composite and read it back.
          ctx.globalCompositeOperation = "source-over";
          ctx.globalAlpha = 1;
          ctx.drawImage(st.base, RX, RY, 1024, 1024, RX, RY, 1024, 1024);
          ctx.globalCompositeOperation = gco;
          ctx.globalAlpha = 0.9;
          ctx.drawImage(st.ov, RX, RY);
          return px(ctx.getImageData(RX, RY, 1024, 1024));
        },
      },
      {
        id: "photon", label: photonMode ? `photon blend "${photonMode}" (no opacity parameter: 100%)` : "photon blend",
        setup: async (st) => {
          if (!photonMode) return { na: `photon has no ${mode} mode` };
          st.p = await getPhoton();
        },
        run: (st) => {
          const { p } = st;
          const b = region(), o = img("overlay1024");
          const bi = new p.PhotonImage(b.data, 1024, 1024);
          const oi = new p.PhotonImage(o.data, 1024, 1024);
          p.blend(bi, oi, photonMode);
          const data = bi.get_raw_pixels();
          bi.free();
          oi.free();
          return { w: 1024, h: 1024, data };
        },
      },
    ],
  }));
}

function pipelineRows() {
  const rows = [];
  for (const [label, baseName, W, H] of [["1080p", "base1080", 1920, 1080], ["4K", "base4k", 3840, 2160]]) {
    for (const [mode, gco] of [["multiply", "multiply"], ["soft light", "soft-light"]]) {
      const body = (extra = {}) => ({
        base_image: img(baseName), overlay_image: img("overlay1024"), bg_remove_model: "None",
        rescale_factor: 0.4, resize_method: "lanczos", rotation: 30, mirror: "horizontal",
        blend_mode: mode, opacity: 90, x_percent: 50, y_percent: 50, ...extra,
      });
      rows.push({
        group: "pipeline",
        name: `superimposeV2 ${label}: overlay 1024² ×0.4 lanczos, rotate 30, mirror, ${mode} 90`,
        floorBytes: () => (2 * W * H * 4 + 1024 * 1024 * 4) / 2,
        alts: [
          { id: "ours", label: "ours superimposeV2()", run: () => lib.superimposeV2(body()).then((r) => px(r.imageData)) },
          {
            // An editor re-compositing on every pointer move keeps its output ImageData.
            id: "ours-into", label: "ours superimposeV2(body, {into}) (output ImageData reused)",
            setup: async (st) => {
              st.into = new ImageData(W, H);
            },
            run: (st) => lib.superimposeV2(body(), { into: st.into }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-threads-into", label: "ours superimposeV2(body, {into}), threads build (2 threads)",
            setup: async (st) => {
              const na = await threadsSetup(st);
              if (na) return na;
              st.into = st.t.image(W, H);
              st.body = body({ base_image: st.t.copy(img(baseName)), overlay_image: st.t.copy(img("overlay1024")) });
            },
            run: (st) => st.t.lib.superimposeV2(st.body, { into: st.into }).then((r) => px(r.imageData)),
          },
          // The interactive path: a resident scene (createScene) that an editor keeps across
          // pointer moves. Untimed `before` moves the overlay to x 51 %; the timed render moves it
          // back to 50 % (the body's place, so Δ compares the same composite).
          {
            id: "ours-scene", label: "ours Scene.render() drag step (x 51→50 %, into: dirty rect written)",
            setup: async (st) => {
              st.scene = await lib.createScene(body());
              st.into = new ImageData(W, H);
              st.scene.render({}, { into: st.into });
            },
            before: (st) => st.scene.render({ x_percent: 51 }, { into: st.into }),
            run: (st) => px(st.scene.render({ x_percent: 50 }, { into: st.into }).imageData),
            teardown: (st) => st.scene?.free(),
          },
          {
            id: "ours-scene-new", label: "ours Scene.render() drag step, a new ImageData each",
            setup: async (st) => {
              st.scene = await lib.createScene(body());
            },
            before: (st) => st.scene.render({ x_percent: 51 }),
            run: (st) => px(st.scene.render({ x_percent: 50 }).imageData),
            teardown: (st) => st.scene?.free(),
          },
          {
            id: "ours-scene-rotate", label: "ours Scene.render() rotation step (31→30°: rotate again, no resize)",
            setup: async (st) => {
              st.scene = await lib.createScene(body());
              st.into = new ImageData(W, H);
            },
            before: (st) => st.scene.render({ rotation: 31 }, { into: st.into }),
            run: (st) => px(st.scene.render({ rotation: 30 }, { into: st.into }).imageData),
            teardown: (st) => st.scene?.free(),
          },
          {
            id: "ours-threads-scene-rotate", label: "ours Scene.render() rotation step, threads build (2 threads)",
            setup: async (st) => {
              const na = await threadsSetup(st);
              if (na) return na;
              st.scene = await st.t.lib.createScene(body({ base_image: st.t.copy(img(baseName)), overlay_image: st.t.copy(img("overlay1024")) }));
              st.into = st.t.image(W, H);
            },
            before: (st) => st.scene.render({ rotation: 31 }, { into: st.into }),
            run: (st) => px(st.scene.render({ rotation: 30 }, { into: st.into }).imageData),
            teardown: (st) => st.scene?.free(),
          },
          {
            id: "ours-pool-scene", label: "ours pool Scene.render() drag step (in a worker, dirty rect sent back)",
            setup: async (st) => {
              st.pool = await getPool2(async () => {});
              st.scene = await st.pool.createScene(body());
              st.into = new ImageData(W, H);
              await st.scene.render({}, { into: st.into });
            },
            before: (st) => st.scene.render({ x_percent: 51 }, { into: st.into }),
            run: (st) => st.scene.render({ x_percent: 50 }, { into: st.into }).then((r) => px(r.imageData)),
            teardown: (st) => st.scene?.free(),
          },
          {
            id: "ours-pool2", label: "ours, pool of 2 workers (rows split)",
            setup: async (st) => {
              st.pool = await getPool2((p) => Promise.all([0, 1].map(() => p.superimposeV2(body(), { split: "always" }))));
            },
            run: (st) => st.pool.superimposeV2(body(), { split: "always" }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-pool2-one", label: "ours, pool of 2 workers (one worker, split: never)",
            setup: async (st) => {
              st.pool = await getPool2((p) => Promise.all([0, 1].map(() => p.superimposeV2(body(), { split: "never" }))));
            },
            run: (st) => st.pool.superimposeV2(body(), { split: "never" }).then((r) => px(r.imageData)),
          },
          {
            id: "ours-webgpu", label: "ours superimposeV2() (WebGPU)",
            setup: () => probeWebGPU((backend) => lib.superimposeV2({ ...body(), base_image: img("overlay1024") }, { backend })),
            run: () => lib.superimposeV2(body(), { backend: "webgpu" }).then((r) => px(r.imageData)),
          },
          {
            id: "canvas", label: `Canvas 2D transforms + "${gco}" + getImageData`,
            setup: async (st) => {
              st.base = await bitmap(baseName);
              st.ov = await bitmap("overlay1024");
              st.ctx = canvas2d(W, H);
            },
            run: (st) => {
              const { ctx } = st;
              const w1 = Math.trunc(1024 * 0.4), h1 = Math.trunc(1024 * 0.4);
              ctx.globalCompositeOperation = "source-over";
              ctx.globalAlpha = 1;
              ctx.drawImage(st.base, 0, 0);
              ctx.save();
              ctx.translate(W / 2, H / 2);
              ctx.rotate((-30 * Math.PI) / 180); // counter-clockwise on screen
              ctx.scale(-1, 1); // mirror horizontal (before the rotation, as SPEC 2.2)
              ctx.globalCompositeOperation = gco;
              ctx.globalAlpha = 0.9;
              ctx.imageSmoothingEnabled = true;
              ctx.imageSmoothingQuality = "high";
              ctx.drawImage(st.ov, -w1 / 2, -h1 / 2, w1, h1);
              ctx.restore();
              return px(ctx.getImageData(0, 0, W, H));
            },
          },
        ],
      });
    }
  }
  return rows;
}

// ---- measuring ---------------------------------------------------------------------------------

const now = () => performance.now();
const stats = (t) => {
  const s = [...t].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
};

/** Mean |Δ| over R, G, B of two outputs of the same size, or null. */
function meanAbsDiff(a, b) {
  if (!a || !b || a.w !== b.w || a.h !== b.h || a.data.length !== b.data.length) return null;
  let sum = 0;
  const n = a.data.length;
  for (let i = 0; i < n; i += 4) sum += Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
  return sum / ((n / 4) * 3);
}

async function measureFloor(bytes, runs) {
  const n = Math.round(bytes);
  const reps = Math.max(1, Math.ceil((8 << 20) / n));
  glue.benchCopy(n, 1); // allocate and touch the scratch buffer
  const t = [];
  for (let i = 0; i < Math.max(runs, 3); i++) {
    const t0 = now();
    glue.benchCopy(n, reps);
    t.push((now() - t0) / reps);
  }
  glue.benchCopy(0, 0);
  return { bytes: n, ...stats(t) };
}

async function runRow(row, { runs, warmup }) {
  const alts = row.alts.map((a) => ({ ...a, st: {}, t: [], out: null, na: null, error: null }));
  for (const a of alts) {
    try {
      const r = a.setup ? await a.setup(a.st) : null;
      if (r?.na) a.na = r.na;
    } catch (e) {
      a.na = `setup failed: ${e.code ?? e.name}: ${e.message}`;
    }
  }
  const live = alts.filter((a) => !a.na);
  const once = async (a) => {
    if (a.before) await a.before(a.st);
    const t0 = now();
    const out = await a.run(a.st);
    const dt = now() - t0;
    if (a.after) await a.after(a.st);
    a.out = out;
    return dt;
  };
  const safe = async (a, record) => {
    if (a.error) return;
    try {
      const dt = await once(a);
      if (record) a.t.push(dt);
    } catch (e) {
      a.error = `${e.code ?? e.name}: ${e.message}`;
      if (a.after) await a.after(a.st);
    }
  };
  for (let w = 0; w < warmup; w++) for (const a of live) await safe(a, false);
  for (let r = 0; r < runs; r++) {
    // Interleaved, and the order rotates each round so no alternative always runs after another.
    for (let k = 0; k < live.length; k++) await safe(live[(r + k) % live.length], true);
  }
  const floor = await measureFloor(row.floorBytes(), runs);
  const ours = alts.find((a) => a.id === "ours");
  const oursStats = ours.t.length ? stats(ours.t) : null;
  const results = alts.map((a) => {
    const base = { id: a.id, label: a.label };
    if (a.na) return { ...base, na: a.na };
    if (a.error) return { ...base, na: `failed: ${a.error}` };
    const s = stats(a.t);
    const outSize = a.out ? [a.out.w, a.out.h] : null;
    return {
      ...base, ...s, samples: a.t,
      ratio: oursStats ? s.median / oursStats.median : null,
      xFloor: s.median / floor.median,
      outSize,
      meanAbsDiffVsOurs: a === ours ? 0 : meanAbsDiff(a.out, ours.out),
    };
  });
  for (const a of alts) {
    a.out = null;
    a.teardown?.(a.st);
  }
  return { group: row.group, name: row.name, floor, results };
}

// ---- init cost ---------------------------------------------------------------------------------

/** Append a custom section named `name` so the engine's compiled-module cache cannot answer. */
function withNonce(bytes, name) {
  const n = new TextEncoder().encode(name);
  const body = [n.length, ...n]; // name length < 128: one LEB128 byte
  const sec = new Uint8Array([0, body.length, ...body]);
  const out = new Uint8Array(bytes.length + sec.length);
  out.set(bytes);
  out.set(sec, bytes.length);
  return out;
}

async function initRow({ runs, warmup }) {
  const ourBytes = new Uint8Array(await (await fetch(new URL("../../pkg/superimpose_wasm_bg.wasm", import.meta.url))).arrayBuffer());
  await getPhoton();
  let k = 0;
  const alts = [
    {
      id: "ours", label: "ours: compile + instantiate (wasm-bindgen init)",
      prep: async () => {
        const m = await import(`../../pkg/superimpose_wasm.js?init=${++k}`);
        return { m, bytes: withNonce(ourBytes, `bench-nonce-${k}`) };
      },
      run: ({ m, bytes }) => m.default({ module_or_path: bytes }),
    },
    {
      id: "photon", label: "photon: compile + instantiate",
      prep: async () => {
        const p = await loadPhoton(undefined, `init ${++k}`);
        return { p, bytes: withNonce(photonBytes, `bench-nonce-${k}`) };
      },
      run: ({ p, bytes }) => p.instantiate(bytes),
    },
    {
      id: "pica", label: "pica: init() of a new instance (its wasm: engine-cached)",
      prep: async () => ({}),
      run: () => picaFactory({ features: ["wasm"] }).init(),
    },
  ];
  const t = alts.map(() => []);
  const first = [];
  for (let r = 0; r < warmup + runs; r++) {
    for (const [i, a] of alts.entries()) {
      const ctx = await a.prep();
      const t0 = now();
      await a.run(ctx);
      const dt = now() - t0;
      if (r === 0) first[i] = dt;
      if (r >= warmup) t[i].push(dt);
    }
  }
  const ours = stats(t[0]);
  return {
    group: "init", name: "init: WebAssembly compile + instantiate (fresh bytes each run: no code cache)",
    floor: null,
    results: alts.map((a, i) => ({ id: a.id, label: a.label, ...stats(t[i]), samples: t[i], first: first[i], ratio: stats(t[i]).median / ours.median })),
  };
}

// ---- driver ------------------------------------------------------------------------------------

async function run({ runs = 11, warmup = 3, only = null } = {}) {
  await lib.init();
  const re = only ? new RegExp(only, "i") : null;
  const rows = [...resizeRows(), ...blendRows(), ...pipelineRows()].filter((r) => !re || re.test(r.name));
  const meta = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    kernelBackend: await lib.kernelBackend(),
    packageVersion: await lib.version(),
    webgpuAdapter: await adapterInfo(),
    runs, warmup,
  };
  const out = [];
  if (!re || re.test("init")) {
    $("status").textContent = "init…";
    out.push(await initRow({ runs, warmup }));
  }
  for (const [i, row] of rows.entries()) {
    $("status").textContent = `${i + 1}/${rows.length}: ${row.name}`;
    const r = await runRow(row, { runs, warmup });
    out.push(r);
    console.log(`bench ${i + 1}/${rows.length} done: ${row.name}`);
    log(`${r.name}\n${r.results.map((x) => `  ${x.label}: ${x.na ? `n/a (${x.na})` : `${x.median.toFixed(2)} ms`}`).join("\n")}`);
  }
  meta.pica = picaFeatures;
  $("status").textContent = "done";
  return { meta, rows: out };
}

window.BENCH = { run };
$("run").disabled = false;
$("run").onclick = () => run();
$("status").textContent = "ready";
window.BENCH_READY = true;
