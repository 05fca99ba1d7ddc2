// superimpose-wasm: the package entry point. Initialises the wasm module lazily, once per JS
// context (browser, worker, Node), normalises every accepted image input to pixels, and exposes
// the API as Promise-returning calls with options objects.
import initWasm, * as wasm from "./superimpose_wasm.js";

let ready = null;
let initialized = false;
const isNode =
  typeof process !== "undefined" && !!process.versions?.node && typeof window === "undefined";

/**
 * Initialise the module (idempotent; every API call does it for you).
 * @param {BufferSource | WebAssembly.Module | URL | string | Response} [moduleOrPath]
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
      initialized = true;
    })();
    ready.catch(() => {
      ready = null; // a failed load (e.g. a 404) may be retried
    });
  }
  return ready;
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
  await init();
  return wasm.decode(bytes);
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
    if (out[f] != null) out[f] = await toImageInput(out[f], { signal });
  }
  return out;
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
    await init();
    return wasm.encode(this.imageData, { format, quality });
  }
  async toBlob(opts = {}) {
    const bytes = await this.encode(opts);
    return new Blob([bytes], { type: MIME[opts.format ?? "png"] ?? "application/octet-stream" });
  }
  async toBase64(opts = {}) {
    const bytes = await this.encode(opts);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  async toDataURL(opts = {}) {
    return `data:${MIME[opts.format ?? "png"]};base64,${await this.toBase64(opts)}`;
  }
}

function wrap(raw) {
  if (typeof raw === "string") return raw; // base64: true → the API's base64 text
  const warnings = raw.warnings ?? [];
  delete raw.warnings;
  return new ImageResult(raw, warnings);
}

/** Superimpose v2 with the API's body (SPEC 2). Resolves to an ImageResult, or base64 text. */
export async function superimposeV2(body, { signal } = {}) {
  checkAborted(signal, "superimposeV2");
  const prepared = await prepareBody(body, signal);
  await init();
  checkAborted(signal, "superimposeV2"); // the signal may have fired while inputs were decoded
  return wrap(wasm.superimposeV2(prepared));
}

/** Superimpose v1 with the API's body (SPEC 3). */
export async function superimpose(body, { signal } = {}) {
  checkAborted(signal, "superimpose");
  const prepared = await prepareBody(body, signal);
  await init();
  checkAborted(signal, "superimpose"); // the signal may have fired while inputs were decoded
  return wrap(wasm.superimpose(prepared));
}

/** Pillow-exact resize of an RGBA image. */
export async function resize(image, opts = {}) {
  const px = await toImageInput(image);
  await init();
  return new ImageResult(wasm.resize(typeof px === "string" ? wasm.decode(await dataBytes(px)) : px, opts));
}

/** Pillow-exact rotation (counter-clockwise, expanded canvas). */
export async function rotate(image, opts = {}) {
  const px = await toImageInput(image);
  await init();
  return new ImageResult(wasm.rotate(typeof px === "string" ? wasm.decode(await dataBytes(px)) : px, opts));
}

/** Blend two same-size images with one of the 30 modes; the source's alpha is the mask. */
export async function blend(base, source, opts = {}) {
  const [b, s] = await Promise.all([toImageInput(base), toImageInput(source)]);
  await init();
  const px = async (v) => (typeof v === "string" ? wasm.decode(await dataBytes(v)) : v);
  return new ImageResult(wasm.blend(await px(b), await px(s), opts));
}

async function dataBytes(s) {
  const b64 = s.startsWith("data:") ? s.slice(s.indexOf(",") + 1) : s;
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decode PNG/JPEG/WebP bytes (or any accepted input) to an ImageData-shaped image. */
export async function decode(input) {
  await init();
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return wasm.decode(new Uint8Array(input));
  const px = await toImageInput(input);
  return typeof px === "string" ? wasm.decode(await dataBytes(px)) : px;
}

/** Encode an ImageData-like image to PNG/JPEG/WebP bytes. */
export async function encode(image, opts = {}) {
  await init();
  return wasm.encode(image, opts);
}

/** Set the pixel limit for every image accepted or created (default 64 MP). */
export async function setMaxPixels(n) {
  await init();
  wasm.setMaxPixels(n);
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
  wasm.setMemoryBudget(bytes);
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
      out[k] = new Blob([wasm.encode(px, { format: "png" })], { type: "image/png" });
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
    if (initialized) this.#inner = new wasm.Client(opts);
  }
  async #get() {
    if (!this.#inner) {
      await init();
      this.#inner = new wasm.Client(this.#opts);
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
