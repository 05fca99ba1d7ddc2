import type {
  CallOptions, EncodeOptions, ImageInput, ImageResult, ResizeFilter, RotateSampler, SuperimposeOptions,
  SuperimposeV1Body, SuperimposeV2Body, BlendMode, BlendModeAlias, SuperimposeV2Options,
  BackgroundModelOptions, BackgroundProgress, SceneChanges, SceneV1Changes, SceneRenderOptions, SceneResult,
} from "./index.js";

/**
 * A resident Superimpose v2 scene held by one worker of a pool (see `createScene` in index.js):
 * renders are asynchronous and keep the main thread free; with `into` = the image the previous
 * render wrote, only the changed rectangle crosses threads. Calls abort like other pool calls;
 * an aborted render restarts the scene's worker, after which the scene rejects with E_UNSUPPORTED.
 */
export interface PoolScene<Changes = SceneChanges> {
  readonly width: number;
  readonly height: number;
  readonly warnings: string[];
  render(
    changes?: Changes,
    opts?: SceneRenderOptions & { signal?: AbortSignal },
  ): Promise<SceneResult & { ms: number }>;
  /** Release the scene in its worker. */
  free(): void;
}

/** An ImageResult that also says how long the worker took. */
export interface PoolImageResult extends ImageResult {
  /** Milliseconds spent inside the worker (for a split call: posting, all bands and assembling). */
  ms: number;
  /** A split call only: the milliseconds each band spent inside its worker, in row order. */
  bandMs?: number[];
}

/**
 * How a pool call uses several workers: `"auto"` (default) splits the output rows into one band
 * per worker when the pool has ≥ 2 workers and the call touches ≥ {@link SPLIT_MIN_PIXELS}
 * pixels (CPU work only: a `superimposeV2` that would run on WebGPU, returns base64 or runs a
 * background-removal model is not split); `"never"` runs it in one worker; `"always"` splits
 * whatever the size (into at least 2 bands). The result is byte-identical in every case.
 */
export type SplitMode = "auto" | "never" | "always";

/** Options of the pool calls that can be split by rows. */
export interface SplitOptions {
  /** Default `"auto"`. An unknown value rejects with `E_PARAM_ENUM` (`param: "split"`). */
  split?: SplitMode;
}

/** The `"auto"` split threshold: source + output pixels (resize), base + overlay (superimposeV2). */
export const SPLIT_MIN_PIXELS: number;

export interface WorkerPool {
  readonly size: number;
  /** Superimpose v2 in a worker; large CPU calls are split by rows across the workers. */
  superimposeV2(body: SuperimposeV2Body, opts?: SuperimposeV2Options & SplitOptions): Promise<PoolImageResult>;
  /** Load a v2 body once into one worker for repeated renders (see {@link PoolScene}). */
  createScene(
    body: SuperimposeV2Body,
    opts?: CallOptions & { onProgress?: (p: BackgroundProgress) => void; pipeline?: "v2" },
  ): Promise<PoolScene>;
  /** The same for superimpose's (v1) body. */
  createScene(body: SuperimposeV1Body, opts: CallOptions & { pipeline: "v1" }): Promise<PoolScene<SceneV1Changes>>;
  /** removeBackground in a worker. */
  removeBackground(
    image: ImageInput,
    opts?: { model?: string; signal?: AbortSignal; onProgress?: (p: BackgroundProgress) => void },
  ): Promise<PoolImageResult>;
  /** Register a model in every worker (also ones started later); progress and signal are per call. */
  registerBackgroundModel(
    name: "IsNet" | "Bria" | (string & {}),
    opts: Omit<BackgroundModelOptions, "onProgress" | "signal" | "preload">,
  ): void;
  unregisterBackgroundModel(name: string): void;
  /** configureOnnxRuntime in every worker (a module object cannot be sent: use moduleUrl). */
  configureOnnxRuntime(opts: { moduleUrl?: string; wasmPaths?: string | Record<string, string>; numThreads?: number }): void;
  /**
   * Set the pixel limit and/or the working-memory budget (bytes, ≥ 1 MiB) in every worker, also
   * ones started later (each worker's module has its own limits). Throws `E_PARAM_RANGE` for an
   * invalid value.
   */
  setLimits(limits: { maxPixels?: number; memoryBudget?: number }): void;
  superimpose(body: SuperimposeV1Body, opts?: SuperimposeOptions): Promise<PoolImageResult>;
  /** resize in a worker; large calls are split by rows across the workers. */
  resize(
    image: ImageInput,
    opts: { width?: number; height?: number; filter?: ResizeFilter },
    call?: CallOptions & SplitOptions,
  ): Promise<PoolImageResult>;
  rotate(image: ImageInput, opts: { degrees: number; sampler?: RotateSampler }, call?: CallOptions): Promise<PoolImageResult>;
  blend(base: ImageInput, source: ImageInput, opts?: { mode?: BlendMode | BlendModeAlias; opacity?: number; seed?: number }, call?: CallOptions): Promise<PoolImageResult>;
  encode(image: ImageInput, opts?: EncodeOptions, call?: CallOptions): Promise<Uint8Array>;
  kernelBackend(): Promise<"simd128" | "scalar">;
  /** Stop every worker; pending calls reject with E_ABORTED. */
  terminate(): void;
}

/**
 * Start a pool of workers (default size: hardware threads − 1, between 1 and 8). The row split
 * needs ≥ 2 workers: on a 2-core machine pass `{ size: 2 }`.
 */
export function createWorkerPool(opts?: { size?: number; workerUrl?: string | URL }): WorkerPool;
