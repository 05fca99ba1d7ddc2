// superimpose-wasm: the package entry point. Initialises the wasm module lazily, once per JS
// context (browser, worker, Node), normalises every accepted image input to pixels, and exposes
// the API as Promise-returning calls with options objects.
// `wasm` is the core module in use (core.js: the single-threaded build unless initThreads() of
// threads.js installed the threads build first).
import { core as wasm, loadCore } from "./core.js";
// The codec glue is small (~4 KiB gzipped) and imported statically: a dynamic import() would
// make bundlers split chunks, which Vite's default (iife) worker format refuses. Its .wasm is
// only fetched when first needed (or by loadCodecs()).
import initCodecs, * as codecGlue from "./superimpose_codecs.js";
// The Segmind client (HTTP, retries, polling) is a third module, loaded by the first Client call.
import initClient, * as clientGlue from "./superimpose_client.js";
import { backgroundModel } from "./bg.js";

export {
  registerBackgroundModel,
  unregisterBackgroundModel,
  backgroundModel,
  configureOnnxRuntime,
  BackgroundModel,
} from "./bg.js";

// Two wasm modules: the core (superimpose, resize, rotate, blend, client) loads on the first call;
// the codec module (PNG/JPEG/WebP decode and encode, ~2/3 of the bytes) loads only when an
// encoded image must be decoded or a result encoded. Pixel inputs (ImageData, canvas, <img>, …)
// never load it.
let maxPixelsLimit; // the last limits set, applied to the codec module when it loads
let memoryBudgetBytes;
const isNode =
  typeof process !== "undefined" && !!process.versions?.node && typeof window === "undefined";
/** @internal Whether this is Node (threads.js). */
export const _isNode = isNode;

// Where the .wasm bytes come from when the glue's own `fetch(new URL(…, import.meta.url))` cannot
// work: Node's fetch has no file: URLs. The package's `node` export (index.node.js) installs a
// reader; without it (this file imported by path) Node ≥ 20.16's process.getBuiltinModule is used.
// No `node:` import here, so browser bundlers have nothing to stub.
let readPackageFile = null;
const here = import.meta.url;
/** @internal The Node entry (index.node.js) installs its file reader here. */
export function _setPackageFileReader(fn) {
  readPackageFile = fn;
}
/** @internal The bytes (Node) or nothing (browsers: the glue fetches) of a .wasm beside this file. */
export async function _wasmSource(name) {
  return wasmSource(name);
}
async function wasmSource(name) {
  if (readPackageFile) return readPackageFile(name);
  if (isNode) {
    const fs = globalThis.process?.getBuiltinModule?.("node:fs/promises");
    if (!fs) {
      throw codedError("E_UNSUPPORTED", `cannot read ${name}: import "superimpose-wasm" (its node entry) or pass the .wasm to init()`);
    }
    // (`here`, not `new URL(…, import.meta.url)` with a variable name: Vite would turn that
    // pattern into a glob and copy every file of the package into the app's assets.)
    return fs.readFile(new URL(name, here));
  }
  return undefined; // browsers, workers, bundlers: the glue fetches new URL("…_bg.wasm", import.meta.url)
}

/**
 * Initialise the core module (idempotent; every API call does it for you).
 * @param {BufferSource | WebAssembly.Module | URL | string | Response} [moduleOrPath]
 */
export function init(moduleOrPath) {
  return loadCore(async (initWasm) => {
    const input = moduleOrPath === undefined ? await wasmSource("superimpose_wasm_bg.wasm") : moduleOrPath;
    await initWasm(input === undefined ? undefined : { module_or_path: input });
  });
}

/**
 * Load the codec module (PNG/JPEG/WebP decode and encode) now rather than on first use — e.g. to
 * prefetch it, or to give its location when it is not beside this file. Idempotent.
 * @param {BufferSource | WebAssembly.Module | URL | string | Response} [moduleOrPath]
 */
export function loadCodecs(moduleOrPath) {
  return codecModule(moduleOrPath).then(() => undefined);
}

/**
 * Load the Segmind client module now rather than on the first `Client` call — e.g. to prefetch
 * it, or to give its location when it is not beside this file. Idempotent.
 * @param {BufferSource | WebAssembly.Module | URL | string | Response} [moduleOrPath]
 */
export function loadClient(moduleOrPath) {
  return clientModule(moduleOrPath).then(() => undefined);
}

/**
 * A lazily loaded wasm module: `load(moduleOrPath?)` resolves its glue, initialised once (then
 * `onReady` runs; a failed load may be retried); `load.pending()` is that load once started, else
 * null.
 */
function lazyModule(file, initGlue, glue, onReady) {
  let ready = null;
  const load = (moduleOrPath) => {
    if (!ready) {
      ready = (async () => {
        const input = moduleOrPath === undefined ? await wasmSource(file) : moduleOrPath;
        await initGlue(input === undefined ? undefined : { module_or_path: input });
        onReady();
        return glue;
      })();
      ready.catch(() => {
        ready = null;
      });
    }
    return ready;
  };
  load.pending = () => ready;
  return load;
}

let clientInitialized = false;
/** The client module's glue, initialised (loads it on first use). */
const clientModule = lazyModule("superimpose_client_bg.wasm", initClient, clientGlue, () => {
  clientInitialized = true;
});

/** The codec module's glue, initialised (loads it on first use) with the limits set so far. */
const codecModule = lazyModule("superimpose_codecs_bg.wasm", initCodecs, codecGlue, () => {
  if (maxPixelsLimit !== undefined) codecGlue.setMaxPixels(maxPixelsLimit);
  if (memoryBudgetBytes !== undefined) codecGlue.setMemoryBudget(memoryBudgetBytes);
});

/** @internal A coded `SuperimposeError` (threads.js). */
export function _codedError(code, message, extra = {}) {
  return codedError(code, message, extra);
}
function codedError(code, message, extra = {}) {
  const e = new Error(message);
  e.name = "SuperimposeError";
  e.code = code;
  Object.assign(e, extra);
  return e;
}

const MIME = { png: "image/png", jpeg: "image/jpeg", jpg: "image/jpeg", webp: "image/webp" };

function isPixelObject(v) {
  return (
    v != null && typeof v === "object" && "width" in v && "height" in v && "data" in v &&
    (v.data instanceof Uint8ClampedArray || v.data instanceof Uint8Array)
  );
}

function drawable(v) {
  const names = ["ImageBitmap", "HTMLImageElement", "HTMLCanvasElement", "OffscreenCanvas",
    "HTMLVideoElement", "VideoFrame", "SVGImageElement"];
  return names.some((n) => typeof globalThis[n] === "function" && v instanceof globalThis[n]);
}

function pixelsOfDrawable(src) {
  const w = src.naturalWidth || src.videoWidth || src.displayWidth || src.width;
  const h = src.naturalHeight || src.videoHeight || src.displayHeight || src.height;
  if (!w || !h) throw codedError("E_IMAGE_INPUT", "the image element has no pixels (not loaded yet?)");
  let canvas;
  if (typeof OffscreenCanvas === "function") canvas = new OffscreenCanvas(w, h);
  else {
    canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(src, 0, 0);
  return ctx.getImageData(0, 0, w, h);
}

/** PNG, JPEG or WebP by signature: the formats the wasm core decodes. */
function coreFormat(b) {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 12 && String.fromCharCode(b[0], b[1], b[2], b[3], b[8], b[9], b[10], b[11]) === "RIFFWEBP") return "webp";
  return null;
}

async function pixelsOfBytes(bytes, type) {
  // PNG, JPEG and WebP are decoded by the wasm core everywhere: it keeps the RGB stored under
  // partial and zero alpha exactly (SPEC 2.3 uses it; a browser canvas is premultiplied and
  // rounds or zeroes it), checks the pixel limit before allocating, and gives the same pixels in
  // browsers, workers and Node. Other formats the browser can decode (GIF, AVIF, BMP, …) go
  // through createImageBitmap.
  if (!coreFormat(bytes) && typeof createImageBitmap === "function" && typeof OffscreenCanvas === "function" && !isNode) {
    try {
      const bmp = await createImageBitmap(new Blob([bytes], { type: type || "" }), {
        premultiplyAlpha: "none", colorSpaceConversion: "none", imageOrientation: "from-image",
      });
      const px = pixelsOfDrawable(bmp);
      bmp.close?.();
      return px;
    } catch {
      /* not an image the browser knows either: the core's coded E_IMAGE_DECODE follows */
    }
  }
  return (await codecModule()).decode(bytes);
}

async function fetchImage(url, signal) {
  let res;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    if (e?.name === "AbortError") throw codedError("E_ABORTED", "aborted while fetching an image");
    throw codedError("E_IMAGE_FETCH", `could not fetch ${url}: ${e?.message ?? e} (offline, or blocked by CORS?)`);
  }
  if (!res.ok) throw codedError("E_IMAGE_FETCH", `fetching ${url} answered HTTP ${res.status}`, { status: res.status });
  const blob = await res.blob();
  return pixelsOfBytes(new Uint8Array(await blob.arrayBuffer()), blob.type);
}

/** URL inputs are limited to these schemes; anything else (file:, javascript:, ftp:, …) is refused. */
const URL_SCHEMES = ["http:", "https:", "data:", "blob:"];

/** The lower-cased `scheme:` of a string that starts like a URL, else null (raw base64 has no ':'). */
function urlScheme(s) {
  const m = /^\s*([a-z][a-z0-9+.-]*):/i.exec(s);
  return m ? m[1].toLowerCase() + ":" : null;
}

function badScheme(scheme) {
  return codedError(
    "E_IMAGE_INPUT",
    `image URLs must use one of the schemes ${URL_SCHEMES.join(" ")}; got ${JSON.stringify(scheme)}`,
    { param: "url" },
  );
}

/**
 * Any accepted image input → what the wasm core takes: an ImageData-like object, or a string
 * (data: URI / raw base64) that the core decodes itself.
 */
export async function toImageInput(v, { signal } = {}) {
  if (typeof v === "string") {
    const scheme = urlScheme(v);
    if (scheme === "http:" || scheme === "https:" || scheme === "blob:") return fetchImage(v, signal);
    if (scheme !== null && scheme !== "data:") throw badScheme(scheme);
    return v; // data: URI or raw base64, decoded by the core
  }
  if (isPixelObject(v)) return v;
  if (typeof Blob === "function" && v instanceof Blob) {
    return pixelsOfBytes(new Uint8Array(await v.arrayBuffer()), v.type);
  }
  if (v instanceof ArrayBuffer) return pixelsOfBytes(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return pixelsOfBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (v instanceof URL) {
    if (v.protocol === "data:") return v.href;
    if (!["http:", "https:", "blob:"].includes(v.protocol)) throw badScheme(v.protocol);
    return fetchImage(v.href, signal);
  }
  if (drawable(v)) {
    if (typeof HTMLImageElement === "function" && v instanceof HTMLImageElement && !v.complete) await v.decode();
    return pixelsOfDrawable(v);
  }
  throw codedError("E_IMAGE_INPUT", `unsupported image input: ${Object.prototype.toString.call(v)}`);
}

const IMAGE_FIELDS = ["base_image", "overlay_image", "mask"];

function checkAborted(signal, what) {
  if (signal?.aborted) throw codedError("E_ABORTED", `${what} was aborted`);
}

async function prepareBody(body, signal) {
  if (body == null || typeof body !== "object") {
    throw codedError("E_PARAM_TYPE", "the request body must be an object", { param: "body" });
  }
  const out = { ...body };
  for (const f of IMAGE_FIELDS) {
    if (out[f] == null) continue;
    const px = await toImageInput(out[f], { signal });
    // data: URIs and raw base64 are decoded here, by the codec module (the core has no decoders);
    // a blank string stays for the core to report as missing.
    out[f] = typeof px === "string" && px.trim() !== "" ? await decodeField(f, px) : px;
  }
  return out;
}

/** Decode an image field's text, naming the field in the error as the core does. */
async function decodeField(field, text) {
  const codecs = await codecModule();
  try {
    return codecs.decodeData(text);
  } catch (e) {
    if (e && typeof e === "object" && e.param === undefined) {
      e.param = field;
      e.message = `\`${field}\`: ${e.message}`;
    }
    throw e;
  }
}

/** Standard base64 (with padding) of bytes. */
function base64OfBytes(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A composite: the pixels plus encoders. */
export class ImageResult {
  constructor(imageData, warnings = []) {
    /** ImageData (browser/worker) or an ImageData-shaped object (Node). */
    this.imageData = imageData;
    this.width = imageData.width;
    this.height = imageData.height;
    /** Notes about choices the call made (e.g. background removal not run). */
    this.warnings = warnings;
  }
  /** Encoded bytes: `format` "png" (default) | "jpeg" | "webp", `quality` 1–100 (JPEG). */
  async encode({ format = "png", quality } = {}) {
    return (await codecModule()).encode(this.imageData, { format, quality });
  }
  async toBlob(opts = {}) {
    const bytes = await this.encode(opts);
    return new Blob([bytes], { type: MIME[opts.format ?? "png"] ?? "application/octet-stream" });
  }
  async toBase64(opts = {}) {
    return base64OfBytes(await this.encode(opts));
  }
  async toDataURL(opts = {}) {
    return `data:${MIME[opts.format ?? "png"]};base64,${await this.toBase64(opts)}`;
  }
}

function wrap(raw, backendUsed = "cpu") {
  if (typeof raw === "string") return raw; // base64: true → the API's base64 text
  const warnings = raw.warnings ?? [];
  delete raw.warnings;
  const used = raw.backendUsed ?? backendUsed;
  const reason = raw.gpuFallbackReason;
  delete raw.backendUsed;
  delete raw.gpuFallbackReason;
  const result = new ImageResult(raw, warnings);
  /** Where the composite ran: "cpu" | "webgpu". */
  result.backendUsed = used;
  /** Why the CPU ran although WebGPU was asked for or considered (absent otherwise). */
  if (reason !== undefined) result.gpuFallbackReason = reason;
  return result;
}

const BACKENDS = ["auto", "cpu", "webgpu"];

function checkBackend(backend) {
  if (!BACKENDS.includes(backend)) {
    throw codedError("E_PARAM_ENUM", `\`backend\` must be one of "auto", "cpu", "webgpu"; got ${JSON.stringify(backend)}`, { param: "backend" });
  }
}

/** The WebGPU adapter's info ({vendor, architecture, device, description, isFallbackAdapter}) or null. */
export async function webgpuInfo() {
  await init();
  return wasm.webgpuInfo();
}

/** The model `superimposeV2` should run for this body (SPEC 2.3: a `mask` wins), or null. */
function modelFor(body) {
  if (body.mask != null) return null;
  const name = body.bg_remove_model === undefined ? "Bria" : body.bg_remove_model; // the API default
  return name === "IsNet" || name === "Bria" ? backgroundModel(name) : null;
}

/** Overlay pixels for a model: strings (data: URI / base64) are decoded by the codec module. */
async function overlayPixels(v) {
  return decodeString(v);
}

/**
 * Superimpose v2 with the API's body (SPEC 2). Resolves to an ImageResult, or base64 text.
 * With a background-removal model registered for the body's `bg_remove_model` (default "Bria")
 * and no `mask`, the model runs first (`onProgress` reports download, load and inference).
 */
export async function superimposeV2(body, opts = {}) {
  return run("superimposeV2", "superimposeV2Gpu", body, opts);
}

// A scene's wasm object is freed when its Scene is collected (or by scene.free()): a 4K scene
// holds ~40 MB of wasm memory.
const sceneRegistry =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry((raw) => raw.free()) : null;

/**
 * A resident Superimpose v2 scene for interactive editing: the body is loaded (and a registered
 * background-removal model run) once; then `scene.render(changes, {into})` re-composites
 * synchronously, redoing only what the changed fields need. Moving the overlay or changing its
 * blend mode, opacity or seed costs the overlay's area, not the base's; a new scale, filter,
 * rotation or mirror re-prepares the overlay. Every render has exactly the bytes
 * `superimposeV2` gives for the same body. `pipeline: "v1"` takes superimpose's (v1) body instead:
 * moving it (`x_offset`, `y_offset`) costs the overlay's area, any other change prepares it again.
 */
export async function createScene(body, { signal, onProgress, pipeline = "v2" } = {}) {
  checkAborted(signal, "createScene");
  const prepared = await prepareBody(body, signal);
  await init();
  checkAborted(signal, "createScene");
  const model = pipeline === "v2" ? modelFor(prepared) : null;
  let output;
  if (model) {
    prepared.overlay_image = await overlayPixels(prepared.overlay_image);
    output = await model.run(prepared.overlay_image, { signal, onProgress });
    checkAborted(signal, "createScene");
  }
  return new Scene(new wasm.ResidentScene(prepared, output, pipeline), _sceneFixed(body));
}

/**
 * @internal Which scene last wrote each output image, with the byte array it wrote: a scene
 * writes only its changed rectangle into an image that still holds its previous render, and the
 * whole frame into any other (also one another scene or a one-shot call wrote in between).
 */
export const _intoOwner = new WeakMap();

/** @internal Whether `into` still holds what `token`'s scene last wrote into it. */
export function _intoHeldBy(into, token) {
  const o = into != null && typeof into === "object" ? _intoOwner.get(into) : undefined;
  return o !== undefined && o[0] === token && o[1] === into.data;
}

/** @internal A call wrote into `into`: no scene's frame is there any more. */
function released(into, result) {
  if (into != null && typeof into === "object") _intoOwner.delete(into);
  return result;
}

/** The fields a scene fixes when it is created (its render refuses other values for them). */
const SCENE_FIXED = ["base_image", "overlay_image", "mask", "bg_remove_model", "base64"];

/** @internal A body's fixed fields, as the caller gave them (also used by pool.js). */
export function _sceneFixed(body) {
  return Object.fromEntries(SCENE_FIXED.map((k) => [k, body?.[k]]));
}

/**
 * @internal `changes` without the fixed fields that are the very values the scene was created with, so a
 * whole body (`{...body, x_percent}`) can be passed; other values stay for the core to refuse.
 */
export function _sceneChanges(changes, fixed) {
  if (changes == null || typeof changes !== "object") return changes;
  let out = changes;
  for (const k of SCENE_FIXED) {
    if (Object.hasOwn(changes, k) && (changes[k] === fixed[k] || changes[k] === undefined)) {
      if (out === changes) out = { ...changes };
      delete out[k];
    }
  }
  return out;
}

/** See {@link createScene}. */
export class Scene {
  #raw;
  #gen = {}; // a new token after every render: only the image written last holds the frame
  #warnings;
  #fixed;
  constructor(raw, fixed = {}) {
    this.#raw = raw;
    this.#fixed = fixed;
    this.#warnings = raw.warnings();
    sceneRegistry?.register(this, raw, this);
  }
  #live() {
    if (!this.#raw) throw codedError("E_UNSUPPORTED", "this scene was freed (scene.free())", { param: "scene" });
    return this.#raw;
  }
  /** The frame's width (the base's). */
  get width() {
    return this.#live().width;
  }
  /** The frame's height (the base's). */
  get height() {
    return this.#live().height;
  }
  /** The body's warnings (as superimposeV2's). */
  get warnings() {
    return [...this.#warnings];
  }
  /**
   * Apply `changes` (any body field but the images, `bg_remove_model` and `base64`, which may only
   * be repeated with the values the scene was created with, so a whole body can be passed) and render.
   * Returns an ImageResult whose `dirty` ({x, y, width, height} or null) is the part of its
   * image this call changed: with `into` = the image the previous render wrote, only that
   * rectangle is written (repaint it with `ctx.putImageData(img, 0, 0, x, y, width, height)`).
   * On an error the scene is unchanged.
   */
  render(changes, { into, full } = {}) {
    // Only here is it known whether `into` still holds this scene's last render (no other scene,
    // package call or render of this scene wrote elsewhere since): if not, the core writes the
    // whole frame. (A non-boolean `full` still reaches the core, which rejects it.)
    const stale = into != null && !_intoHeldBy(into, this.#gen) && (full === undefined || full === false);
    const { image, dirty } = this.#live().render(_sceneChanges(changes, this.#fixed), { into, full: stale ? true : full });
    this.#gen = {};
    if (into != null && image === into) _intoOwner.set(into, [this.#gen, into.data]);
    const result = new ImageResult(image, this.warnings);
    result.dirty = dirty;
    result.backendUsed = "cpu";
    return result;
  }
  /** Release the scene's wasm memory now (later calls throw E_UNSUPPORTED). Idempotent. */
  free() {
    if (!this.#raw) return;
    sceneRegistry?.unregister(this);
    this.#raw.free();
    this.#raw = null;
  }
}

/**
 * The image with its background removed by a registered model (`model`: a registered name,
 * default "IsNet"): RGB unchanged, alpha = the model's matte × the image's own alpha.
 */
export async function removeBackground(image, { model = "IsNet", signal, onProgress } = {}) {
  checkAborted(signal, "removeBackground");
  const m = backgroundModel(model);
  if (!m) {
    throw codedError("E_MODEL_UNAVAILABLE", `no background-removal model is registered as ${JSON.stringify(model)}; call registerBackgroundModel first`, { param: "model" });
  }
  const input = await toImageInput(image, { signal });
  await init();
  const px = await overlayPixels(input);
  const out = await m.run(px, { signal, onProgress });
  checkAborted(signal, "removeBackground");
  return new ImageResult(wasm.bgApplyMask(px, out.data, out.width, out.height, out.preprocess));
}

/** Superimpose v1 with the API's body (SPEC 3). */
export async function superimpose(body, opts = {}) {
  return run("superimpose", "superimposeGpu", body, opts);
}

async function run(op, gpuOp, body, { signal, backend = "auto", baseKey, onProgress, into } = {}) {
  checkAborted(signal, op);
  checkBackend(backend);
  const prepared = await prepareBody(body, signal);
  // `base64: true`: the core composites and the codec module encodes the PNG (the core has no
  // encoders). Any other value goes to the core unchanged, which validates it.
  const asBase64 = prepared.base64 === true;
  if (asBase64) prepared.base64 = false;
  await init();
  checkAborted(signal, op); // the signal may have fired while inputs were decoded
  // v2 only: a registered background-removal model runs first (its raw output goes to the core).
  const model = op === "superimposeV2" ? modelFor(prepared) : null;
  let output;
  if (model) {
    prepared.overlay_image = await overlayPixels(prepared.overlay_image);
    output = await model.run(prepared.overlay_image, { signal, onProgress });
    checkAborted(signal, op);
  }
  // `into`: the caller's image to write the result into when the sizes match (see the types).
  const target = into === undefined ? undefined : { into };
  const raw = backend === "cpu"
    ? (op === "superimposeV2" ? wasm.superimposeV2(prepared, output, target) : wasm[op](prepared, target))
    : await wasm[gpuOp](prepared, { backend, baseKey, into }, output);
  released(into);
  if (!asBase64) return wrap(raw);
  return base64OfBytes((await codecModule()).encode(raw, { format: "png" }));
}

/** Pillow-exact resize of an RGBA image. */
export async function resize(image, opts = {}) {
  const px = await toImageInput(image);
  const pixels = await decodeString(px);
  await init();
  return new ImageResult(released(opts?.into, wasm.resize(pixels, opts)));
}

/** Pillow-exact rotation (counter-clockwise, expanded canvas). */
export async function rotate(image, opts = {}) {
  const px = await toImageInput(image);
  const pixels = await decodeString(px);
  await init();
  return new ImageResult(released(opts?.into, wasm.rotate(pixels, opts)));
}

/** Blend two same-size images with one of the 30 modes; the source's alpha is the mask. */
export async function blend(base, source, opts = {}) {
  const [b, s] = await Promise.all([toImageInput(base), toImageInput(source)]);
  const [bp, sp] = [await decodeString(b), await decodeString(s)];
  await init();
  return new ImageResult(released(opts?.into, wasm.blend(bp, sp, opts)));
}

/** A data: URI or raw base64 text (what toImageInput leaves as a string) → pixels; else as is. */
async function decodeString(px) {
  return typeof px === "string" ? (await codecModule()).decodeData(px) : px;
}

/** Decode PNG/JPEG/WebP bytes (or any accepted input) to an ImageData-shaped image. */
export async function decode(input) {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return (await codecModule()).decode(new Uint8Array(input));
  return decodeString(await toImageInput(input));
}

/** Encode an ImageData-like image to PNG/JPEG/WebP bytes. */
export async function encode(image, opts = {}) {
  return (await codecModule()).encode(image, opts);
}

/** Set the pixel limit for every image accepted or created (default 64 MP). */
export async function setMaxPixels(n) {
  await init();
  wasm.setMaxPixels(n); // validates n (coded E_PARAM_RANGE)
  maxPixelsLimit = n;
  if (codecModule.pending()) (await codecModule.pending()).setMaxPixels(n);
}

/** The current pixel limit. */
export async function maxPixels() {
  await init();
  return wasm.maxPixels();
}

/**
 * Set the working-memory budget of one call in bytes (default 1 GiB, at least 1 MiB): a decode or
 * pipeline whose estimated peak exceeds it is refused with `E_MEMORY_BUDGET` before allocating.
 */
export async function setMemoryBudget(bytes) {
  await init();
  wasm.setMemoryBudget(bytes); // validates (coded E_PARAM_RANGE)
  memoryBudgetBytes = bytes;
  // The codec module decodes with its own copy of the limits.
  if (codecModule.pending()) (await codecModule.pending()).setMemoryBudget(bytes);
}

/** The current working-memory budget in bytes. */
export async function memoryBudget() {
  await init();
  return wasm.memoryBudget();
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

/**
 * Force the kernel set: `"scalar"`, `"simd128"` or `"auto"` (the best compiled one, the default).
 * For benchmarks and tests; it applies to this JS context's module (not to pool workers).
 */
export async function setKernelBackend(backend) {
  await init();
  wasm.setKernelBackend(backend);
}

/** Every blend mode's API name (the first 14 are the remote API's enum). */
export async function blendModes() {
  await init();
  return wasm.blendModes();
}

// ---------------------------------------------------------------------------------------------
// Remote client (Segmind serverless API). The protocol, validation, retries and error mapping
// live in Rust (src/client); this wrapper only initialises wasm lazily and turns pixel inputs
// (ImageData, canvas, ImageBitmap, <img>) into PNG Blobs, which the client sends as data: URIs.

async function paramsForRemote(params) {
  if (params == null || typeof params !== "object" || Array.isArray(params)) return params;
  const out = { ...params };
  for (const [k, v] of Object.entries(out)) {
    if (isPixelObject(v) || drawable(v)) {
      const px = isPixelObject(v) ? v : pixelsOfDrawable(v);
      out[k] = new Blob([(await codecModule()).encode(px, { format: "png" })], { type: "image/png" });
    }
  }
  return out;
}

/** A submitted remote job (see `Client.submit` and `Client.resume`). */
export class Job {
  #inner;
  constructor(inner, requestId) {
    this.#inner = Promise.resolve(inner);
    /** The request id: keep it to `resume` the job after a reload (results live 1 hour). */
    this.requestId = requestId ?? inner.requestId;
  }
  /** One status poll: `{requestId, status, error, metrics, raw}` (FAILED is reported, not thrown). */
  status(opts) {
    return this.#inner.then((j) => j.status(opts));
  }
  /** Poll until COMPLETED (resolves with the result) or FAILED/timeout/abort (rejects, with `requestId`). */
  wait(opts) {
    return this.#inner.then((j) => j.wait(opts));
  }
}

/**
 * Client for Segmind's serverless API: `new Client({apiKey, baseUrl, fetch, headers, validate})`.
 * The key is only ever sent in the `x-api-key` header. Options are checked at once when the module
 * is already initialised, else on the first call (wasm loads lazily).
 */
export class Client {
  #opts;
  #inner = null;
  constructor(opts = {}) {
    this.#opts = opts;
    if (clientInitialized) this.#inner = new clientGlue.Client(opts);
  }
  async #get() {
    if (!this.#inner) {
      await clientModule();
      this.#inner = new clientGlue.Client(this.#opts);
    }
    return this.#inner;
  }
  /** Submit, poll and fetch the result: resolves `{requestId, status, output, metrics, remainingCredits, raw}`. */
  async run(model, params, opts) {
    const c = await this.#get();
    return c.run(model, await paramsForRemote(params), opts);
  }
  /** Submit only: resolves a Job whose `requestId` is available at once. */
  async submit(model, params, opts) {
    const c = await this.#get();
    return new Job(await c.submit(model, await paramsForRemote(params), opts));
  }
  /** Pick up a job by id (e.g. after a page reload); its calls poll the job. */
  resume(requestId) {
    if (this.#inner) return new Job(this.#inner.resume(requestId));
    return new Job(this.#get().then((c) => c.resume(requestId)), requestId);
  }
  /** The synchronous v1 endpoint: resolves `{blob, contentType, remainingCredits, cost, generationTime, seed, requestId}`. */
  async runSync(model, params, opts) {
    const c = await this.#get();
    return c.runSync(model, await paramsForRemote(params), opts);
  }
  /** Upload images to the upload-asset endpoint (SPEC 4.7); resolves their URLs in order. */
  async uploadAssets(images, opts) {
    const c = await this.#get();
    if (!Array.isArray(images)) return c.uploadAssets(images, opts); // the wasm side reports the type error
    const blobs = Object.values(await paramsForRemote({ ...images }));
    return c.uploadAssets(blobs, opts);
  }
}

/** The typed models' names: superimpose-v2, superimpose, seg-swap, bg-replace, segmind-relighting-v2. */
export async function modelNames() {
  await init();
  return wasm.modelNames();
}

/** A model's schema (fields, kinds, ranges, enums, defaults, docs) — e.g. to generate a form. */
export async function modelSchema(model) {
  await init();
  return wasm.modelSchema(model);
}

/** Validate a remote body exactly as `Client.run` will, without sending it. Resolves the body to send. */
export async function validateBody(model, params) {
  await init();
  return wasm.validateBody(model, params);
}
