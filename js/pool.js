// A small pool of superimpose-wasm workers: compositing off the main thread, outputs transferred
// zero-copy, cancellation with AbortSignal (a running call is stopped by replacing its worker).
import { ImageResult } from "./index.js";

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

  const spawn = (slot) => {
    slot.worker = newWorker();
    slot.worker.onmessage = ({ data }) => {
      const job = slot.job;
      if (!job || data.id !== job.id) return;
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

  function call(op, args, signal) {
    if (closed) return Promise.reject(codedError("E_UNSUPPORTED", "the worker pool is terminated"));
    if (signal?.aborted) return Promise.reject(codedError("E_ABORTED", "aborted before it started"));
    const transfer = [];
    return postableArgs(op, args, transfer).then(
      (posted) =>
        new Promise((resolve, reject) => {
          if (closed) return reject(codedError("E_ABORTED", "the worker pool was terminated"));
          // The signal may have fired while inputs were being prepared.
          if (signal?.aborted) return reject(codedError("E_ABORTED", `${op} was aborted`));
          const job = { id: nextId++, op, args: posted, transfer, resolve, reject, slot: null, cleanup: () => {} };
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
    /** Superimpose v2 in a worker. */
    superimposeV2: (body, { signal, backend, baseKey } = {}) =>
      call("superimposeV2", [body, { backend, baseKey }], signal).then(image),
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
