/** Initialise the module (idempotent; every API call does it for you). */
export function init(
  moduleOrPath?: BufferSource | WebAssembly.Module | URL | string | Response,
): Promise<void>;
/** The package version. */
export function version(): Promise<string>;
/** Which kernels run. */
export function kernelBackend(): Promise<"simd128" | "scalar">;
/** Every blend mode's API name, in id order (the first 14 are the remote API's enum). */
export function blendModes(): Promise<string[]>;
