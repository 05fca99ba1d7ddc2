// superimpose-wasm/threads: run the row loops of one call (resample passes, rotation, blending)
// on several cores, with the wasm-threads build of the core (superimpose_wasm_mt: shared memory,
// atomics, SIMD). Call initThreads() once, before any other call of the package; every call then
// goes through the threads build, with the same bytes as the single-threaded one.
//
// Needs SharedArrayBuffer: a cross-origin isolated page (`Cross-Origin-Opener-Policy:
// same-origin` and `Cross-Origin-Embedder-Policy: require-corp` or `credentialless`), a worker
// of one, or Node ≥ 20.16. Elsewhere initThreads() rejects with E_UNSUPPORTED and the
// single-threaded build keeps working.
import initMt, * as mt from "./superimpose_wasm_mt.js";
import { installCore, coreStarted } from "./core.js";
import { _wasmSource, _codedError, _isNode as isNode } from "./index.js";

let started = null;
let pool = [];

/** The cores this context may use: navigator.hardwareConcurrency, or Node's availableParallelism(). */
function cores() {
  if (isNode) return globalThis.process.getBuiltinModule?.("node:os")?.availableParallelism?.() ?? 1;
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

/** Why this context cannot run the threads build, or null. */
export function threadsUnsupportedReason() {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") {
    return "SharedArrayBuffer is not available here (a page must be cross-origin isolated: COOP same-origin + COEP require-corp or credentialless)";
  }
  if (!isNode && globalThis.crossOriginIsolated !== true) {
    return "this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp or credentialless)";
  }
  if (isNode && typeof globalThis.process.getBuiltinModule !== "function") {
    return "Node ≥ 20.16 is needed (process.getBuiltinModule)";
  }
  if (typeof WebAssembly?.Memory !== "function") return "WebAssembly is not available";
  return null;
}

async function compile(src) {
  if (src instanceof WebAssembly.Module) return src;
  if (src === undefined) src = new URL("superimpose_wasm_mt_bg.wasm", import.meta.url);
  if (typeof src === "string" || src instanceof URL) {
    const res = await fetch(src);
    if (!res.ok) throw _codedError("E_UNSUPPORTED", `could not fetch the threads build (${src}): HTTP ${res.status}`);
    src = res;
  }
  if (typeof Response === "function" && src instanceof Response) {
    if (typeof WebAssembly.compileStreaming === "function" && src.headers.get("Content-Type") === "application/wasm") {
      return WebAssembly.compileStreaming(src);
    }
    src = await src.arrayBuffer();
  }
  return WebAssembly.compile(src);
}

/**
 * Node: the parent's flags, minus those a worker refuses (`--input-type`) or would misread
 * (`-e`/`-p` and their script): a program run with `node --input-type=module -e …` can start
 * threads too.
 */
function workerExecArgv() {
  const out = [];
  const argv = globalThis.process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--input-type")) continue;
    if (["-e", "--eval", "-p", "--print"].includes(a)) {
      i++;
      continue;
    }
    if (/^(--eval|--print)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Start one worker on `module` + `memory` (added to `spawned` at once, so that a failure
 * elsewhere can terminate it); resolves once it is about to join the pool.
 */
function spawn(module, memory, index, spawned) {
  return new Promise((resolve, reject) => {
    let w;
    const onMessage = (m) => (m?.ready ? resolve(w) : reject(_codedError("E_UNSUPPORTED", `thread worker ${index} failed: ${m?.error}`)));
    const onError = (e) => reject(_codedError("E_UNSUPPORTED", `thread worker ${index} failed to start: ${e?.message ?? e}`));
    if (isNode) {
      const { Worker } = globalThis.process.getBuiltinModule("node:worker_threads");
      // (The URL is built so that bundlers do not take it for a second, classic worker.)
      const url = new URL(import.meta.url);
      url.pathname = url.pathname.replace(/[^/]*$/, "threads-worker.js");
      w = new Worker(url, { name: `superimpose-wasm thread ${index}`, execArgv: workerExecArgv() });
      w.unref(); // a worker parked in the pool must not keep Node alive
      w.once("message", onMessage);
      w.once("error", onError);
    } else {
      // Written out in full, so that bundlers (Vite, webpack 5) see a module worker and bundle
      // threads-worker.js with its imports.
      w = new Worker(new URL("./threads-worker.js", import.meta.url), { type: "module", name: `superimpose-wasm thread ${index}` });
      w.addEventListener("message", (e) => onMessage(e.data), { once: true });
      w.addEventListener("error", onError, { once: true });
    }
    spawned.push(w);
    w.postMessage({ module, memory });
  });
}

/**
 * Load the threads build of the core and start `threads − 1` workers that share its memory.
 * Must run before any other call of the package (else E_UNSUPPORTED: the single-threaded core is
 * already in use). Idempotent: later calls return the first call's promise.
 * @param {{threads?: number, module?: WebAssembly.Module | BufferSource | URL | string}} [opts]
 *   `threads`: threads in all, the calling one included (default: the cores, at most 8);
 *   `module`: where the threads build's .wasm is, when not beside this file.
 * @returns {Promise<{threads: number}>} the threads that run a call's rows.
 */
export function initThreads(opts = {}) {
  if (started) return started;
  const why = threadsUnsupportedReason();
  if (why) return Promise.reject(_codedError("E_UNSUPPORTED", `initThreads: ${why}`));
  if (coreStarted()) {
    return Promise.reject(_codedError("E_UNSUPPORTED", "initThreads must be called before any other call of superimpose-wasm (the single-threaded core is already loaded)"));
  }
  const threads = opts.threads ?? Math.min(8, cores());
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    return Promise.reject(_codedError("E_PARAM_RANGE", `threads must be an integer in [1, 64]; got ${threads}`, { param: "threads" }));
  }
  const p = (async () => {
    let module, exports;
    try {
      module = await compile(opts.module ?? (await _wasmSource("superimpose_wasm_mt_bg.wasm")));
      exports = await initMt({ module_or_path: module });
    } catch (e) {
      if (e?.code) throw e;
      throw _codedError("E_UNSUPPORTED", `initThreads: could not load the threads build (superimpose_wasm_mt_bg.wasm): ${e?.message ?? e}`);
    }
    // Every worker started is terminated if any fails to start or to join (none is left behind).
    const spawned = [];
    try {
      await Promise.all(Array.from({ length: threads - 1 }, (_, i) => spawn(module, exports.memory, i + 1, spawned)));
      // Each worker posts "ready" just before it counts itself into the pool: wait for the count.
      const t0 = Date.now();
      while (mt.threadCount() < threads) {
        if (Date.now() - t0 > 10_000) throw _codedError("E_UNSUPPORTED", `only ${mt.threadCount() - 1} of ${threads - 1} thread workers joined in 10 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
    } catch (e) {
      for (const w of spawned) w.terminate();
      throw e;
    }
    pool = spawned;
    return { threads: mt.threadCount() };
  })();
  started = p;
  p.catch(() => {
    started = null;
  });
  installCore(mt, p);
  return p;
}

/** The threads running a call's rows: 1 until initThreads() resolved. */
export function threadCount() {
  return started && pool.length ? mt.threadCount() : 1;
}
