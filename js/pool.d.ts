import type {
  CallOptions, EncodeOptions, ImageInput, ImageResult, ResizeFilter, RotateSampler, SuperimposeOptions,
  SuperimposeV1Body, SuperimposeV2Body, BlendMode, BlendModeAlias, SuperimposeV2Options,
  BackgroundModelOptions, BackgroundProgress,
} from "./index.js";

/** An ImageResult that also says how long the worker took. */
export interface PoolImageResult extends ImageResult {
  /** Milliseconds spent inside the worker. */
  ms: number;
}

export interface WorkerPool {
  readonly size: number;
  superimposeV2(body: SuperimposeV2Body, opts?: SuperimposeV2Options): Promise<PoolImageResult>;
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
  resize(image: ImageInput, opts: { width?: number; height?: number; filter?: ResizeFilter }, call?: CallOptions): Promise<PoolImageResult>;
  rotate(image: ImageInput, opts: { degrees: number; sampler?: RotateSampler }, call?: CallOptions): Promise<PoolImageResult>;
  blend(base: ImageInput, source: ImageInput, opts?: { mode?: BlendMode | BlendModeAlias; opacity?: number; seed?: number }, call?: CallOptions): Promise<PoolImageResult>;
  encode(image: ImageInput, opts?: EncodeOptions, call?: CallOptions): Promise<Uint8Array>;
  kernelBackend(): Promise<"simd128" | "scalar">;
  /** Stop every worker; pending calls reject with E_ABORTED. */
  terminate(): void;
}

/** Start a pool of workers (default size: hardware threads − 1, between 1 and 4… 8). */
export function createWorkerPool(opts?: { size?: number; workerUrl?: string | URL }): WorkerPool;
