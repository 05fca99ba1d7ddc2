// A small pool of superimpose-wasm workers: compositing off the main thread, outputs transferred
// zero-copy, cancellation with AbortSignal (a running call is stopped by replacing its worker).
import { ImageResult } from "./index.js";

function codedError(code, message, extra = {}) {
  return Object.assign(new Error(message), { name: "SuperimposeError", code, ...extra });
}

const DRAWABLES = ["HTMLImageElement", "HTMLCanvasElement", "HTMLVideoElement", "SVGImageElement"];

// Elements cannot be posted to a worker: turn them into (transferable) ImageBitmaps first.
async function postable(v) {
  if (v && typeof v === "object" && DRAWABLES.some((n) => typeof globalThis[n] === "function" && v instanceof globalThis[n])) {
    if (v instanceof globalThis.HTMLImageElement && !v.complete) await v.decode();
    return createImageBitmap(v);
  }
  return v;
}

async function postableArgs(op, args) {
  if (op === "superimposeV2" || op === "superimpose") {
    const body = { ...args[0] };
    for (const f of ["base_image", "overlay_image", "mask"]) if (body[f] != null) body[f] = await postable(body[f]);
    return [body, ...args.slice(1).map(() => undefined)]; // options (signal) stay on this side
  }
  return Promise.all(args.map(postable));
}

/**
 * Start `size` workers (default: hardware threads − 1, 1–4).
 * @param {{size?: number, workerUrl?: string | URL}} [opts]
 */
export function createWorkerPool({ size, workerUrl } = {}) {
  const n = Math.max(1, Math.min(size ?? Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1), 8));
  const url = workerUrl ?? new URL("./worker.js", import.meta.url);
  const slots = [];
  const queue = [];
  let nextId = 1;
  let closed = false;

  const spawn = (slot) => {
    slot.worker = new Worker(url, { type: "module" });
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
      slot.worker.postMessage({ id: job.id, op: job.op, args: job.args }, job.transfer);
    }
  }

  function call(op, args, signal) {
    if (closed) return Promise.reject(codedError("E_UNSUPPORTED", "the worker pool is terminated"));
    if (signal?.aborted) return Promise.reject(codedError("E_ABORTED", "aborted before it started"));
    return postableArgs(op, args).then(
      (posted) =>
        new Promise((resolve, reject) => {
          const job = { id: nextId++, op, args: posted, transfer: [], resolve, reject, slot: null, cleanup: () => {} };
          for (const a of posted.flatMap((x) => (x && typeof x === "object" ? [x, ...Object.values(x)] : []))) {
            if (typeof ImageBitmap === "function" && a instanceof ImageBitmap) job.transfer.push(a);
          }
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
      return r;
    }
    return v.kind === "bytes" ? v.data : v.value;
  };

  return {
    size: n,
    /** Superimpose v2 in a worker. */
    superimposeV2: (body, { signal } = {}) => call("superimposeV2", [body], signal).then(image),
    /** Superimpose v1 in a worker. */
    superimpose: (body, { signal } = {}) => call("superimpose", [body], signal).then(image),
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
