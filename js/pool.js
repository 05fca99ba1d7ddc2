// A small pool of superimpose-wasm workers: compositing off the main thread, outputs transferred
// zero-copy, cancellation with AbortSignal (a running call is stopped by replacing its worker).
import { ImageResult } from "./index.js";
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
  return v;
}

async function postableArgs(op, args, transfer) {
  if (op === "superimposeV2" || op === "superimpose") {
    const body = { ...args[0] };
    for (const f of ["base_image", "overlay_image", "mask"]) if (body[f] != null) body[f] = await postable(body[f], transfer);
    const o = args[1]; // the signal stays on this side; backend / baseKey travel
    return [body, o ? { backend: o.backend, baseKey: o.baseKey } : undefined];
  }
  return Promise.all(args.map((a) => postable(a, transfer)));
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
      const job = queue.shift();
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

  function call(op, args, signal, onProgress) {
    if (closed) return Promise.reject(codedError("E_UNSUPPORTED", "the worker pool is terminated"));
    if (signal?.aborted) return Promise.reject(codedError("E_ABORTED", "aborted before it started"));
    const transfer = [];
    return postableArgs(op, args, transfer).then(
      (posted) =>
        new Promise((resolve, reject) => {
          if (closed) return reject(codedError("E_ABORTED", "the worker pool was terminated"));
          // The signal may have fired while inputs were being prepared.
          if (signal?.aborted) return reject(codedError("E_ABORTED", `${op} was aborted`));
          const job = { id: nextId++, op, args: posted, transfer, resolve, reject, slot: null, cleanup: () => {}, onProgress };
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

  const image = (v) => {
    if (v.kind === "image") {
      const px = new Uint8ClampedArray(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      const data = typeof ImageData === "function" ? new ImageData(px, v.width, v.height) : { width: v.width, height: v.height, data: px };
      const r = new ImageResult(data, v.warnings);
      r.ms = v.ms;
      if (v.backendUsed !== undefined) r.backendUsed = v.backendUsed;
      if (v.gpuFallbackReason !== undefined) r.gpuFallbackReason = v.gpuFallbackReason;
      return r;
    }
    return v.kind === "bytes" ? v.data : v.value;
  };

  return {
    size: n,
    /** Superimpose v2 in a worker (runs the background-removal model registered in the pool). */
    superimposeV2: (body, { signal, onProgress, backend, baseKey } = {}) =>
      call("superimposeV2", [body, { backend, baseKey }], signal, onProgress).then(image),
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
    resize: (img, opts, { signal } = {}) => call("resize", [img, opts], signal).then(image),
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
