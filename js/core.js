// The core module in use, shared by index.js and bg.js: the single-threaded superimpose_wasm
// (default), or — once threads.js's initThreads() installed it before the first call — the
// wasm-threads build superimpose_wasm_mt. `core` is a live binding: importers see the switch.
import initSingle, * as single from "./superimpose_wasm.js";

/** The core glue every call goes through. */
export let core = single;
let loading = null;

/**
 * The core's load, started once: `load(initSingle)` for the single-threaded module (index.js's
 * init), unless initThreads() installed the threads build first. A failed load may be retried.
 */
export function loadCore(load) {
  if (!loading) {
    const p = load(initSingle);
    loading = p;
    p.catch(() => {
      if (loading === p) loading = null;
    });
  }
  return loading;
}

/** Whether a core load was started (or done). */
export function coreStarted() {
  return loading !== null;
}

/**
 * Install another build of the core (threads.js): `glue` becomes `core` and `promise` (its load)
 * the core's load. Only before any load started; if `promise` fails, the single-threaded module
 * is back in place and a later call loads it.
 */
export function installCore(glue, promise) {
  if (loading) throw new Error("installCore: the core module is already loading or loaded");
  core = glue;
  loading = promise;
  promise.catch(() => {
    if (loading === promise) {
      loading = null;
      core = single;
    }
  });
}
