// A small pool of superimpose-wasm workers: compositing off the main thread, outputs transferred
// zero-copy, cancellation with AbortSignal (a running call is stopped by replacing its worker).
import { ImageResult, _sceneFixed, _sceneChanges, _intoOwner, _intoHeldBy } from "./index.js";
import { checkRegistration } from "./bg.js";

function codedError(code, message, extra = {}) {
  return Object.assign(new Error(message), { name: "SuperimposeError", code, ...extra });
}

const DRAWABLES = ["HTMLImageElement", "HTMLCanvasElement", "HTMLVideoElement", "SVGImageElement", "OffscreenCanvas"];

// What cannot be posted to a worker is turned into something that can: elements and
// OffscreenCanvas (not cloneable while it has a context) into ImageBitmaps, which the pool
// creates and therefore may transfer; URL objects into their href. The caller's own objects
// (ImageBitmaps, buffers) are cloned, never transferred, so they stay usable.
async function postable(v, transfer) {
  if (v && typeof v === "object" && DRAWABLES.some((n) => typeof globalThis[n] === "function" && v instanceof globalThis[n])) {
    if (v instanceof globalThis.HTMLImageElement && !v.complete) await v.decode();
    const bmp = await createImageBitmap(v);
    transfer.push(bmp);
    return bmp;
  }
  if (typeof URL === "function" && v instanceof URL) return v.href;
  // Pixels: a copy of the caller's buffer, transferred. A structured clone copies twice
  // (serialise, deserialise): copy + transfer costs about 40 % of it (12 MB: 10 vs 25 ms).
  if (isPixels(v)) {
    const data = v.data.slice();
    transfer.push(data.buffer);
    return { width: v.width, height: v.height, data };
  }
  return v;
}

async function postableArgs(op, args, transfer) {
  if (op === "superimposeV2" || op === "superimpose" || op === "sceneCreate") {
    const body = { ...args[0] };
    for (const f of ["base_image", "overlay_image", "mask"]) if (body[f] != null) body[f] = await postable(body[f], transfer);
    const o = args[1]; // the signal stays on this side; backend / baseKey / pipeline travel
    return [body, o ? { backend: o.backend, baseKey: o.baseKey, pipeline: o.pipeline } : undefined];
  }
  return Promise.all(args.map((a) => postable(a, transfer)));
}

// ---------------------------------------------------------------------------------------------
// Row split (README "Using both cores"): a large resize or superimposeV2 is cut into one band of
// output rows per worker; each worker gets only what its band needs and the bands are assembled
// into one result, byte-identical to the single call (the bands are computed by the core's
// band entry points, tested equal to the full call).

/** Split when a call touches at least this many pixels (source + output for resize, base +
 * overlay for superimposeV2): below it, posting and assembling cost more than they save. */
export const SPLIT_MIN_PIXELS = 500_000;
const SPLIT_MODES = ["auto", "never", "always"];

function isPixels(v) {
  return v != null && typeof v === "object" && Number.isInteger(v.width) && Number.isInteger(v.height) &&
    (v.data instanceof Uint8ClampedArray || v.data instanceof Uint8Array) && v.data.length === v.width * v.height * 4;
}

function checkSplit(split) {
  if (!SPLIT_MODES.includes(split)) {
    throw Object.assign(codedError("E_PARAM_ENUM", `\`split\` must be one of "auto", "never", "always"; got ${JSON.stringify(split)}`), { param: "split" });
  }
}

/** `n` bands `[y0, y1)` of `h` rows, as equal as possible (fewer when h < n). */
function bandsOf(h, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const y0 = Math.floor((i * h) / n);
    const y1 = Math.floor(((i + 1) * h) / n);
    if (y1 > y0) out.push([y0, y1]);
  }
  return out;
}

const SUPPORT = { box: 0.5, bilinear: 1, bicubic: 2, lanczos: 3 };

/**
 * A superset of the source rows that output rows [y0, y1) of a resize inH → outH read (Pillow's
 * window bounds, widened by 2 rows for rounding); the core checks the rows it is given and
 * reports E_PARAM_RANGE if any is missing, so this can only cost speed, never bytes.
 */
function resizeSourceRows(inH, outH, filter, y0, y1) {
  if (inH === outH) return [y0, y1];
  const scale = inH / outH;
  const support = filter === "nearest" ? 0.5 : (SUPPORT[filter] ?? 2) * Math.max(scale, 1);
  const lo = Math.floor((y0 + 0.5) * scale - support) - 2;
  const hi = Math.ceil((y1 - 0.5) * scale + support) + 2;
  return [Math.max(0, lo), Math.min(inH, Math.max(hi, lo + 1))];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A copy of RGBA bytes with every alpha 255 (what the pipelines do to the base, SPEC 0). */
function opaqueCopy(src) {
  const out = new Uint8ClampedArray(src.length);
  if (LITTLE_ENDIAN && src.byteOffset % 4 === 0) {
    const s32 = new Uint32Array(src.buffer, src.byteOffset, src.length >> 2);
    const o32 = new Uint32Array(out.buffer);
    for (let i = 0; i < s32.length; i++) o32[i] = s32[i] | 0xff000000;
  } else {
    out.set(src);
    for (let i = 3; i < out.length; i += 4) out[i] = 255;
  }
  return out;
}

/** The pixels [x0, x1) × [y0, y1) of an RGBA image as a new buffer. */
function cropOf(img, x0, y0, x1, y1) {
  const w = x1 - x0;
  const data = new Uint8ClampedArray(w * (y1 - y0) * 4);
  for (let y = y0; y < y1; y++) {
    const at = (y * img.width + x0) * 4;
    data.set(img.data.subarray(at, at + w * 4), (y - y0) * w * 4);
  }
  return { width: w, height: y1 - y0, data };
}

/** Pixels as a copy whose buffer goes in `transfer` (the caller's stays intact). */
function postableSync(v, transfer) {
  const data = v.data.slice();
  transfer.push(data.buffer);
  return { width: v.width, height: v.height, data };
}

/** Rows [y0, y1) of an RGBA image as a new buffer (transferable; the caller's stays intact). */
function rowsOf(img, y0, y1) {
  const stride = img.width * 4;
  return { width: img.width, height: y1 - y0, data: img.data.slice(y0 * stride, y1 * stride) };
}

/**
 * Start `size` workers (default: hardware threads − 1, 1–4).
 * @param {{size?: number, workerUrl?: string | URL}} [opts]
 */
export function createWorkerPool({ size, workerUrl } = {}) {
  const n = Math.max(1, Math.min(size ?? Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1), 8));
  // Written out literally so that bundlers (Vite, webpack 5, Parcel) recognise the pattern
  // `new Worker(new URL("./worker.js", import.meta.url), {type: "module"})` and emit the worker
  // with its imports; a URL held in a variable is copied as a bare asset whose imports 404.
  const newWorker = () =>
    workerUrl
      ? new Worker(workerUrl, { type: "module" })
      : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const slots = [];
  const queue = [];
  let nextId = 1;
  let closed = false;
  // Background-removal setup every worker gets, also a worker started again after an abort:
  // messages with id 0 (no job waits for their answers); each worker handles them in order,
  // before any job posted after them.
  const setup = { ort: null, models: new Map(), limits: {} };
  const setupMessages = () => [
    ...Object.entries(setup.limits).map(([op, v]) => ({ id: 0, op, args: [v] })),
    ...(setup.ort ? [{ id: 0, op: "configureOnnxRuntime", args: [setup.ort] }] : []),
    ...[...setup.models].map(([name, opts]) =>
      opts ? { id: 0, op: "registerBackgroundModel", args: [name, opts] } : { id: 0, op: "unregisterBackgroundModel", args: [name] }),
  ];
  const broadcast = (msg) => slots.forEach((s) => s.worker.postMessage(msg));

  const spawn = (slot) => {
    slot.worker = newWorker();
    slot.gen = (slot.gen ?? 0) + 1; // a new worker: the scenes of the old one are gone
    for (const m of setupMessages()) slot.worker.postMessage(m);
    slot.worker.onmessage = ({ data }) => {
      const job = slot.job;
      if (!job || data.id !== job.id) return;
      if (data.progress) return job.onProgress?.(data.progress);
      slot.job = null;
      job.cleanup();
      if (data.ok) job.resolve(data.value);
      else job.reject(Object.assign(new Error(data.error.message), data.error));
      pump();
    };
    slot.worker.onerror = (ev) => {
      const job = slot.job;
      slot.job = null;
      slot.worker.terminate();
      spawn(slot);
      if (job) {
        job.cleanup();
        job.reject(codedError("E_INTERNAL", `worker failed: ${ev.message ?? "unknown error"}`));
      }
      pump();
    };
  };
  for (let i = 0; i < n; i++) {
    const slot = { worker: null, job: null };
    spawn(slot);
    slots.push(slot);
  }

  function pump() {
    for (const slot of slots) {
      if (slot.job || !queue.length) continue;
      // A scene's calls are pinned to the worker that holds it.
      const k = queue.findIndex((j) => !j.pin || j.pin === slot);
      if (k < 0) continue;
      const [job] = queue.splice(k, 1);
      slot.job = job;
      job.slot = slot;
      try {
        slot.worker.postMessage({ id: job.id, op: job.op, args: job.args }, job.transfer);
      } catch (e) {
        // e.g. a DataCloneError for an input that cannot cross to a worker: this call fails,
        // the slot stays free for the next one.
        slot.job = null;
        job.cleanup();
        job.reject(codedError("E_IMAGE_INPUT", `cannot send this input to a worker: ${e?.message ?? e}`));
      }
    }
  }

  function call(op, args, signal, onProgress, ready, pin) {
    if (closed) return Promise.reject(codedError("E_UNSUPPORTED", "the worker pool is terminated"));
    if (signal?.aborted) return Promise.reject(codedError("E_ABORTED", "aborted before it started"));
    const transfer = ready ? ready.transfer : [];
    return (ready ? Promise.resolve(args) : postableArgs(op, args, transfer)).then(
      (posted) =>
        new Promise((resolve, reject) => {
          if (closed) return reject(codedError("E_ABORTED", "the worker pool was terminated"));
          // The signal may have fired while inputs were being prepared.
          if (signal?.aborted) return reject(codedError("E_ABORTED", `${op} was aborted`));
          const job = { id: nextId++, op, args: posted, transfer, resolve, reject, slot: null, cleanup: () => {}, onProgress, pin };
          if (signal) {
            const onAbort = () => {
              const i = queue.indexOf(job);
              if (i >= 0) queue.splice(i, 1);
              else if (job.slot && job.slot.job === job) {
                // The wasm call is synchronous inside the worker: stop it by replacing the worker.
                job.slot.job = null;
                job.slot.worker.terminate();
                spawn(job.slot);
              }
              reject(codedError("E_ABORTED", `${op} was aborted`));
              pump();
            };
            signal.addEventListener("abort", onAbort, { once: true });
            job.cleanup = () => signal.removeEventListener("abort", onAbort);
          }
          queue.push(job);
          pump();
        }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Row split

  let gpuRunsAuto = false; // a band said "auto" would run on WebGPU: don't split "auto" calls

  /** Any accepted image input → RGBA pixels, decoded once (by a worker when it is encoded). */
  async function pixelsOf(v, field, signal) {
    if (isPixels(v)) return v;
    try {
      const r = await call("decode", [v], signal);
      return { width: r.width, height: r.height, data: r.data };
    } catch (e) {
      if (field && e && typeof e === "object" && e.param === undefined && e.code !== "E_ABORTED") {
        e.param = field;
        e.message = `\`${field}\`: ${e.message}`;
      }
      throw e;
    }
  }

  /** Post the bands (one call each, all with `signal`), resolve to one assembled image. */
  async function runBands(op, width, height, bands, argsOf, signal) {
    const t0 = performance.now();
    const parts = await Promise.all(
      bands.map(([y0, y1]) => {
        const { args, transfer } = argsOf(y0, y1);
        return call(op, args, signal, undefined, { transfer });
      }),
    );
    const data = new Uint8ClampedArray(width * height * 4);
    parts.forEach((p, i) => {
      if (p.kind !== "image" || p.width !== width || p.height !== bands[i][1] - bands[i][0]) {
        throw codedError("E_INTERNAL", `${op}: band ${i} came back with the wrong size`);
      }
      data.set(p.data, bands[i][0] * width * 4);
    });
    const first = parts[0];
    return { kind: "image", width, height, data, warnings: first.warnings ?? [], ms: performance.now() - t0,
      backendUsed: first.backendUsed, gpuFallbackReason: first.gpuFallbackReason, bandMs: parts.map((p) => p.ms) };
  }

  /**
   * Run a split-capable call: refused at once by a terminated pool (as `call` does); a call
   * the pool was terminated under while it prepared its inputs rejects with E_ABORTED, as a
   * pending call does.
   */
  async function whileOpen(fn, ...args) {
    if (closed) throw codedError("E_UNSUPPORTED", "the worker pool is terminated");
    try {
      return await fn(...args);
    } catch (e) {
      if (closed && e?.code === "E_UNSUPPORTED") throw codedError("E_ABORTED", "the worker pool was terminated");
      throw e;
    }
  }

  const bandCount = (split) => Math.max(split === "always" ? 2 : 1, slots.length);

  async function resizeSplit(img, opts = {}, { signal, split = "auto" } = {}) {
    checkSplit(split);
    if (split === "never" || (split === "auto" && slots.length < 2)) return call("resize", [img, opts], signal);
    if (signal?.aborted) throw codedError("E_ABORTED", "resize was aborted");
    const src = await pixelsOf(img, undefined, signal);
    const o = opts ?? {};
    const width = o.width ?? src.width;
    const height = o.height ?? src.height;
    const filter = o.filter ?? "bicubic";
    const sane = [width, height].every((v) => Number.isSafeInteger(v) && v >= 1) && typeof filter === "string";
    const work = src.width * src.height + (sane ? width * height : 0);
    // Anything unusual (and small calls) goes to one worker, which validates it as usual.
    if (!sane || (split === "auto" && work < SPLIT_MIN_PIXELS)) return call("resize", [src, o], signal);
    const bands = bandsOf(height, bandCount(split));
    return runBands("resizeBand", width, height, bands, (y0, y1) => {
      const [r0, r1] = resizeSourceRows(src.height, height, filter, y0, y1);
      const rows = rowsOf(src, r0, r1);
      return {
        args: [rows, { ...o, width, height, filter, y0, y1, srcY0: r0, srcHeight: src.height }],
        transfer: [rows.data.buffer],
      };
    }, signal);
  }

  async function superimposeV2Split(body, { signal, onProgress, backend, baseKey, split = "auto" } = {}) {
    checkSplit(split);
    const single = () => call("superimposeV2", [body, { backend, baseKey }], signal, onProgress);
    if (split === "never" || (split === "auto" && slots.length < 2)) return single();
    if (body == null || typeof body !== "object" || body.base64 === true) return single();
    const be = backend ?? "auto";
    if (be !== "cpu" && be !== "auto") return single();
    if (split === "auto" && be === "auto" && gpuRunsAuto) return single();
    // A registered background-removal model runs once on the whole overlay (SPEC 2.3): no split.
    const model = body.bg_remove_model === undefined ? "Bria" : body.bg_remove_model;
    if (body.mask == null && model !== "None" && setup.models.get(model)) return single();
    if (signal?.aborted) throw codedError("E_ABORTED", "superimposeV2 was aborted");
    if (body.base_image == null || body.overlay_image == null) return single(); // reported there
    const fields = {};
    for (const f of ["base_image", "overlay_image", "mask"]) {
      if (body[f] != null) fields[f] = isPixels(body[f]) ? body[f] : await postable(body[f], []).then((v) => pixelsOf(v, f, signal));
    }
    const base = fields.base_image;
    const work = base.width * base.height + fields.overlay_image.width * fields.overlay_image.height;
    const whole = { ...body, ...fields };
    if (split === "auto" && work < SPLIT_MIN_PIXELS) {
      return call("superimposeV2", [whole, { backend, baseKey }], signal, onProgress);
    }
    const n = bandCount(split);
    const ov = fields.overlay_image;
    try {
      // Phase 1: the overlay mirrored, masked and scaled, one band of its rows per worker (a
      // rotated overlay's row band would need most of it in every worker otherwise).
      const placeholder = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
      const partsP = Promise.all(Array.from({ length: n }, (_, part) => {
        const transfer = [];
        const body1 = { ...whole, base_image: placeholder };
        for (const f of ["overlay_image", "mask"]) if (body1[f]) body1[f] = postableSync(body1[f], transfer);
        return call("superimposeV2ScaledRows", [body1, { part, parts: n, baseWidth: base.width, baseHeight: base.height }], signal, undefined, { transfer });
      }));
      // While the workers scale: the result starts as the base made opaque (what the single
      // call leaves outside the overlay's rectangle), in one pass here.
      const data = opaqueCopy(base.data);
      const parts = await partsP;
      const { scaledWidth: w1, scaledHeight: h1, left, top, preparedWidth: w2, preparedHeight: h2 } = parts[0];
      if (![w1, h1, left, top, w2, h2].every(Number.isSafeInteger)) throw codedError("E_INTERNAL", "superimposeV2: the first phase gave no geometry");
      const scaledData = new Uint8ClampedArray(w1 * h1 * 4);
      for (const p of parts) if (p.y1 > p.y0) scaledData.set(p.data, p.y0 * w1 * 4);
      const scaled = { width: w1, height: h1, data: scaledData };
      // Phase 2: only the overlay's rectangle on the base is composited, one band of its rows
      // per worker (each rotates its rows of the scaled overlay).
      const W = base.width, H = base.height;
      const rx0 = Math.max(left, 0), rx1 = Math.min(left + w2, W);
      const ry0 = Math.max(top, 0), ry1 = Math.min(top + h2, H);
      const empty = !(rx0 < rx1 && ry0 < ry1);
      // (An overlay wholly off the base: one 1-px call still gives the single call's backend fields.)
      const rect = empty ? [0, 0, 1, 1] : [rx0, ry0, rx1, ry1];
      const bands = bandsOf(rect[3] - rect[1], n).map(([a, b]) => [rect[1] + a, rect[1] + b]);
      const t0 = performance.now();
      const done = await Promise.all(bands.map(([y0, y1]) => {
        const crop = cropOf(base, rect[0], y0, rect[2], y1);
        const transfer = [crop.data.buffer];
        const args = [{ ...whole, base_image: crop, overlay_image: postableSync(scaled, transfer), mask: undefined },
          { x0: rect[0], y0, baseWidth: W, baseHeight: H, backend: be, overlayWidth: ov.width, overlayHeight: ov.height }];
        return call("superimposeV2BandScaled", args, signal, undefined, { transfer });
      }));
      const cw = rect[2] - rect[0];
      if (!empty) {
        done.forEach((p, i) => {
          const [y0, y1] = bands[i];
          if (p.kind !== "image" || p.width !== cw || p.height !== y1 - y0) throw codedError("E_INTERNAL", "superimposeV2: a band came back with the wrong size");
          for (let r = 0; r < p.height; r++) data.set(p.data.subarray(r * cw * 4, (r + 1) * cw * 4), ((y0 + r) * W + rect[0]) * 4);
        });
      }
      return { kind: "image", width: W, height: H, data, warnings: parts[0].warnings ?? [], ms: performance.now() - t0,
        backendUsed: done[0].backendUsed, gpuFallbackReason: done[0].gpuFallbackReason,
        bandMs: [...parts.map((p) => p.ms), ...done.map((p) => p.ms)] };
    } catch (e) {
      if (e?.code !== "E_UNSUPPORTED" || closed) throw e;
      // "auto" would run on WebGPU here: the single call does that.
      gpuRunsAuto = true;
      return call("superimposeV2", [whole, { backend, baseKey }], signal, onProgress);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Scenes in workers

  let nextSceneSlot = 0;
  // A scene dropped without free() is released in its worker when its PoolScene is collected.
  const sceneRegistry = typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry(({ slot, gen, id }) => {
      if (slot.gen === gen && !closed) call("sceneFree", [id], undefined, undefined, { transfer: [] }, slot).catch(() => {});
    })
    : null;

  /** A scene held by one worker; renders send back only the changed rectangle. */
  class PoolScene {
    #slot;
    #gen;
    #id;
    #written = {}; // a new token after every render: only the image written last holds the frame
    #freed = false;
    #fixed;
    constructor(slot, v, fixed) {
      this.#fixed = fixed;
      this.#slot = slot;
      this.#gen = slot.gen;
      this.#id = v.id;
      sceneRegistry?.register(this, { slot, gen: slot.gen, id: v.id }, this);
      /** The frame's width and height (the base's). */
      this.width = v.width;
      this.height = v.height;
      /** The body's warnings (as superimposeV2's). */
      this.warnings = v.warnings;
    }
    /**
     * As `Scene.render`, in the scene's worker: resolves an ImageResult with `dirty` and `ms`
     * (time in the worker). With `into` = the image the previous render wrote, only the changed
     * rectangle crosses threads and is written; otherwise the whole frame does.
     */
    async render(changes, { into, full = false, signal } = {}) {
      if (this.#freed) throw codedError("E_UNSUPPORTED", "this scene was freed (scene.free())", { param: "scene" });
      if (this.#slot.gen !== this.#gen) {
        throw codedError("E_UNSUPPORTED", "this scene's worker was restarted (an aborted call); create the scene again", { param: "scene" });
      }
      if (typeof full !== "boolean") throw codedError("E_PARAM_TYPE", "`full` must be a boolean", { param: "full" });
      const { width: w, height: h } = this;
      const fits = into != null && into.width === w && into.height === h && into.data?.length === w * h * 4;
      const synced = fits && !full && _intoHeldBy(into, this.#written);
      const posted = _sceneChanges(changes ?? {}, this.#fixed);
      const v = await call("sceneRender", [this.#id, posted, !synced], signal, undefined, { transfer: [] }, this.#slot);
      const whole = { x: 0, y: 0, width: w, height: h };
      this.#written = {};
      let img;
      if (fits) {
        img = into;
        const d = v.dirty;
        if (d) {
          const row = d.width * 4;
          for (let y = 0; y < d.height; y++) into.data.set(v.data.subarray(y * row, (y + 1) * row), ((d.y + y) * w + d.x) * 4);
        }
        _intoOwner.set(into, [this.#written, into.data]);
      } else {
        // The worker sent the whole frame (not synced): it becomes the new image, no copy.
        img = typeof ImageData === "function" ? new ImageData(v.data, w, h) : { width: w, height: h, data: v.data };
      }
      const r = new ImageResult(img, this.warnings);
      r.dirty = synced ? v.dirty : whole;
      r.ms = v.ms;
      r.backendUsed = "cpu";
      return r;
    }
    /** Release the scene in its worker (later renders reject with E_UNSUPPORTED). Idempotent. */
    free() {
      if (this.#freed) return;
      this.#freed = true;
      sceneRegistry?.unregister(this);
      if (this.#slot.gen === this.#gen && !closed) call("sceneFree", [this.#id], undefined, undefined, { transfer: [] }, this.#slot).catch(() => {});
    }
  }

  const image = (v) => {
    if (v.kind === "image") {
      const px = new Uint8ClampedArray(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      const data = typeof ImageData === "function" ? new ImageData(px, v.width, v.height) : { width: v.width, height: v.height, data: px };
      const r = new ImageResult(data, v.warnings);
      r.ms = v.ms;
      if (v.backendUsed !== undefined) r.backendUsed = v.backendUsed;
      if (v.gpuFallbackReason !== undefined) r.gpuFallbackReason = v.gpuFallbackReason;
      if (v.bandMs !== undefined) r.bandMs = v.bandMs;
      return r;
    }
    return v.kind === "bytes" ? v.data : v.value;
  };

  return {
    size: n,
    /**
     * Superimpose v2 in a worker (runs the background-removal model registered in the pool).
     * Large CPU calls are split by rows across the workers (`split`: "auto" | "never" | "always").
     */
    superimposeV2: (body, opts = {}) => whileOpen(superimposeV2Split, body, opts).then(image),
    /**
     * A resident Superimpose v2 scene in one of the workers (as `createScene`; background removal
     * runs there too). Its renders are asynchronous and keep the main thread free; with a reused
     * `into` only the changed rectangle crosses threads.
     */
    async createScene(body, { signal, onProgress, pipeline } = {}) {
      const slot = slots[nextSceneSlot++ % slots.length];
      const v = await call("sceneCreate", [body, { pipeline }], signal, onProgress, undefined, slot);
      return new PoolScene(slot, v.value, _sceneFixed(body));
    },
    /** `removeBackground` in a worker. */
    removeBackground: (img, { model, signal, onProgress } = {}) =>
      call("removeBackground", [img, { model }], signal, onProgress).then(image),
    /**
     * Register a background-removal model in every worker (and in workers started later). Takes
     * `{url | bytes, preprocess, executionProviders, cache}`; progress and cancellation are per
     * call (`superimposeV2(body, {onProgress, signal})`). Bytes are copied to each worker: prefer a URL.
     */
    registerBackgroundModel(name, opts) {
      const c = checkRegistration(name, opts);
      const posted = { url: c.url, bytes: c.bytes, preprocess: c.preprocess, executionProviders: c.executionProviders, cache: c.cache };
      setup.models.set(name, posted);
      broadcast({ id: 0, op: "registerBackgroundModel", args: [name, posted] });
    },
    /** Remove a registration from every worker. */
    unregisterBackgroundModel(name) {
      setup.models.set(name, null);
      broadcast({ id: 0, op: "unregisterBackgroundModel", args: [name] });
    },
    /** `configureOnnxRuntime` in every worker (`moduleUrl`, `wasmPaths`, `numThreads`; not `module`). */
    configureOnnxRuntime(opts = {}) {
      const { moduleUrl, wasmPaths, numThreads } = opts;
      const given = Object.entries({ moduleUrl, wasmPaths, numThreads }).filter(([, v]) => v !== undefined);
      setup.ort = { ...setup.ort, ...Object.fromEntries(given) };
      broadcast({ id: 0, op: "configureOnnxRuntime", args: [setup.ort] });
    },
    /**
     * Set `maxPixels` and/or `memoryBudget` (bytes, ≥ 1 MiB) in every worker, also ones started
     * later: each worker's module has its own limits. Invalid values throw E_PARAM_RANGE here.
     */
    setLimits({ maxPixels, memoryBudget } = {}) {
      const whole = (v, min, name) => {
        if (!(Number.isSafeInteger(v) && v >= min)) {
          throw Object.assign(codedError("E_PARAM_RANGE", `\`${name}\` must be a whole number ≥ ${min}; got ${v}`), { param: name });
        }
      };
      if (maxPixels !== undefined) whole(maxPixels, 1, "maxPixels");
      if (memoryBudget !== undefined) whole(memoryBudget, 1 << 20, "memoryBudget");
      for (const [op, v] of [["setMaxPixels", maxPixels], ["setMemoryBudget", memoryBudget]]) {
        if (v === undefined) continue;
        setup.limits[op] = v;
        broadcast({ id: 0, op, args: [v] });
      }
    },
    /** Superimpose v1 in a worker. */
    superimpose: (body, { signal, backend, baseKey } = {}) =>
      call("superimpose", [body, { backend, baseKey }], signal).then(image),
    /** `resize` in a worker; large calls are split by rows across the workers (`split`). */
    resize: (img, opts, callOpts = {}) => whileOpen(resizeSplit, img, opts, callOpts).then(image),
    rotate: (img, opts, { signal } = {}) => call("rotate", [img, opts], signal).then(image),
    blend: (a, b, opts, { signal } = {}) => call("blend", [a, b, opts], signal).then(image),
    encode: (img, opts, { signal } = {}) => call("encode", [img, opts], signal).then(image),
    kernelBackend: () => call("kernelBackend", []).then(image),
    /** Stop every worker; pending calls reject with E_ABORTED. */
    terminate() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(codedError("E_ABORTED", "the worker pool was terminated"));
      for (const s of slots) {
        if (s.job) s.job.reject(codedError("E_ABORTED", "the worker pool was terminated"));
        s.worker.terminate();
      }
    },
  };
}
