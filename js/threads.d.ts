/** Options of {@link initThreads}. */
export interface ThreadsOptions {
  /** Threads in all, the calling one included (default: the cores, at most 8). 1–64. */
  threads?: number;
  /** Where the threads build's .wasm (`superimpose_wasm_mt_bg.wasm`) is, when not beside this file. */
  module?: WebAssembly.Module | BufferSource | URL | string;
}

/**
 * Load the wasm-threads build of the core and start `threads − 1` workers sharing its memory, so
 * that every later call of `superimpose-wasm` splits its row loops (resample passes, rotation,
 * blending) across the threads, with the same bytes. Call it before any other call of the
 * package. Rejects with `E_UNSUPPORTED` where SharedArrayBuffer is missing (a page that is not
 * cross-origin isolated) or when the single-threaded core is already loaded; the package then
 * keeps working single-threaded.
 */
export function initThreads(opts?: ThreadsOptions): Promise<{ threads: number }>;

/** Why this context cannot run the threads build (no SharedArrayBuffer, not isolated, …), or null. */
export function threadsUnsupportedReason(): string | null;

/** The threads that run a call's rows: 1 until {@link initThreads} resolved. */
export function threadCount(): number;
