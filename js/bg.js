// Background removal for Superimpose V2 (SPEC 2.3 step 2, 2.4): thin glue over onnxruntime-web.
//
// The Rust core does every deterministic step (src/bgmask.rs): the input tensor (`bgPrepare`) and
// the matte from the model's output (`superimposeV2(body, output)`, `bgApplyMask`). This file only
// fetches (and caches) model bytes, creates the onnxruntime session and runs it.
//
// onnxruntime-web is an OPTIONAL peer dependency, imported lazily on the first model use (never
// when no model is registered). Node and import maps resolve the bare `onnxruntime-web`; with a
// bundler pass the module (`configureOnnxRuntime({module})`) or a URL to it (`moduleUrl`, also for
// workers) and, when its .wasm files are not next to its .mjs, their folder (`wasmPaths`, which
// sets `ort.env.wasm.wasmPaths`).
import { core as wasm } from "./core.js";

const CACHE_NAME = "superimpose-wasm-models-v1";
const ORT_SPECIFIER = "onnxruntime-web";
const PREPROCESS = ["isnet", "u2net", "rmbg2"];
const registry = new Map();
let ortConfig = {};
let ortPromise = null;

function codedError(code, message, extra = {}) {
  return Object.assign(new Error(message), { name: "SuperimposeError", code, ...extra });
}

function aborted(signal, what) {
  if (signal?.aborted) throw codedError("E_ABORTED", `${what} was aborted`);
}

/** Reject as soon as `signal` fires, whatever `p` does (its late result is dropped). */
function raceAbort(p, signal, what) {
  if (!signal) return p;
  p.catch(() => {}); // a late failure of `p` after an abort is nobody's to handle
  aborted(signal, what);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(codedError("E_ABORTED", `${what} was aborted`));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/**
 * Where onnxruntime-web comes from and how it runs. Call before the first model use.
 * `module`: the imported onnxruntime-web module; `moduleUrl`: a URL to import it from (also
 * usable in workers, where a module object cannot be sent); `wasmPaths`: sets
 * `ort.env.wasm.wasmPaths` (the folder, or per-file URLs, of its .wasm/.mjs files);
 * `numThreads`: `ort.env.wasm.numThreads` (default 1 unless the page is cross-origin isolated).
 * @param {{module?: object, moduleUrl?: string, wasmPaths?: string | object, numThreads?: number}} opts
 */
export function configureOnnxRuntime(opts = {}) {
  ortConfig = { ...ortConfig, ...opts };
  if (opts.module || opts.moduleUrl) ortPromise = null;
}

async function loadOrt() {
  if (!ortPromise) {
    ortPromise = (async () => {
      let ort = ortConfig.module;
      if (!ort) {
        try {
          // The specifier is a variable so that bundlers leave it alone: an app that bundles
          // onnxruntime-web passes it with configureOnnxRuntime({module}) instead (this keeps the
          // package free of a build-time dependency on it, and worker bundles free of chunks).
          const spec = ortConfig.moduleUrl ?? ORT_SPECIFIER;
          ort = await import(/* @vite-ignore */ /* webpackIgnore: true */ spec);
        } catch (e) {
          throw codedError(
            "E_MODEL_UNAVAILABLE",
            `background removal needs onnxruntime-web (an optional peer dependency): npm install onnxruntime-web, ` +
              `or pass it with configureOnnxRuntime({module}) (${e?.message ?? e})`,
          );
        }
      }
      ort = ort.default?.InferenceSession ? ort.default : ort;
      if (ortConfig.wasmPaths !== undefined) ort.env.wasm.wasmPaths = ortConfig.wasmPaths;
      // Threads need SharedArrayBuffer, which browsers only give cross-origin-isolated pages.
      const isNode = typeof process !== "undefined" && !!process.versions?.node;
      const isolated = globalThis.crossOriginIsolated === true || isNode;
      const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
      ort.env.wasm.numThreads = ortConfig.numThreads ?? (isolated && typeof SharedArrayBuffer === "function" ? Math.max(1, Math.min(4, cores)) : 1);
      return ort;
    })();
    ortPromise.catch(() => {
      ortPromise = null;
    });
  }
  return ortPromise;
}

/** Model bytes from a URL with progress, through the Cache API when it exists. */
async function fetchModel(url, { onProgress, signal, cache }) {
  const href = String(url);
  if (/^file:/i.test(href) || (typeof window === "undefined" && !/^[a-z]+:/i.test(href) && typeof process !== "undefined")) {
    // Node: a file URL or path.
    // No static `node:` import: browser bundlers must not see one (they would stub it and warn).
    const fsSpec = "node:fs/promises";
    const { readFile } =
      globalThis.process?.getBuiltinModule?.(fsSpec) ??
      (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsSpec));
    let bytes;
    try {
      bytes = new Uint8Array(await readFile(/^file:/i.test(href) ? new URL(href) : href));
    } catch (e) {
      throw codedError("E_MODEL_UNAVAILABLE", `could not read the model ${href}: ${e?.message ?? e}`);
    }
    onProgress?.({ phase: "download", loaded: bytes.length, total: bytes.length, cached: true });
    return bytes;
  }
  let store = null;
  if (cache !== false && typeof caches !== "undefined") {
    try {
      store = await caches.open(CACHE_NAME);
      const hit = await store.match(href);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        onProgress?.({ phase: "download", loaded: bytes.length, total: bytes.length, cached: true });
        return bytes;
      }
    } catch {
      store = null; // e.g. an opaque origin: no cache, download every time
    }
  }
  let res;
  try {
    res = await fetch(href, { signal });
  } catch (e) {
    if (signal?.aborted || e?.name === "AbortError") throw codedError("E_ABORTED", "the model download was aborted");
    throw codedError("E_MODEL_UNAVAILABLE", `could not download the model ${href}: ${e?.message ?? e}`);
  }
  if (!res.ok) throw codedError("E_MODEL_UNAVAILABLE", `downloading the model ${href} answered HTTP ${res.status}`, { status: res.status });
  const total = Number(res.headers.get("content-length")) || undefined;
  const parts = [];
  let loaded = 0;
  try {
    if (res.body?.getReader) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        loaded += value.length;
        onProgress?.({ phase: "download", loaded, total, cached: false });
      }
    } else {
      const b = new Uint8Array(await res.arrayBuffer());
      parts.push(b);
      loaded = b.length;
    }
  } catch (e) {
    if (signal?.aborted || e?.name === "AbortError") throw codedError("E_ABORTED", "the model download was aborted");
    throw codedError("E_MODEL_UNAVAILABLE", `the model download ${href} failed: ${e?.message ?? e}`);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) (bytes.set(p, at), (at += p.length));
  onProgress?.({ phase: "download", loaded, total: loaded, cached: false });
  if (store) {
    try {
      await store.put(href, new Response(bytes.slice(), { headers: { "content-type": "application/octet-stream" } }));
    } catch {
      /* quota: keep going without caching */
    }
  }
  return bytes;
}

function defaultProviders() {
  const browserGpu = typeof globalThis.navigator?.gpu?.requestAdapter === "function";
  return browserGpu ? ["webgpu", "wasm"] : ["wasm"];
}

/** float16 bits → float32 (for fp16 model outputs). */
function halfToFloat(u16) {
  const out = new Float32Array(u16.length);
  for (let i = 0; i < u16.length; i++) {
    const h = u16[i];
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    out[i] = e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return out;
}

/** A registered background-removal model (see `registerBackgroundModel`). */
export class BackgroundModel {
  #source;
  #session = null;
  #loading = null;
  #onProgress;
  #signal;
  constructor(name, { url, bytes, preprocess, executionProviders, cache, onProgress, signal } = {}) {
    /** The name it is registered under ("IsNet", "Bria", or your own). */
    this.name = name;
    /** The input/output contract: "isnet" | "u2net" | "rmbg2". */
    this.preprocess = preprocess;
    /** The execution provider the session runs on, once loaded ("webgpu" | "wasm"). */
    this.executionProvider = null;
    /** Times in ms, once measured: `runtime` (importing onnxruntime-web), `download` (or cache read), `session` (create; includes compiling onnxruntime's wasm the first time), `inference` (last run). */
    this.timings = {};
    this.#source = { url, bytes, executionProviders, cache };
    // Registration-time progress callback and signal: they apply to every load of this model.
    this.#onProgress = onProgress;
    this.#signal = signal;
  }

  /** Download (or read from the cache) and create the session; idempotent. */
  load({ onProgress: callProgress, signal } = {}) {
    if (this.#session) return Promise.resolve(this);
    const regProgress = this.#onProgress;
    const onProgress = (p) => {
      regProgress?.(p);
      callProgress?.(p);
    };
    if (!this.#loading) {
      const regSignal = this.#signal;
      this.#loading = (async () => {
        const tr = performance.now();
        const ort = await loadOrt();
        const t0 = performance.now();
        this.timings.runtime = t0 - tr; // importing onnxruntime-web (0 once another model did)
        const { url, bytes: given, executionProviders, cache } = this.#source;
        aborted(regSignal, `loading model ${this.name}`);
        const bytes = given ?? (await fetchModel(url, { onProgress, signal: regSignal, cache }));
        const t1 = performance.now();
        this.timings.download = t1 - t0;
        onProgress({ phase: "load", state: "start" });
        this.#bytes = bytes;
        await this.#createSession(ort, executionProviders ?? defaultProviders());
        this.timings.session = performance.now() - t1;
        onProgress({ phase: "load", state: "done", executionProvider: this.executionProvider });
        return this;
      })();
      this.#loading.catch(() => {
        this.#loading = null;
      });
    }
    return raceAbort(raceAbort(this.#loading, signal, `loading model ${this.name}`), this.#signal, `loading model ${this.name}`);
  }

  #bytes = null;
  #pending = [];

  /** A session on the first provider of `eps` that loads the model; the rest stay as fallbacks. */
  async #createSession(ort, eps) {
    const tried = [];
    for (let i = 0; i < eps.length; i++) {
      const ep = eps[i];
      try {
        this.#session = await ort.InferenceSession.create(this.#bytes, { executionProviders: [ep] });
        this.executionProvider = typeof ep === "string" ? ep : ep.name;
        this.#pending = eps.slice(i + 1);
        return;
      } catch (e) {
        tried.push(`${typeof ep === "string" ? ep : ep.name}: ${e?.message ?? e}`);
      }
    }
    throw codedError("E_MODEL_UNAVAILABLE", `model ${this.name}: no execution provider could load it (${tried.join("; ")})`);
  }

  /**
   * Run the model on an ImageData-like overlay: resolves the raw output
   * `{data: Float32Array, width, height, preprocess}` that `superimposeV2` and `bgApplyMask` take.
   */
  async run(image, { onProgress, signal } = {}) {
    await this.load({ onProgress, signal });
    const ort = await loadOrt();
    const report = (p) => {
      this.#onProgress?.(p);
      onProgress?.(p);
    };
    aborted(signal, "background removal");
    const t = wasm.bgPrepare(image, this.preprocess);
    let session = this.#session;
    const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", t.data, t.dims) };
    report({ phase: "inference", state: "start", executionProvider: this.executionProvider });
    const t0 = performance.now();
    let outputs;
    for (;;) {
      try {
        outputs = await raceAbort(session.run(feeds), signal, "background removal");
        break;
      } catch (e) {
        if (e?.code === "E_ABORTED") throw e;
        // A provider can accept a graph and still miss a kernel feature at run time (e.g. the
        // WebGPU EP's MaxPool without ceil_mode padding): fall back to the next provider.
        if (!this.#pending.length) {
          throw codedError("E_INFERENCE_FAILED", `model ${this.name} failed on the ${this.executionProvider} execution provider: ${e?.message ?? e}`);
        }
        const failed = this.executionProvider;
        // The failed session is dropped, not released: releasing a WebGPU session right after a
        // failed run destroys buffers its queued GPU work still uses (Chromium logs a validation
        // error). The garbage collector frees it.
        await this.#createSession(ort, this.#pending);
        session = this.#session;
        report({ phase: "load", state: "fallback", from: failed, executionProvider: this.executionProvider, reason: String(e?.message ?? e) });
      }
    }
    this.timings.inference = performance.now() - t0;
    const out = outputs[session.outputNames[0]];
    const dims = out.dims;
    if (dims.length < 2) throw codedError("E_INTERNAL", `model ${this.name}: unexpected output shape [${dims}]`);
    const height = dims[dims.length - 2];
    const width = dims[dims.length - 1];
    const data = out.type === "float32" ? out.data : out.type === "float16" ? halfToFloat(new Uint16Array(out.data.buffer, out.data.byteOffset, out.data.length)) : Float32Array.from(out.data);
    for (const o of Object.values(outputs)) o.dispose?.();
    report({ phase: "inference", state: "done", ms: this.timings.inference, executionProvider: this.executionProvider });
    return { data, width, height, preprocess: this.preprocess };
  }

  /** Release the session (it is created again on the next use). */
  async dispose() {
    const s = this.#session;
    this.#session = null;
    this.#loading = null;
    this.#bytes = null;
    await s?.release?.();
  }
}

/** Check a registration without loading anything; throws coded errors. */
export function checkRegistration(name, opts) {
  if (typeof name !== "string" || !name) throw codedError("E_PARAM_TYPE", "the model name must be a non-empty string", { param: "name" });
  if (opts == null || typeof opts !== "object") throw codedError("E_PARAM_TYPE", "registerBackgroundModel needs options {url | bytes, preprocess}", { param: "options" });
  const { url, bytes, preprocess } = opts;
  if (!PREPROCESS.includes(preprocess)) {
    throw codedError("E_PARAM_ENUM", `\`preprocess\` must be one of ${PREPROCESS.map((p) => `"${p}"`).join(", ")}; got ${JSON.stringify(preprocess)}`, { param: "preprocess" });
  }
  const hasBytes = bytes instanceof Uint8Array || bytes instanceof ArrayBuffer;
  if (!hasBytes && !(typeof url === "string" || url instanceof URL)) {
    throw codedError("E_PARAM_MISSING", "registerBackgroundModel needs `url` (string or URL) or `bytes` (Uint8Array / ArrayBuffer)", { param: "url" });
  }
  return {
    url: url === undefined ? undefined : String(url),
    bytes: hasBytes ? (bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes) : undefined,
    preprocess,
    executionProviders: opts.executionProviders,
    cache: opts.cache,
    onProgress: typeof opts.onProgress === "function" ? opts.onProgress : undefined,
    signal: opts.signal,
  };
}

/**
 * Register a background-removal model under `name` ("IsNet" and "Bria" are what
 * `bg_remove_model` names; any other name is for `removeBackground`). Nothing is downloaded
 * until the first use, `model.load()` or `preload: true`; registering again replaces the
 * previous model. `onProgress` and `signal` given here apply to every load of the model.
 */
export function registerBackgroundModel(name, opts) {
  const checked = checkRegistration(name, opts);
  registry.get(name)?.dispose();
  const model = new BackgroundModel(name, checked);
  registry.set(name, model);
  if (opts.preload) model.load().catch(() => {}); // errors surface again on use
  return model;
}

/** Remove a registration (true if there was one). */
export function unregisterBackgroundModel(name) {
  const m = registry.get(name);
  m?.dispose();
  return registry.delete(name);
}

/** The model registered under `name`, if any. */
export function backgroundModel(name) {
  return registry.get(name) ?? null;
}
