// Types for superimpose-wasm. The unions below are checked against the Rust lists
// (ErrorCode::ALL, BlendMode::ALL) by tests/typescript.rs, so they cannot drift.

/** Stable error codes: every error thrown by this package has one in `error.code`. */
export type ErrorCode =
  | "E_PARAM_RANGE" | "E_PARAM_ENUM" | "E_PARAM_TYPE" | "E_PARAM_MISSING" | "E_PARAM_UNKNOWN"
  | "E_BUFFER_SIZE" | "E_DIMENSIONS" | "E_IMAGE_TOO_LARGE" | "E_MEMORY_BUDGET" | "E_IMAGE_DECODE" | "E_IMAGE_ENCODE"
  | "E_IMAGE_INPUT" | "E_MODEL_UNAVAILABLE" | "E_UNSUPPORTED" | "E_IMAGE_FETCH"
  | "E_GPU_UNAVAILABLE" | "E_GPU" | "E_INVALID_REQUEST" | "E_UNAUTHORIZED" | "E_FORBIDDEN"
  | "E_NOT_FOUND" | "E_EXPIRED" | "E_GONE" | "E_INSUFFICIENT_CREDITS" | "E_RATE_LIMITED"
  | "E_SERVER" | "E_INFERENCE_FAILED" | "E_PROTOCOL" | "E_NETWORK" | "E_TIMEOUT" | "E_ABORTED"
  | "E_INTERNAL";

/** What every rejected promise of this package carries. */
export interface SuperimposeError extends Error {
  name: "SuperimposeError";
  code: ErrorCode;
  /** The parameter at fault, when there is one. */
  param?: string;
  /** The HTTP status, for remote errors with a response. */
  status?: number;
  /** The remote job's id, whenever one exists (so a paid job is never lost). */
  requestId?: string;
}

/** The 14 blend modes of the remote API's enum. */
export type ApiBlendMode =
  | "multiply" | "normal" | "dissolve" | "darken" | "lighten" | "screen" | "overlay"
  | "soft light" | "hard light" | "vivid light" | "linear light" | "pin light" | "hard mix"
  | "difference";
/** The 16 extended modes (local only). */
export type ExtendedBlendMode =
  | "color burn" | "linear burn" | "color dodge" | "exclusion" | "subtract" | "linear dodge(add)"
  | "dodge" | "divide" | "grain extract" | "grain merge" | "darker color" | "lighter color"
  | "hue" | "saturation" | "color" | "luminosity";
/** CSS-style spellings accepted as aliases. */
export type BlendModeAlias =
  | "source-over" | "soft-light" | "hard-light" | "vivid-light" | "linear-light" | "pin-light"
  | "hard-mix" | "color-burn" | "linear-burn" | "color-dodge" | "linear-dodge" | "add"
  | "grain-extract" | "grain-merge" | "darker-color" | "lighter-color";
export type BlendMode = ApiBlendMode | ExtendedBlendMode;

/** An ImageData-shaped RGBA image. */
export interface ImageLike {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/**
 * Every accepted image input: ImageData or `{width, height, data}`, ImageBitmap, <img>, <canvas>,
 * OffscreenCanvas, Blob/File, ArrayBuffer/Uint8Array of an encoded PNG/JPEG/WebP, a data: URI,
 * raw base64, or an http(s)/blob: URL (fetched; CORS errors become `E_IMAGE_FETCH`).
 */
export type ImageInput =
  | ImageLike
  | ImageData
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | Blob
  | ArrayBuffer
  | Uint8Array
  | URL
  | string;

export type ResizeFilter = "nearest" | "box" | "bilinear" | "bicubic" | "lanczos";
export type RotateSampler = "nearest" | "bilinear" | "bicubic";
export type OutputFormat = "png" | "jpeg" | "webp";

/** Superimpose v2 body: the remote API's own fields (SPEC 2.1) plus local-only switches. */
export interface SuperimposeV2Body {
  base_image: ImageInput;
  overlay_image: ImageInput;
  /** Alpha plane for the overlay: luminance, white = visible. Default none. */
  mask?: ImageInput | null;
  /**
   * Default "Bria". Runs the model registered under that name (`registerBackgroundModel`) when no
   * `mask` is given. An explicit "IsNet"/"Bria" with no model registered fails with
   * E_MODEL_UNAVAILABLE; an omitted value with no "Bria" model runs as "None" with a warning.
   */
  bg_remove_model?: "Bria" | "IsNet" | "None";
  /** Default "multiply". Locally all 30 modes and their aliases are accepted. */
  blend_mode?: BlendMode | BlendModeAlias;
  /** Default "None". */
  mirror?: "None" | "horizontal" | "vertical";
  /** 0–100, default 90. */
  opacity?: number;
  /** > 0 and ≤ 100, default 1. */
  rescale_factor?: number;
  /** Default "nearest". */
  resize_method?: ResizeFilter;
  /** Integer degrees 0–360, counter-clockwise, default 0. */
  rotation?: number;
  /** Integer 0–100: the overlay centre's x, default 50. */
  x_percent?: number;
  /** Integer 0–100: the overlay centre's y, default 80. */
  y_percent?: number;
  /** Resolve to the PNG as base64 text instead of pixels. Default false. */
  base64?: boolean;
  /** Local only: "bicubic" scales with bicubic whatever resize_method says (upstream behaviour). */
  scale_filter?: "resize_method" | "bicubic";
  /** Local only: seed of the dissolve draw (u32), default 0. */
  seed?: number;
}

/** Superimpose v1 body (SPEC 3.1). */
export interface SuperimposeV1Body {
  base_image: ImageInput;
  overlay_image: ImageInput;
  mask?: ImageInput | null;
  /** Default "Resize by rescale_factor". */
  overlay_resize?:
    | "None" | "Fit" | "Resize by rescale_factor" | "Resize to width & heigth"
    | "Resize to width & height" | "Resize to height & width";
  /** Default "nearest-exact". */
  resize_method?: "nearest-exact" | "bilinear" | "area";
  /** > 0 and ≤ 16, default 1. */
  rescale_factor?: number;
  /** Integer ≥ 1, default 1024 (width/height mode only). */
  width?: number;
  /** Integer ≥ 1, default 1024 (width/height mode only). */
  height?: number;
  /** Integer, may be negative, default 0. */
  x_offset?: number;
  /** Integer, may be negative, default 0. */
  y_offset?: number;
  /** Integer degrees 0–360, default 0. */
  rotation?: number;
  /** 0–1, default 1. */
  opacity?: number;
  base64?: boolean;
}

export interface CallOptions {
  /** Cancels fetching of URL inputs (and a background-removal download or inference). */
  signal?: AbortSignal;
}

/** Where a composite runs (README "WebGPU"). */
export type Backend = "auto" | "cpu" | "webgpu";

/**
 * An image to write a result into: an `ImageData` (browser/worker) or `{width, height, data}`.
 * Used only when its width, height and byte length equal the result's; then the call resolves
 * with this very object as `imageData` (no new buffer is allocated: at 4K that saves ~10–20 ms
 * per call); otherwise a new image is returned as usual. The inputs are read before it is
 * written, so it may be one of them (e.g. the base). Not used with `base64: true`.
 */
export type OutputImage = ImageData | { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

/** Where a result may be written (see {@link OutputImage}). */
export interface IntoOption {
  into?: OutputImage;
}

export interface SuperimposeOptions extends CallOptions, IntoOption {
  /**
   * "auto" (default): WebGPU when a hardware adapter exists and the work is large enough, else
   * the CPU. "cpu": never WebGPU. "webgpu": WebGPU, rejecting with E_GPU_UNAVAILABLE when there
   * is no adapter. A GPU failure during a call never loses the result: the CPU's is returned
   * with `backendUsed: "cpu"` and `gpuFallbackReason`.
   */
  backend?: Backend;
  /**
   * Names the base pixels: calls with the same key reuse the base already on the GPU (an editor
   * re-compositing over one base). Without it the base is hashed. Change it when the pixels change.
   */
  baseKey?: string | number;
}

/** The WebGPU adapter's self-description. */
export interface WebGpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (e.g. SwiftShader). */
  isFallbackAdapter: boolean;
}

/** The adapter WebGPU would use, or null when this context has none. */
export function webgpuInfo(): Promise<WebGpuInfo | null>;

/** Progress of a background-removal model: download, session creation, inference. */
export type BackgroundProgress =
  | { phase: "download"; loaded: number; total?: number; cached: boolean }
  | { phase: "load"; state: "start" }
  | { phase: "load"; state: "done"; executionProvider: string }
  | { phase: "load"; state: "fallback"; from: string; executionProvider: string; reason: string }
  | { phase: "inference"; state: "start"; executionProvider: string }
  | { phase: "inference"; state: "done"; executionProvider: string; ms: number };

export interface SuperimposeV2Options extends SuperimposeOptions {
  /** Background-removal progress (only when a registered model runs). */
  onProgress?: (p: BackgroundProgress) => void;
}

/** A model's input/output contract (see README "Background removal"). */
export type BackgroundPreprocess = "isnet" | "u2net" | "rmbg2";

export interface BackgroundModelOptions {
  /** Where to download the ONNX model from (in Node also a file path or file: URL). */
  url?: string | URL;
  /** The ONNX model itself (instead of `url`). */
  bytes?: Uint8Array | ArrayBuffer;
  preprocess: BackgroundPreprocess;
  /** onnxruntime-web execution providers to try in order. Default ["webgpu", "wasm"] where WebGPU exists, else ["wasm"]. */
  executionProviders?: string[];
  /** Keep downloaded bytes in the Cache API ("superimpose-wasm-models-v1"). Default true. */
  cache?: boolean;
  /** Progress of every load and run of this model. */
  onProgress?: (p: BackgroundProgress) => void;
  /** Cancels the model's loading. */
  signal?: AbortSignal;
  /** Start downloading and creating the session now instead of on first use. */
  preload?: boolean;
}

/** A registered background-removal model. */
export class BackgroundModel {
  readonly name: string;
  readonly preprocess: BackgroundPreprocess;
  /** The execution provider in use once loaded ("webgpu" | "wasm"), else null. */
  readonly executionProvider: string | null;
  /** Milliseconds: importing onnxruntime-web, download (or cache read), session creation, last inference. */
  readonly timings: { runtime?: number; download?: number; session?: number; inference?: number };
  /** Download and create the session (idempotent). */
  load(opts?: { onProgress?: (p: BackgroundProgress) => void; signal?: AbortSignal }): Promise<BackgroundModel>;
  /** Raw model output for an RGBA image. */
  run(
    image: ImageLike | ImageData,
    opts?: { onProgress?: (p: BackgroundProgress) => void; signal?: AbortSignal },
  ): Promise<{ data: Float32Array; width: number; height: number; preprocess: BackgroundPreprocess }>;
  dispose(): Promise<void>;
}

/** Register a background-removal model ("IsNet" | "Bria" for bg_remove_model, or any name for removeBackground). */
export function registerBackgroundModel(name: "IsNet" | "Bria" | (string & {}), opts: BackgroundModelOptions): BackgroundModel;
/** Remove a registration; true if there was one. */
export function unregisterBackgroundModel(name: string): boolean;
/** The model registered under `name`, or null. */
export function backgroundModel(name: string): BackgroundModel | null;
/** Where onnxruntime-web comes from and how it runs (call before the first model use). */
export function configureOnnxRuntime(opts: {
  /** The imported onnxruntime-web module. */
  module?: unknown;
  /** A URL to import onnxruntime-web from (also works in workers). */
  moduleUrl?: string;
  /** `ort.env.wasm.wasmPaths`: where its .wasm/.mjs files are. */
  wasmPaths?: string | Record<string, string>;
  /** `ort.env.wasm.numThreads` (default 1 unless cross-origin isolated). */
  numThreads?: number;
}): void;
/** The image with its background removed by a registered model (default "IsNet"): alpha = matte × own alpha. */
export function removeBackground(
  image: ImageInput,
  opts?: { model?: string; signal?: AbortSignal; onProgress?: (p: BackgroundProgress) => void },
): Promise<ImageResult>;

export interface EncodeOptions {
  /** Default "png". WebP is lossless. */
  format?: OutputFormat;
  /** 1–100, JPEG only, default 90. */
  quality?: number;
}

/** A composite: pixels plus encoders. */
export class ImageResult {
  readonly imageData: ImageData | ImageLike;
  readonly width: number;
  readonly height: number;
  /** Notes about choices the call made (e.g. background removal not run). */
  readonly warnings: string[];
  /** superimpose / superimposeV2 only: where the composite ran. */
  readonly backendUsed?: "cpu" | "webgpu";
  /** Why the CPU ran although WebGPU was requested or considered. */
  readonly gpuFallbackReason?: string;
  encode(opts?: EncodeOptions): Promise<Uint8Array>;
  toBlob(opts?: EncodeOptions): Promise<Blob>;
  toBase64(opts?: EncodeOptions): Promise<string>;
  toDataURL(opts?: EncodeOptions): Promise<string>;
}

/** Initialise the module (idempotent; every call does it for you). */
export function init(
  moduleOrPath?: BufferSource | WebAssembly.Module | URL | string | Response,
): Promise<void>;
/**
 * Load the codec module (PNG/JPEG/WebP decode and encode) now instead of on first use: to prefetch
 * it, or to give its location when `superimpose_codecs_bg.wasm` is not beside `index.js`.
 * Pixel inputs (ImageData, canvas, `<img>`, ImageBitmap) never need it. Idempotent.
 */
export function loadCodecs(
  moduleOrPath?: BufferSource | WebAssembly.Module | URL | string | Response,
): Promise<void>;
/**
 * Load the Segmind client module (`Client`, `Job`) now instead of on the first `Client` call: to
 * prefetch it, or to give its location when `superimpose_client_bg.wasm` is not beside `index.js`.
 * Apps that only composite locally never need it. Idempotent.
 */
export function loadClient(
  moduleOrPath?: BufferSource | WebAssembly.Module | URL | string | Response,
): Promise<void>;
/** Superimpose v2 locally. `base64: true` resolves to base64 PNG text, like the API. */
export function superimposeV2(
  body: SuperimposeV2Body & { base64: true },
  opts?: SuperimposeV2Options,
): Promise<string>;
export function superimposeV2(body: SuperimposeV2Body, opts?: SuperimposeV2Options): Promise<ImageResult>;
/** A rectangle of an image, in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Body fields to change before a scene renders. Everything but the images, `bg_remove_model` and
 * `base64` may change; those may appear only with the values the scene was created with (so a
 * whole body, `{...body, x_percent}`, may be passed), other values reject with E_UNSUPPORTED.
 */
export type SceneChanges = Partial<SuperimposeV2Body>;

export interface SceneRenderOptions extends IntoOption {
  /**
   * Write the whole frame into `into` even when it is the image the previous render wrote (use it
   * after changing that image's pixels yourself). Default false.
   */
  full?: boolean;
}

/** A render of a {@link Scene}. */
export interface SceneResult extends ImageResult {
  /**
   * The part of `imageData` this render changed: only the rectangle that differs from the previous
   * render when `into` is the image that render wrote, the whole frame for a new image or another
   * `into`, `null` when nothing changed.
   */
  readonly dirty: Rect | null;
}

/**
 * A resident Superimpose v2 scene (see {@link createScene}). Renders are synchronous: call
 * `render` from a pointer or animation-frame handler.
 */
export class Scene {
  /** The frame's width and height (the base's). */
  readonly width: number;
  readonly height: number;
  /** The body's warnings (as superimposeV2's). */
  readonly warnings: string[];
  /**
   * Apply `changes` and render: the same bytes as `superimposeV2` with the merged body. Moving the
   * overlay or changing `blend_mode`, `opacity` or `seed` costs the overlay's area; `rescale_factor`,
   * `resize_method`, `rotation`, `mirror` or `scale_filter` re-prepare the overlay. A fixed field
   * rejects with E_UNSUPPORTED; invalid values with the body's E_PARAM_* codes. On an error the
   * scene is unchanged.
   */
  render(changes?: SceneChanges, opts?: SceneRenderOptions): SceneResult;
  /** Release the scene's wasm memory now (it is also released when the Scene is collected). */
  free(): void;
}

/**
 * Load a Superimpose v2 body once (decoding, background removal) for repeated renders. The body's
 * `base64` must be absent or false.
 */
export function createScene(body: SuperimposeV2Body, opts?: CallOptions & {
  onProgress?: (p: BackgroundProgress) => void;
  /** "v2" (default): superimposeV2's body. */
  pipeline?: "v2";
}): Promise<Scene>;
/**
 * A resident Superimpose v1 scene (superimpose's body): moving the overlay (`x_offset`,
 * `y_offset`) costs its area; any other change prepares it again. Renders as {@link Scene}'s,
 * with v1 fields as changes.
 */
export function createScene(body: SuperimposeV1Body, opts: CallOptions & { pipeline: "v1" }): Promise<SceneV1>;

/** Body fields to change before a v1 scene renders (the images and `base64` as for {@link SceneChanges}). */
export type SceneV1Changes = Partial<SuperimposeV1Body>;

/** A resident Superimpose v1 scene (see {@link createScene} with `pipeline: "v1"`). */
export interface SceneV1 extends Omit<Scene, "render"> {
  render(changes?: SceneV1Changes, opts?: SceneRenderOptions): SceneResult;
}
/** Superimpose v1 locally. */
export function superimpose(
  body: SuperimposeV1Body & { base64: true },
  opts?: SuperimposeOptions,
): Promise<string>;
export function superimpose(body: SuperimposeV1Body, opts?: SuperimposeOptions): Promise<ImageResult>;
/** Pillow-exact resize (RGBA, premultiplied as Pillow does). */
export function resize(
  image: ImageInput,
  opts: { width?: number; height?: number; filter?: ResizeFilter } & IntoOption,
): Promise<ImageResult>;
/** Pillow-exact rotation, counter-clockwise, expanded canvas. */
export function rotate(
  image: ImageInput,
  opts: { degrees: number; sampler?: RotateSampler } & IntoOption,
): Promise<ImageResult>;
/** Blend two same-size images; the source's alpha is the mask. */
export function blend(
  base: ImageInput,
  source: ImageInput,
  opts?: {
    /** Default "normal". */
    mode?: BlendMode | BlendModeAlias;
    /** 0–1, default 1. */
    opacity?: number;
    /** Dissolve seed (u32), default 0. */
    seed?: number;
  } & IntoOption,
): Promise<ImageResult>;
/** Decode an image input to RGBA pixels. */
export function decode(input: ImageInput): Promise<ImageData | ImageLike>;
/** Encode RGBA pixels. */
export function encode(image: ImageLike | ImageData, opts?: EncodeOptions): Promise<Uint8Array>;
/** Any accepted input → pixels or a data string the core decodes. */
export function toImageInput(
  input: ImageInput,
  opts?: CallOptions,
): Promise<ImageLike | ImageData | string>;
/** Set the pixel limit for every image accepted or created (default 64 MP = 67 108 864). */
export function setMaxPixels(n: number): Promise<void>;
/** The current pixel limit (default 64 MP). */
export function maxPixels(): Promise<number>;
/**
 * Set the working-memory budget of one call in bytes (default 1 GiB, at least 1 MiB). A decode or
 * pipeline whose estimated peak working memory exceeds it is refused with `E_MEMORY_BUDGET`
 * before its large buffers are allocated.
 */
export function setMemoryBudget(bytes: number): Promise<void>;
/** The current working-memory budget in bytes. */
export function memoryBudget(): Promise<number>;
/** The package version. */
export function version(): Promise<string>;
/** Which kernels run. */
export function kernelBackend(): Promise<"simd128" | "scalar">;
/**
 * Force the kernel set (benchmarks, tests): "auto" (default) picks the best compiled one.
 * Rejects with `E_UNSUPPORTED` when forcing "simd128" in a build without it.
 */
export function setKernelBackend(backend: "scalar" | "simd128" | "auto"): Promise<void>;
/** Every blend mode's API name, in id order (the first 14 are the remote API's enum). */
export function blendModes(): Promise<BlendMode[]>;

// ---- Remote client (Segmind serverless API) --------------------------------------------------
import type {
  ClientOptions, WaitOptions, RunResult, SyncResult, JobStatusReport, ClientProgress,
} from "./superimpose_client.js";
export type { ClientOptions, WaitOptions, RunResult, SyncResult, JobStatusReport, ClientProgress };

/** Model parameters: a flat JSON object; image fields may also be Blob/File/ImageData/canvas. */
export type ModelParams = Record<string, unknown>;

/** A submitted remote job. */
export class Job {
  /** Keep it to `resume` after a reload (results are kept 1 hour). */
  readonly requestId: string;
  status(opts?: { signal?: AbortSignal }): Promise<JobStatusReport>;
  wait(opts?: WaitOptions): Promise<RunResult>;
}

/** Client for Segmind's serverless API. The key is only ever sent as the `x-api-key` header. */
export class Client {
  constructor(opts?: ClientOptions);
  run(model: string, params: ModelParams, opts?: WaitOptions): Promise<RunResult>;
  submit(model: string, params: ModelParams, opts?: { signal?: AbortSignal }): Promise<Job>;
  resume(requestId: string): Job;
  runSync(model: string, params: ModelParams, opts?: { signal?: AbortSignal; timeout?: number }): Promise<SyncResult>;
  /** Upload images (Blob/File or pixel inputs) to the upload-asset endpoint; resolves their URLs in order. */
  uploadAssets(images: Array<Blob | ImageInput>, opts?: { signal?: AbortSignal }): Promise<string[]>;
}

/** A field of a model schema, as `modelSchema` returns it. */
export interface SchemaField {
  name: string;
  kind: "image" | "string" | "integer" | "number" | "boolean";
  required: boolean;
  doc: string;
  default?: unknown;
  enum?: string[];
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
}
export interface ModelSchema {
  model: string;
  title: string;
  fields: SchemaField[];
  localFields: SchemaField[];
}
export type TypedModel = "superimpose-v2" | "superimpose" | "seg-swap" | "bg-replace" | "segmind-relighting-v2";
/** The typed models' names. */
export function modelNames(): Promise<TypedModel[]>;
/** A model's schema (for generated forms). */
export function modelSchema(model: TypedModel): Promise<ModelSchema>;
/** Validate a remote body as `Client.run` will; resolves the body that would be sent. */
export function validateBody(model: TypedModel, params: ModelParams): Promise<ModelParams>;
