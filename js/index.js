// superimpose-wasm: the package entry point. Initialises the wasm module lazily, once per JS
// context, in browsers, workers and Node alike, and re-exports the API as Promise-returning calls.
import initWasm, * as wasm from "./superimpose_wasm.js";

let ready = null;
const isNode =
  typeof process !== "undefined" && !!process.versions?.node && typeof window === "undefined";

/**
 * Initialise the module (idempotent; every API call does it for you).
 * @param {BufferSource | WebAssembly.Module | URL | string | Response} [moduleOrPath]
 *   Where to get the .wasm from; by default the file next to this script.
 */
export function init(moduleOrPath) {
  if (!ready) {
    ready = (async () => {
      let input = moduleOrPath;
      if (input === undefined && isNode) {
        const { readFile } = await import("node:fs/promises");
        input = await readFile(new URL("./superimpose_wasm_bg.wasm", import.meta.url));
      }
      await initWasm(input === undefined ? undefined : { module_or_path: input });
    })();
    ready.catch(() => {
      ready = null; // a failed load (e.g. a 404) may be retried
    });
  }
  return ready;
}

/** The package version. */
export async function version() {
  await init();
  return wasm.version();
}

/** `"simd128"` or `"scalar"`: which kernels run. */
export async function kernelBackend() {
  await init();
  return wasm.kernelBackend();
}

/** Every blend mode's API name (the first 14 are the remote API's enum). */
export async function blendModes() {
  await init();
  return wasm.blendModes();
}
