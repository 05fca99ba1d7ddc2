//! The `#[wasm_bindgen]` surface: converts JS arguments, calls the core, maps errors.
//! Only compiled for wasm32.
//!
//! Three feature-gated parts (see Cargo.toml): `core-api` exports the core (superimpose, resize,
//! rotate, blend, scenes, schemas), `codecs` exports `decode`, `decodeData` and `encode`, and
//! `client-api` the Segmind client (`Client`, `Job`). The npm package builds them as three modules
//! (scripts/build.sh) so the core stays small; the default features build one module with
//! everything (the wasm-bindgen tests use it).
// #[wasm_bindgen] exports are public to JS, not to Rust crates. Each half uses only some of the
// shared conversion helpers below.
#![allow(unreachable_pub)]
#![cfg_attr(
    not(all(feature = "core-api", feature = "codecs", feature = "client-api")),
    allow(dead_code, unused_imports)
)]

#[cfg(feature = "client-api")]
mod client;

use crate::error::Error;
use wasm_bindgen::prelude::*;

/// Turn a crate error into a JS `Error` with `name = "SuperimposeError"` and the stable `code`
/// (plus `param`, `status` and `requestId` where they exist).
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("SuperimposeError");
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        // Reflect::set on a fresh Error object cannot fail; ignore the impossible error.
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code().as_str()));
    if let Some(p) = e.param_name() {
        set("param", JsValue::from_str(p));
    }
    if let Some(s) = e.status() {
        set("status", JsValue::from(s));
    }
    if let Some(id) = e.request_id() {
        set("requestId", JsValue::from_str(id));
    }
    err.into()
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js_error(&e)
    }
}

/// Runs when the module is instantiated: installs the panic hook.
#[wasm_bindgen(start)]
pub fn start() {
    install_panic_hook();
}

/// Install (once) a panic hook that writes [`crate::error::panic_report`] — a line starting
/// `E_INTERNAL:` with the panic's location and message — to `console.error`. wasm32 always
/// aborts on panic, so the call still traps (`RuntimeError: unreachable`) after the message.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&JsValue::from_str(&crate::error::panic_report(info)));
        }));
    });
}

/// Only with the `debug` feature: panic on purpose, to check by hand what the panic hook prints
/// in a given build (`cargo build --target wasm32-unknown-unknown --features debug`, then call
/// `__panicForTest()` from JS: the console shows the `E_INTERNAL:` line, then the call throws
/// `RuntimeError: unreachable`). Never in the published package.
#[cfg(feature = "debug")]
#[wasm_bindgen(js_name = __panicForTest)]
pub fn panic_for_test(what: &str) {
    panic!("deliberate panic for the hook check: {what}");
}

/// The crate version (`Cargo.toml`).
#[cfg(feature = "core-api")]
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Which kernel set runs: `"simd128"` or `"scalar"`.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = kernelBackend)]
pub fn kernel_backend() -> String {
    crate::simd::backend().as_str().to_string()
}

/// How many threads run the row loops of one call: 1, or in the threads build
/// (`superimpose_wasm_mt`) 1 + the workers that joined the pool.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = threadCount)]
pub fn thread_count() -> u32 {
    crate::par::threads() as u32
}

/// The threads build only: the body of a pool worker (`threads-worker.js` calls it once the
/// module is instantiated on the shared memory). Joins the pool and never returns.
#[cfg(all(feature = "core-api", target_feature = "atomics"))]
#[wasm_bindgen(js_name = __threadsWorkerLoop)]
pub fn threads_worker_loop() {
    crate::par::worker_loop();
}

/// The threads build only: the address (in the shared memory) of the flag `threads-worker.js`
/// sets with `Atomics.store` when its worker trapped, so the calling thread fails its call
/// instead of waiting forever for the chunk the worker held.
#[cfg(all(feature = "core-api", target_feature = "atomics"))]
#[wasm_bindgen(js_name = __threadsPoisonAddress)]
pub fn threads_poison_address() -> u32 {
    crate::par::poison_address() as u32
}

/// The threads build only, for the tests of the poison path: a job whose chunks panic on pool
/// workers (see `par::trap_in_worker`). Fails the call (and the module) when a worker took one.
#[doc(hidden)]
#[cfg(all(feature = "core-api", target_feature = "atomics"))]
#[wasm_bindgen(js_name = __threadsTrapInWorker)]
pub fn threads_trap_in_worker(chunks: u32) {
    crate::par::trap_in_worker(chunks as usize);
}

/// The threads build only: how many row chunks the pool's workers have run since the module
/// started (tests check that the workers take part).
#[cfg(all(feature = "core-api", target_feature = "atomics"))]
#[wasm_bindgen(js_name = __threadsWorkerChunks)]
pub fn threads_worker_chunks() -> u32 {
    crate::par::worker_chunks()
}

/// Force the kernel set for benchmarks and tests: `"scalar"`, `"simd128"` or `"auto"` (the best
/// compiled one, the default). Forcing `"simd128"` in a build without it is `E_UNSUPPORTED`.
#[wasm_bindgen(js_name = setKernelBackend)]
pub fn set_kernel_backend(name: &str) -> std::result::Result<(), JsValue> {
    use crate::simd::Backend;
    let choice = match name {
        "auto" => None,
        "scalar" => Some(Backend::Scalar),
        "simd128" => Some(Backend::Simd128),
        _ => {
            return Err(Error::enumeration("backend", name, &["auto", "scalar", "simd128"]).into())
        }
    };
    Ok(crate::simd::set_backend(choice)?)
}

thread_local! {
    /// `benchCopy`'s scratch buffer, kept between calls so the timing has no page faults.
    static BENCH_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The memory-bandwidth floor for benchmarks: copies `bytes` bytes from one half of a scratch
/// buffer in wasm memory to the other (a `memory.copy`), `reps` times. Time the call from JS;
/// the buffer is allocated (and touched) on the first call with a given size, so call once to
/// warm up; `benchCopy(0, 0)` frees it. `bytes` is at most 1 GiB. Returns a byte of the copy so
/// the work is observable.
#[wasm_bindgen(js_name = benchCopy)]
pub fn bench_copy(bytes: u32, reps: u32) -> std::result::Result<u8, JsValue> {
    const MAX: u32 = 1 << 30;
    if bytes > MAX {
        return Err(Error::range(
            "bytes",
            format!("`bytes` must be at most {MAX}; got {bytes}"),
        )
        .into());
    }
    if bytes == 0 {
        BENCH_SCRATCH.with(|cell| *cell.borrow_mut() = Vec::new());
        return Ok(0);
    }
    let n = bytes as usize;
    BENCH_SCRATCH.with(|cell| {
        let mut buf = cell.borrow_mut();
        if buf.len() < 2 * n {
            buf.clear();
            buf.try_reserve_exact(2 * n).map_err(|_| {
                Error::new(
                    ErrorCode::ImageTooLarge,
                    format!("could not allocate {} bytes for benchCopy", 2 * n),
                )
            })?;
            buf.resize(2 * n, 0x5a);
        }
        for r in 0..reps {
            if let Some(first) = buf.first_mut() {
                *first = r as u8; // each repetition copies different bytes
            }
            buf.copy_within(0..n, n);
            std::hint::black_box(&mut buf[..]);
        }
        Ok(buf.get(n).copied().unwrap_or(0))
    })
}

/// Every blend mode's API name, in id order (the first 14 are the remote API's enum).
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = blendModes)]
pub fn blend_modes() -> Vec<String> {
    crate::blend::BlendMode::ALL
        .iter()
        .map(|m| m.as_str().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Images across the boundary

use crate::error::{ErrorCode, Result};
use crate::image::RgbaImage;
use js_sys::{Object, Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::JsCast;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn int_prop(obj: &JsValue, what: &str, key: &str) -> Result<u32> {
    let v = get(obj, key);
    match v.as_f64() {
        Some(n) if n.is_finite() && n.fract() == 0.0 && (1.0..=u32::MAX as f64).contains(&n) => {
            Ok(n as u32)
        }
        Some(n) => Err(Error::param(
            ErrorCode::Dimensions,
            what,
            format!("`{what}.{key}` must be a whole number of pixels ≥ 1; got {n}"),
        )),
        None => Err(Error::param(
            ErrorCode::ImageInput,
            what,
            format!("`{what}` must be an ImageData-like object {{width, height, data}}; `{key}` is missing"),
        )),
    }
}

/// An ImageData-shaped JS object (`{width, height, data}` with RGBA `Uint8Array` or
/// `Uint8ClampedArray` data) → an owned image. Sizes are checked before anything is copied.
fn image_from_js(what: &str, v: &JsValue) -> Result<RgbaImage> {
    if !v.is_object() {
        return Err(Error::param(
            ErrorCode::ImageInput,
            what,
            format!("`{what}` must be an ImageData-like object {{width, height, data}}"),
        ));
    }
    let w = int_prop(v, what, "width")?;
    let h = int_prop(v, what, "height")?;
    crate::image::check_dimensions(w, h)?;
    let data = get(v, "data");
    let expected = w as u64 * h as u64 * 4;
    let Some(a) = byte_view(&data) else {
        return Err(Error::param(
            ErrorCode::ImageInput,
            what,
            format!("`{what}.data` must be a Uint8ClampedArray or Uint8Array of RGBA bytes"),
        ));
    };
    check_len(what, w, h, expected, a.length())?;
    let bytes = a.to_vec();
    RgbaImage::from_vec(w, h, bytes)
}

fn check_len(what: &str, w: u32, h: u32, expected: u64, got: u32) -> Result<()> {
    if u64::from(got) != expected {
        return Err(Error::param(
            ErrorCode::BufferSize,
            what,
            format!("`{what}.data` of a {w}×{h} RGBA image must be {expected} bytes; got {got}"),
        ));
    }
    Ok(())
}

/// An image → a real `ImageData` where the global exists (browsers, workers), else a plain
/// `{width, height, data: Uint8ClampedArray}` object (Node). The pixels are always copied into a
/// fresh JS buffer: a view of wasm memory would be overwritten by the next call and could not be
/// transferred to another thread.
fn image_to_js(img: &RgbaImage) -> JsValue {
    image_to_js_into(img, &OutputTarget::default())
}

/// A caller's buffer for a result (`opts.into`): an `ImageData` or `{width, height, data}` whose
/// `data` is a `Uint8ClampedArray` or `Uint8Array`. Writing the result into it saves allocating
/// (and page-faulting) a new buffer per call, which an editor re-compositing on every pointer
/// move feels at 4K.
#[derive(Default)]
struct OutputTarget {
    target: Option<(JsValue, Uint8Array)>,
}

impl OutputTarget {
    /// `opts.into`, checked for its type (not yet its size: the result's size is known later).
    ///
    /// # Errors
    /// `E_PARAM_TYPE` when `into` is given but is not an image with a byte array `data`.
    fn from_opts(opts: &JsValue) -> Result<OutputTarget> {
        let Some(v) = opts_get(opts, "into") else {
            return Ok(OutputTarget::default());
        };
        let data = Reflect::get(&v, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let Some(bytes) = byte_view(&data) else {
            return Err(Error::param(
                ErrorCode::ParamType,
                "into",
                "`into` must be an ImageData or {width, height, data} with a Uint8ClampedArray or Uint8Array `data`",
            ));
        };
        Ok(OutputTarget {
            target: Some((v, bytes)),
        })
    }

    /// The caller's image and its bytes when it is `width × height` RGBA (its `width`,
    /// `height` and byte length all match), else `None` (the result goes to a new image).
    fn matching(&self, width: u32, height: u32) -> Option<&(JsValue, Uint8Array)> {
        self.target.as_ref().filter(|(obj, bytes)| {
            let dims = |k: &str| Reflect::get(obj, &k.into()).ok().and_then(|v| v.as_f64());
            dims("width") == Some(f64::from(width))
                && dims("height") == Some(f64::from(height))
                && u64::from(bytes.length()) == u64::from(width) * u64::from(height) * 4
        })
    }
}

/// As [`image_to_js`], but into the caller's buffer when it has exactly the result's size
/// (then that same object is returned); otherwise a new image as usual.
fn image_to_js_into(img: &RgbaImage, into: &OutputTarget) -> JsValue {
    if let Some((obj, bytes)) = into.matching(img.width(), img.height()) {
        bytes.copy_from(img.data());
        return obj.clone();
    }
    let data = Uint8ClampedArray::new_with_length(img.data().len() as u32);
    data.copy_from(img.data());
    image_js(img.width(), img.height(), &data)
}

/// The JS image holding `data` (`width × height` RGBA): an `ImageData` where the global exists,
/// else `{width, height, data}`.
fn image_js(width: u32, height: u32, data: &Uint8ClampedArray) -> JsValue {
    let has_image_data =
        Reflect::has(&js_sys::global(), &JsValue::from_str("ImageData")).unwrap_or(false);
    if has_image_data {
        if let Ok(d) = web_sys::ImageData::new_with_js_u8_clamped_array_and_sh(data, width, height)
        {
            return d.into();
        }
    }
    let obj = Object::new();
    let _ = Reflect::set(&obj, &"width".into(), &width.into());
    let _ = Reflect::set(&obj, &"height".into(), &height.into());
    let _ = Reflect::set(&obj, &"data".into(), data);
    obj.into()
}

/// A request body as the parsers take it: the JSON fields, and the image fields that were
/// already pixels.
type ParsedBody = (
    serde_json::Map<String, serde_json::Value>,
    Vec<(String, RgbaImage)>,
);

/// A JS request body → the JSON map the parsers take, plus the image fields that were already
/// pixels. NaN/±Infinity are refused here (JSON cannot carry them, so they would turn into null).
fn body_from_js(body: &JsValue, image_fields: &[&str]) -> Result<ParsedBody> {
    if !body.is_object() || js_sys::Array::is_array(body) {
        return Err(Error::param(
            ErrorCode::ParamType,
            "body",
            "the request body must be an object",
        ));
    }
    let mut map = serde_json::Map::new();
    let mut pixels = Vec::new();
    for key in Object::keys(body.unchecked_ref::<Object>()).iter() {
        let Some(key) = key.as_string() else { continue };
        let v = get(body, &key);
        if v.is_undefined() {
            continue;
        }
        if image_fields.contains(&key.as_str()) && v.is_object() {
            pixels.push((key.clone(), image_from_js(&key, &v)?));
            continue;
        }
        if let Some(n) = v.as_f64() {
            if !n.is_finite() {
                return Err(Error::range(
                    &key,
                    format!("`{key}` must be a finite number; got {n}"),
                ));
            }
        }
        let json: serde_json::Value = serde_wasm_bindgen::from_value(v).map_err(|e| {
            Error::param(
                ErrorCode::ParamType,
                &key,
                format!("`{key}` is not a JSON value: {e}"),
            )
        })?;
        map.insert(key, json);
    }
    Ok((map, pixels))
}

fn opts_get(opts: &JsValue, key: &str) -> Option<JsValue> {
    if opts.is_object() {
        let v = get(opts, key);
        (!v.is_undefined() && !v.is_null()).then_some(v)
    } else {
        None
    }
}

fn opt_string(opts: &JsValue, key: &str) -> Result<Option<String>> {
    match opts_get(opts, key) {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| {
            Error::param(
                ErrorCode::ParamType,
                key,
                format!("`{key}` must be a string"),
            )
        }),
    }
}

fn opt_number(opts: &JsValue, key: &str) -> Result<Option<f64>> {
    match opts_get(opts, key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() => Ok(Some(n)),
            Some(n) => Err(Error::range(
                key,
                format!("`{key}` must be a finite number; got {n}"),
            )),
            None => Err(Error::param(
                ErrorCode::ParamType,
                key,
                format!("`{key}` must be a number"),
            )),
        },
    }
}

fn opt_u32(opts: &JsValue, key: &str) -> Result<Option<u32>> {
    match opt_number(opts, key)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) => Ok(Some(n as u32)),
        Some(n) => Err(Error::range(
            key,
            format!("`{key}` must be a whole number ≥ 0; got {n}"),
        )),
    }
}

fn finish(out: crate::pipeline::Output, base64: bool, into: &OutputTarget) -> Result<JsValue> {
    if base64 {
        let png = crate::codec::encode(&out.image, crate::codec::Format::Png, None)?;
        return Ok(JsValue::from_str(&crate::codec::to_base64(&png)));
    }
    let js = image_to_js_into(&out.image, into);
    let warnings: js_sys::Array = out.warnings.iter().map(|w| JsValue::from_str(w)).collect();
    let _ = Reflect::set(&js, &"warnings".into(), &warnings);
    Ok(js)
}

// ---------------------------------------------------------------------------------------------
// Operations

const V2_IMAGES: &[&str] = &["base_image", "overlay_image", "mask"];

/// Superimpose v2 (SPEC 2): the API's JSON body, with image fields as data: URIs, raw base64 or
/// ImageData-like objects. Returns an ImageData-shaped object (with `warnings`), or the PNG as
/// base64 text when `base64: true`.
///
/// `model` (optional) is the background-removal model's raw output for this body's overlay,
/// computed by the caller (`js/bg.js`) for the model registered under the body's
/// `bg_remove_model`: `{data: Float32Array, width, height, preprocess}`. It is used per SPEC 2.3
/// (a `mask` wins; `"None"` ignores it); without it an explicit model name fails with
/// `E_MODEL_UNAVAILABLE`.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = superimposeV2)]
pub fn superimpose_v2_js(
    body: JsValue,
    model: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let into = OutputTarget::from_opts(&opts)?;
    if let Some((base, l)) = v2_stream_load(&body, &model, &into)? {
        return Ok(v2_stream(&base, &l, &into)?);
    }
    let (map, pixels) = body_from_js(&body, V2_IMAGES)?;
    let p = crate::params::SuperimposeV2::from_json(&map, pixels)?;
    let base64 = p.base64;
    let mut pre = optional_model(&model)?;
    let out = crate::pipeline::superimpose_v2_with_model(
        p,
        pre.as_mut().map(|m| m as &mut dyn crate::bgmask::MaskModel),
    )?;
    Ok(finish(out, base64, &into)?)
}

// ---------------------------------------------------------------------------------------------
// Superimpose v2 on a base streamed from JS memory.
//
// A one-shot v2 call touches all of the base (its alpha is discarded, SPEC 0) but blends only
// the overlay's rectangle. Copying the whole base into wasm memory, making it opaque there and
// copying it out moved it through RAM five times (read + write per copy, plus the alpha pass);
// at 4K that was ~12 of ~25 ms. When the base is given as pixels (`{width, height, data}` with a
// byte array), it is streamed instead: one scratch block of rows at a time is read from JS,
// made opaque and composited ([`crate::pipeline::V2Blocks`]), and written to the output while
// it is in cache. Same bytes (tests/js/v2_stream.test.mjs compares with the loaded path).

#[cfg(feature = "core-api")]
/// A base given as pixels in JS memory: `{width, height, data}` whose `data` is a byte array of
/// exactly `width × height × 4` within the pixel limit. Anything else (a data: URI, a wrong
/// length) takes the loaded path, which reports the error.
struct JsBase {
    width: u32,
    height: u32,
    data: Uint8Array,
}

#[cfg(feature = "core-api")]
impl JsBase {
    /// The body's base, unless it is not given as pixels or `into` is another view of its
    /// buffer (other than the very same bytes): writing block k there could overwrite base rows
    /// of a later block before they are read.
    fn of(body: &JsValue, into: &OutputTarget) -> Option<JsBase> {
        if !body.is_object() {
            return None;
        }
        let v = get(body, "base_image");
        if !v.is_object() {
            return None;
        }
        let width = int_prop(&v, "base_image", "width").ok()?;
        let height = int_prop(&v, "base_image", "height").ok()?;
        crate::image::check_dimensions(width, height).ok()?;
        // Byte offsets of rows are u32 below.
        if u64::from(width) * u64::from(height) * 4 > u64::from(u32::MAX) {
            return None;
        }
        let data = byte_view(&get(&v, "data"))?;
        if u64::from(data.length()) != u64::from(width) * u64::from(height) * 4 {
            return None;
        }
        if let Some((_, out)) = &into.target {
            let same_buffer = JsValue::from(out.buffer()) == JsValue::from(data.buffer());
            if same_buffer
                && (out.byte_offset(), out.length()) != (data.byte_offset(), data.length())
            {
                return None;
            }
        }
        Some(JsBase {
            width,
            height,
            data,
        })
    }
}

/// A `Uint8ClampedArray` or `Uint8Array` as a `Uint8Array` over the same bytes.
fn byte_view(v: &JsValue) -> Option<Uint8Array> {
    if let Some(a) = v.dyn_ref::<Uint8ClampedArray>() {
        Some(Uint8Array::new_with_byte_offset_and_length(
            &a.buffer(),
            a.byte_offset(),
            a.length(),
        ))
    } else {
        v.dyn_ref::<Uint8Array>().cloned()
    }
}

#[cfg(feature = "core-api")]
/// The loading half of a streamed v2 call: `None` when the body's base is not streamable (see
/// [`JsBase`]) or the result is wanted as PNG base64 (the encoder needs the whole image). The
/// body is validated and loaded exactly as on the loaded path, with a 1×1 stand-in for the
/// base's pixels: no step before the composite reads them, and the memory budget of the
/// composite is checked against the real size ([`crate::pipeline::V2Blocks::new`]).
fn v2_stream_load(
    body: &JsValue,
    model: &JsValue,
    into: &OutputTarget,
) -> Result<Option<(JsBase, crate::pipeline::LoadedV2)>> {
    let Some(base) = JsBase::of(body, into) else {
        return Ok(None);
    };
    if get(body, "base64") == JsValue::TRUE {
        return Ok(None);
    }
    let stand_in = Object::new();
    let _ = Reflect::set(&stand_in, &"width".into(), &1.into());
    let _ = Reflect::set(&stand_in, &"height".into(), &1.into());
    let _ = Reflect::set(&stand_in, &"data".into(), &Uint8Array::new_with_length(4));
    let stripped = Object::assign(&Object::new(), body.unchecked_ref());
    let _ = Reflect::set(&stripped, &"base_image".into(), &stand_in);
    let (map, pixels) = body_from_js(&stripped, V2_IMAGES)?;
    let p = crate::params::SuperimposeV2::from_json(&map, pixels)?;
    if p.base64 {
        return Ok(None);
    }
    let mut pre = optional_model(model)?;
    let l = crate::pipeline::load_v2_with_model(
        p,
        pre.as_mut().map(|m| m as &mut dyn crate::bgmask::MaskModel),
    )?;
    Ok(Some((base, l)))
}

#[cfg(feature = "core-api")]
/// Bytes per streamed block: a few hundred KiB stay in a core's L2 between the read, the
/// composite and the write.
const STREAM_BLOCK_BYTES: usize = 256 * 1024;

#[cfg(feature = "core-api")]
/// The composite half of a streamed v2 call: the result in `into` when it has the base's size
/// ([`JsBase::of`] made sure it is not another view of the base's bytes), else in a new image;
/// with the loaded body's `warnings`, as [`finish`] gives them.
fn v2_stream(base: &JsBase, l: &crate::pipeline::LoadedV2, into: &OutputTarget) -> Result<JsValue> {
    let (w, h) = (base.width, base.height);
    let blocks = crate::pipeline::V2Blocks::new((w, h), &l.overlay, l.mask.as_ref(), &l.settings)?;
    let len = u64::from(w) * u64::from(h) * 4;
    let (result, out) = match into.matching(w, h) {
        Some((obj, bytes)) => (obj.clone(), bytes.clone()),
        None => {
            crate::image::check_budget("this superimpose-v2 result", len)?;
            let data = Uint8ClampedArray::new_with_length(len as u32);
            let out = Uint8Array::new_with_byte_offset_and_length(&data.buffer(), 0, len as u32);
            (image_js(w, h, &data), out)
        }
    };
    let row_bytes = w as usize * 4;
    let block_rows = (STREAM_BLOCK_BYTES / row_bytes).clamp(1, h as usize) as u32;
    let mut scratch = RgbaImage::new(w, block_rows)?;
    let mut y0 = 0u32;
    while y0 < h {
        let n = block_rows.min(h - y0);
        if n != scratch.height() {
            scratch = RgbaImage::new(w, n)?; // the last, shorter block
        }
        let (a, b) = (y0 * w * 4, (y0 + n) * w * 4);
        // `copy_to` / `copy_from` panic on a length mismatch. The lengths were checked, but the
        // backend-choosing call awaits the GPU device in between, when the page could transfer
        // (detach) a buffer: check each block, and fail with a coded error instead.
        let (src, dst) = (base.data.subarray(a, b), out.subarray(a, b));
        if src.length() != b - a || dst.length() != b - a {
            return Err(Error::param(
                ErrorCode::ImageInput,
                "base_image",
                "the base's or the output's pixel buffer changed size during the call (was it transferred?)",
            ));
        }
        src.copy_to(scratch.data_mut());
        blocks.block(y0, &mut scratch);
        dst.copy_from(scratch.data());
        y0 += n;
    }
    let warnings: js_sys::Array = l.warnings.iter().map(|w| JsValue::from_str(w)).collect();
    let _ = Reflect::set(&result, &"warnings".into(), &warnings);
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// The resident scene (src/scene.rs): `createScene` in index.js.

/// Fields a v2 scene fixes when it is created: `render` refuses to change them.
#[cfg(feature = "core-api")]
const SCENE_FIXED: &[&str] = &[
    "base_image",
    "overlay_image",
    "mask",
    "bg_remove_model",
    "base64",
];

/// Fields a v1 scene fixes (v1 has no background removal).
#[cfg(feature = "core-api")]
const SCENE_V1_FIXED: &[&str] = &["base_image", "overlay_image", "mask", "base64"];

/// A scene of either pipeline.
#[cfg(feature = "core-api")]
enum AnyScene {
    V2(crate::scene::SceneV2),
    V1(crate::scene::SceneV1),
}

#[cfg(feature = "core-api")]
impl AnyScene {
    fn frame(&self) -> &RgbaImage {
        match self {
            AnyScene::V2(s) => s.frame(),
            AnyScene::V1(s) => s.frame(),
        }
    }

    fn fixed(&self) -> &'static [&'static str] {
        match self {
            AnyScene::V2(_) => SCENE_FIXED,
            AnyScene::V1(_) => SCENE_V1_FIXED,
        }
    }

    /// Validate the merged `body` with the pipeline's own parser (1×1 stand-ins for the fixed
    /// images) and render its settings.
    fn render(
        &mut self,
        body: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<crate::scene::Change> {
        let px = || RgbaImage::new(1, 1);
        let stand_ins = vec![
            ("base_image".to_string(), px()?),
            ("overlay_image".to_string(), px()?),
        ];
        match self {
            AnyScene::V2(scene) => scene.render_with(crate::pipeline::V2Settings::of(
                &crate::params::SuperimposeV2::from_json(body, stand_ins)?,
            )),
            AnyScene::V1(scene) => scene.render_with(crate::pipeline::V1Settings::of(
                &crate::params::SuperimposeV1::from_json(body, stand_ins)?,
            )),
        }
    }
}

/// `base64: true` has no meaning for a scene (it renders pixels).
#[cfg(feature = "core-api")]
fn refuse_scene_base64(base64: bool) -> Result<()> {
    if base64 {
        return Err(Error::param(
            ErrorCode::ParamType,
            "base64",
            "a scene renders pixels: leave out `base64` and encode a render with \
             ImageResult.toBase64() / toBlob()",
        ));
    }
    Ok(())
}

/// A resident Superimpose v2 or v1 scene (src/scene.rs), wrapped by `Scene` in index.js.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = ResidentScene)]
pub struct SceneJs {
    scene: AnyScene,
    warnings: Vec<String>,
    /// The body's settings as JSON (no image fields): `render`'s changes are merged into it
    /// and the result validated by the same parser as a one-shot call.
    body: serde_json::Map<String, serde_json::Value>,
}

#[cfg(feature = "core-api")]
#[wasm_bindgen(js_class = ResidentScene)]
impl SceneJs {
    /// A scene from a body (`pipeline` `"v2"`, the default: as `superimposeV2`, with the
    /// background-removal model's raw output if one ran; `"v1"`: as `superimpose`). Images are
    /// already decoded to pixels by the JS layer.
    ///
    /// # Errors
    /// As the pipeline's loading; `E_PARAM_TYPE` (`base64`) for `base64: true`;
    /// `E_PARAM_ENUM` (`pipeline`) for another pipeline name.
    #[wasm_bindgen(constructor)]
    pub fn new(
        body: JsValue,
        model: JsValue,
        pipeline: JsValue,
    ) -> std::result::Result<SceneJs, JsValue> {
        let (mut map, pixels) = body_from_js(&body, V2_IMAGES)?;
        let name = if pipeline.is_undefined() {
            Some("v2".to_string())
        } else {
            pipeline.as_string()
        };
        let (scene, warnings) =
            match name.as_deref() {
                Some("v2") => {
                    let p = crate::params::SuperimposeV2::from_json(&map, pixels)?;
                    refuse_scene_base64(p.base64)?;
                    let mut pre = optional_model(&model)?;
                    let loaded = crate::pipeline::load_v2_with_model(
                        p,
                        pre.as_mut().map(|m| m as &mut dyn crate::bgmask::MaskModel),
                    )?;
                    let warnings = loaded.warnings.clone();
                    (AnyScene::V2(crate::scene::SceneV2::new(loaded)?), warnings)
                }
                Some("v1") => {
                    let p = crate::params::SuperimposeV1::from_json(&map, pixels)?;
                    refuse_scene_base64(p.base64)?;
                    let loaded = crate::pipeline::load_v1(p)?;
                    (
                        AnyScene::V1(crate::scene::SceneV1::new(loaded)?),
                        Vec::new(),
                    )
                }
                _ => return Err(Error::param(
                    ErrorCode::ParamEnum,
                    "pipeline",
                    "`pipeline` must be \"v2\" (superimposeV2's body) or \"v1\" (superimpose's)",
                )
                .into()),
            };
        for k in V2_IMAGES {
            map.remove(*k);
        }
        Ok(SceneJs {
            scene,
            warnings,
            body: map,
        })
    }

    /// The frame's width (the base's).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.scene.frame().width()
    }

    /// The frame's height (the base's).
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.scene.frame().height()
    }

    /// The body's warnings (as a one-shot call's).
    pub fn warnings(&self) -> js_sys::Array {
        self.warnings.iter().map(|w| JsValue::from_str(w)).collect()
    }

    /// Apply `changes` (body fields other than the images, `bg_remove_model` and `base64`) and
    /// render. Resolves to `{image, dirty}`: `image` is `opts.into` when it has the frame's
    /// size, else a new image; `dirty` (`{x, y, width, height}` or `null`) is what this call
    /// wrote: into `opts.into`, only the changed rectangle unless `opts.full` is `true` (the
    /// caller, `Scene` in index.js, knows whether `into` still holds this scene's last render
    /// and passes `full: true` when it does not), the whole frame into a new image. On an error
    /// nothing changes.
    ///
    /// # Errors
    /// The `E_PARAM_*` codes of a body; `E_UNSUPPORTED` for a fixed field; as
    /// [`crate::scene::SceneV2::render_with`].
    pub fn render(
        &mut self,
        changes: JsValue,
        opts: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let into = OutputTarget::from_opts(&opts)?;
        let full = match opts_get(&opts, "full") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                Error::param(ErrorCode::ParamType, "full", "`full` must be a boolean")
            })?,
        };
        let body = self.merged(&changes)?;
        let change = self.scene.render(&body)?;
        self.body = body;
        let frame = self.scene.frame();
        let whole = crate::scene::Rect {
            x: 0,
            y: 0,
            width: frame.width(),
            height: frame.height(),
        };
        let (image, dirty) = match &into.target {
            Some((obj, bytes))
                if get(obj, "width").as_f64() == Some(f64::from(frame.width()))
                    && get(obj, "height").as_f64() == Some(f64::from(frame.height()))
                    && bytes.length() as usize == frame.data().len() =>
            {
                let dirty = if full { Some(whole) } else { change.rect() };
                if let Some(r) = dirty {
                    write_rect(frame, r, bytes);
                }
                (obj.clone(), dirty)
            }
            _ => (image_to_js(frame), Some(whole)),
        };
        let out = Object::new();
        let _ = Reflect::set(&out, &"image".into(), &image);
        let dirty = match dirty {
            None => JsValue::NULL,
            Some(r) => {
                let o = Object::new();
                for (k, v) in [
                    ("x", r.x),
                    ("y", r.y),
                    ("width", r.width),
                    ("height", r.height),
                ] {
                    let _ = Reflect::set(&o, &k.into(), &v.into());
                }
                o.into()
            }
        };
        let _ = Reflect::set(&out, &"dirty".into(), &dirty);
        Ok(out.into())
    }
}

#[cfg(feature = "core-api")]
impl SceneJs {
    /// The stored body with `changes` merged in (not yet validated).
    fn merged(&self, changes: &JsValue) -> Result<serde_json::Map<String, serde_json::Value>> {
        let mut body = self.body.clone();
        if changes.is_undefined() || changes.is_null() {
            return Ok(body);
        }
        if !changes.is_object() || js_sys::Array::is_array(changes) {
            return Err(Error::param(
                ErrorCode::ParamType,
                "changes",
                "a scene's changes must be an object of body fields",
            ));
        }
        for key in Object::keys(changes.unchecked_ref::<Object>()).iter() {
            let Some(key) = key.as_string() else { continue };
            let v = get(changes, &key);
            if v.is_undefined() {
                continue;
            }
            if self.scene.fixed().contains(&key.as_str()) {
                return Err(Error::param(
                    ErrorCode::Unsupported,
                    &key,
                    format!(
                        "`{key}` is fixed when a scene is created; create a new scene to change it"
                    ),
                ));
            }
            let (mut one, _) = body_from_js(&single(&key, &v), &[])?;
            if let Some(json) = one.remove(&key) {
                body.insert(key, json);
            }
        }
        Ok(body)
    }
}

/// `{[key]: v}`.
#[cfg(feature = "core-api")]
fn single(key: &str, v: &JsValue) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &key.into(), v);
    o.into()
}

/// Copy rectangle `r` of `frame` into `bytes` (the same size as `frame`'s data).
#[cfg(feature = "core-api")]
fn write_rect(frame: &RgbaImage, r: crate::scene::Rect, bytes: &Uint8Array) {
    let stride = frame.width() as usize * 4;
    if r.x == 0 && r.width == frame.width() {
        let (a, b) = (r.y as usize * stride, (r.y + r.height) as usize * stride);
        bytes
            .subarray(a as u32, b as u32)
            .copy_from(&frame.data()[a..b]);
        return;
    }
    let (x0, x1) = (r.x as usize * 4, (r.x + r.width) as usize * 4);
    for y in r.y..r.y + r.height {
        let at = y as usize * stride;
        bytes
            .subarray((at + x0) as u32, (at + x1) as u32)
            .copy_from(&frame.row(y)[x0..x1]);
    }
}

// ---------------------------------------------------------------------------------------------
// Background removal (src/bgmask.rs): the deterministic steps around the async inference.

#[cfg(feature = "core-api")]
fn preprocess_of(s: &str) -> Result<crate::bgmask::Preprocess> {
    crate::bgmask::Preprocess::parse("preprocess", s)
}

#[cfg(feature = "core-api")]
fn mask_map_from_js(data: &JsValue, width: u32, height: u32) -> Result<crate::bgmask::MaskMap> {
    let Some(arr) = data.dyn_ref::<js_sys::Float32Array>() else {
        return Err(Error::param(
            ErrorCode::ParamType,
            "mask",
            "the model output must be a Float32Array",
        ));
    };
    // Only the first width·height values (channel 0) are used: copy just those.
    let n = width as u64 * height as u64;
    crate::image::check_dimensions(width, height)?;
    let len = u64::from(arr.length());
    let take = if len < n { arr.length() } else { n as u32 };
    crate::bgmask::MaskMap::new(width, height, arr.subarray(0, take).to_vec())
}

/// The optional `model` argument of the v2 exports: absent → `None`.
#[cfg(feature = "core-api")]
fn optional_model(model: &JsValue) -> Result<Option<crate::bgmask::Precomputed>> {
    if model.is_undefined() || model.is_null() {
        Ok(None)
    } else {
        precomputed_from_js(model).map(Some)
    }
}

#[cfg(feature = "core-api")]
fn precomputed_from_js(v: &JsValue) -> Result<crate::bgmask::Precomputed> {
    let what = "model output";
    if !v.is_object() {
        return Err(Error::param(
            ErrorCode::ParamType,
            "model",
            "the model output must be an object {data, width, height, preprocess}",
        ));
    }
    let width = int_prop(v, what, "width")?;
    let height = int_prop(v, what, "height")?;
    let preprocess = get(v, "preprocess").as_string().ok_or_else(|| {
        Error::param(
            ErrorCode::ParamType,
            "preprocess",
            "`preprocess` must be a string",
        )
    })?;
    Ok(crate::bgmask::Precomputed {
        preprocess: preprocess_of(&preprocess)?,
        map: mask_map_from_js(&get(v, "data"), width, height)?,
    })
}

#[cfg(feature = "core-api")]
/// The model input for `image` under `preprocess` (`"isnet"`, `"u2net"`, `"rmbg2"`):
/// `{data: Float32Array, dims: [1, 3, S, S]}` (NCHW).
#[wasm_bindgen(js_name = bgPrepare)]
pub fn bg_prepare(image: JsValue, preprocess: &str) -> std::result::Result<JsValue, JsValue> {
    let img = image_from_js("image", &image)?;
    let t = crate::bgmask::prepare(&img, preprocess_of(preprocess)?)?;
    let obj = Object::new();
    let data = js_sys::Float32Array::new_with_length(t.data.len() as u32);
    data.copy_from(&t.data);
    let dims: js_sys::Array = t.dims.iter().map(|&d| JsValue::from(d as u32)).collect();
    let _ = Reflect::set(&obj, &"data".into(), &data);
    let _ = Reflect::set(&obj, &"dims".into(), &dims);
    Ok(obj.into())
}

#[cfg(feature = "core-api")]
/// The overlay with its alpha multiplied by the matte made from a model output `mask`
/// (`mw × mh`, channel 0 first) under `preprocess`. RGB unchanged.
#[wasm_bindgen(js_name = bgApplyMask)]
pub fn bg_apply_mask(
    overlay: JsValue,
    mask: JsValue,
    mw: u32,
    mh: u32,
    preprocess: &str,
) -> std::result::Result<JsValue, JsValue> {
    let ov = image_from_js("overlay", &overlay)?;
    let pre = preprocess_of(preprocess)?;
    let map = mask_map_from_js(&mask, mw, mh)?;
    let m = crate::bgmask::matte(&map, pre, ov.width(), ov.height())?;
    Ok(image_to_js(&crate::bgmask::apply_matte(&ov, &m)?))
}

#[cfg(feature = "core-api")]
/// The matte alone (an `width × height` grey plane as an ImageData-shaped RGBA image with
/// R = G = B = matte, alpha 255) from a model output, for previews.
#[wasm_bindgen(js_name = bgMatte)]
pub fn bg_matte(
    mask: JsValue,
    mw: u32,
    mh: u32,
    preprocess: &str,
    width: u32,
    height: u32,
) -> std::result::Result<JsValue, JsValue> {
    let map = mask_map_from_js(&mask, mw, mh)?;
    let m = crate::bgmask::matte(&map, preprocess_of(preprocess)?, width, height)?;
    let mut out = RgbaImage::new(width, height)?;
    for (p, &v) in out.data_mut().chunks_exact_mut(4).zip(m.data()) {
        p.copy_from_slice(&[v, v, v, 255]);
    }
    Ok(image_to_js(&out))
}

/// Superimpose v1 (SPEC 3): as [`superimpose_v2_js`] with the v1 body.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = superimpose)]
pub fn superimpose_v1_js(body: JsValue, opts: JsValue) -> std::result::Result<JsValue, JsValue> {
    let into = OutputTarget::from_opts(&opts)?;
    let (map, pixels) = body_from_js(&body, V2_IMAGES)?;
    let p = crate::params::SuperimposeV1::from_json(&map, pixels)?;
    let base64 = p.base64;
    Ok(finish(crate::pipeline::superimpose_v1(p)?, base64, &into)?)
}

/// Resize an RGBA image like Pillow's `Image.resize` on RGBA (premultiplied; `filter` one of
/// `"nearest"`, `"box"`, `"bilinear"`, `"bicubic"` (default), `"lanczos"`).
#[cfg(feature = "core-api")]
#[wasm_bindgen]
pub fn resize(img: JsValue, opts: JsValue) -> std::result::Result<JsValue, JsValue> {
    let into = OutputTarget::from_opts(&opts)?;
    let src = image_from_js("image", &img)?;
    let width = opt_u32(&opts, "width")?.unwrap_or(src.width());
    let height = opt_u32(&opts, "height")?.unwrap_or(src.height());
    let filter = match opt_string(&opts, "filter")? {
        Some(f) => crate::resample::Filter::parse("filter", &f)?,
        None => crate::resample::Filter::Bicubic,
    };
    crate::image::check_dimensions(width, height)?;
    crate::image::check_budget(
        "this resize",
        crate::image::estimate::resize(src.width(), src.height(), width, height),
    )?;
    let out = crate::resample::resize_premultiplied(&src, width, height, filter)?;
    Ok(image_to_js_into(&out, &into))
}

/// Rows `[y0, y1)` of [`resize`] (the worker pool's row split): `img` holds rows
/// `[srcY0, srcY0 + img.height)` (every column) of the full source, which has `srcHeight` rows
/// (default: `img.height`, `srcY0` 0). `opts`: `width`, `height`, `filter` as [`resize`], and
/// `y0`, `y1` (required). The bytes are those rows of the full call.
///
/// # Errors
/// As [`resize`]; `E_PARAM_RANGE` for a band outside the output (`band`) or a window that does
/// not hold the rows the band reads (`srcY0`).
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = resizeBand)]
pub fn resize_band(img: JsValue, opts: JsValue) -> std::result::Result<JsValue, JsValue> {
    let rows = image_from_js("image", &img)?;
    let src_y0 = opt_u32(&opts, "srcY0")?.unwrap_or(0);
    let src_h = opt_u32(&opts, "srcHeight")?.unwrap_or(rows.height());
    let width = opt_u32(&opts, "width")?.unwrap_or(rows.width());
    let height = opt_u32(&opts, "height")?.unwrap_or(src_h);
    let filter = match opt_string(&opts, "filter")? {
        Some(f) => crate::resample::Filter::parse("filter", &f)?,
        None => crate::resample::Filter::Bicubic,
    };
    let (Some(y0), Some(y1)) = (opt_u32(&opts, "y0")?, opt_u32(&opts, "y1")?) else {
        return Err(Error::range("band", "`y0` and `y1` (the output rows) are required").into());
    };
    crate::image::check_dimensions(width, height)?;
    crate::image::check_dimensions(rows.width(), src_h)?;
    crate::resample::check_band("band", y0, y1, height)?;
    let (r0, r1) = crate::resample::input_rows(rows.width(), src_h, width, height, filter, y0, y1)?;
    let held = u64::from(src_y0) + u64::from(rows.height());
    if r0 < src_y0 || u64::from(r1) > held || held > u64::from(src_h) {
        return Err(Error::range(
            "srcY0",
            format!(
                "output rows [{y0}, {y1}) read source rows [{r0}, {r1}); the image holds rows \
                 [{src_y0}, {held}) of {src_h}"
            ),
        )
        .into());
    }
    crate::image::check_budget(
        "this resize band",
        crate::image::estimate::resize(rows.width(), rows.height(), width, y1 - y0),
    )?;
    let out = crate::resample::resize_premultiplied_window(
        rows,
        src_y0,
        src_h,
        (width, height),
        filter,
        (y0, y1),
    )?;
    Ok(image_to_js(&out))
}

/// Rows `[y0, y0 + base_image.height)` of Superimpose v2 on a base of `baseHeight` rows (the
/// worker pool's row split): `body` is the API body with `base_image` holding only those rows
/// (pixels); `opts`: `y0`, `baseHeight` (required) and `backend` (`"cpu"` | `"auto"`, default
/// `"auto"`). Resolves like `superimposeV2Gpu` (`warnings`, `backendUsed: "cpu"` and, for
/// `"auto"`, `gpuFallbackReason`); no background-removal model runs here. For `"auto"`, when
/// the single call would run on WebGPU (a real adapter and enough work) this fails with
/// `E_UNSUPPORTED` rather than give a CPU result.
///
/// # Errors
/// As `superimposeV2`; `E_PARAM_RANGE` (`band`) for a band outside the base.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = superimposeV2Band)]
pub async fn superimpose_v2_band_js(
    body: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (y0, base_h) = band_rows(&opts)?;
    let auto = band_backend(&opts)?;
    let l = load_v2_body(&body)?;
    let dims = (l.overlay.width(), l.overlay.height());
    let reason = auto_reason(auto, dims, &l.settings, l.base.width(), base_h).await?;
    let image = crate::pipeline::composite_v2_band(
        l.base,
        base_h,
        y0,
        &l.overlay,
        l.mask.as_ref(),
        &l.settings,
    )?;
    Ok(band_result(image, l.warnings, reason)?)
}

/// A v2 body (pixels already decoded by the JS layer) parsed and loaded, with no model: what the
/// band exports of the pool's row split start from.
#[cfg(feature = "core-api")]
fn load_v2_body(body: &JsValue) -> Result<crate::pipeline::LoadedV2> {
    let (map, pixels) = body_from_js(body, V2_IMAGES)?;
    crate::pipeline::load_v2(crate::params::SuperimposeV2::from_json(&map, pixels)?)
}

/// A band export's required `opts.y0` and `opts.baseHeight`.
#[cfg(feature = "core-api")]
fn band_rows(opts: &JsValue) -> Result<(u32, u32)> {
    match (opt_u32(opts, "y0")?, opt_u32(opts, "baseHeight")?) {
        (Some(y0), Some(base_h)) => Ok((y0, base_h)),
        _ => Err(Error::range("band", "`y0` and `baseHeight` are required")),
    }
}

/// A band's result as the pool expects it: the image with `warnings`, `backendUsed: "cpu"` and,
/// when the single call's `"auto"` chose the CPU for a reason, `gpuFallbackReason`.
#[cfg(feature = "core-api")]
fn band_result(image: RgbaImage, warnings: Vec<String>, reason: Option<String>) -> Result<JsValue> {
    let js = finish(
        crate::pipeline::Output { image, warnings },
        false,
        &OutputTarget::default(),
    )?;
    mark_backend(&js, "cpu", reason.as_deref());
    Ok(js)
}

/// The CPU reason of the single call's `backend: "auto"` choice on the full base (`None` for
/// `"cpu"`), or `E_UNSUPPORTED` when that call would run on WebGPU. The adapter is asked once
/// per worker.
#[cfg(feature = "core-api")]
async fn auto_reason(
    auto: bool,
    (w, h): (u32, u32),
    s: &crate::pipeline::V2Settings,
    base_w: u32,
    base_h: u32,
) -> Result<Option<String>> {
    if !auto {
        return Ok(None);
    }
    let scaled = crate::pipeline::v2_scaled_size(w, h, s.rescale_factor)
        .map(|(a, b)| u64::from(a) * u64::from(b))
        .unwrap_or(0);
    let work = scaled + u64::from(base_w) * u64::from(base_h);
    let min = crate::gpu::AUTO_MIN_PIXELS;
    if work < min {
        return Ok(Some(format!(
            "auto: {work} px of work is below the WebGPU threshold of {min} px"
        )));
    }
    thread_local! {
        static ADAPTER: std::cell::RefCell<Option<Option<(bool, String)>>> =
            const { std::cell::RefCell::new(None) };
    }
    let known = ADAPTER.with(|a| a.borrow().clone());
    let adapter = match known {
        Some(a) => a,
        None => {
            let a = crate::gpu::adapter_info()
                .await
                .map(|i| (i.fallback, i.architecture));
            ADAPTER.with(|c| *c.borrow_mut() = Some(a.clone()));
            a
        }
    };
    match adapter {
        None => Ok(Some(
            "auto: no WebGPU adapter (the call was split across the pool's workers)".to_string(),
        )),
        Some((true, arch)) => Ok(Some(format!(
            "auto: the WebGPU adapter is a software fallback ({arch}), slower than the CPU kernels"
        ))),
        Some((false, _)) => Err(Error::new(
            ErrorCode::Unsupported,
            "with backend \"auto\" this call would run on WebGPU; do not split it",
        )),
    }
}

/// `backend` of a band call: `"auto"` (default, `true`) or `"cpu"`.
#[cfg(feature = "core-api")]
fn band_backend(opts: &JsValue) -> Result<bool> {
    match opt_string(opts, "backend")?.as_deref() {
        None | Some("auto") => Ok(true),
        Some("cpu") => Ok(false),
        Some(other) => Err(Error::param(
            ErrorCode::ParamEnum,
            "backend",
            format!("a band runs on the CPU: `backend` must be \"auto\" or \"cpu\"; got {other:?}"),
        )),
    }
}

/// The first phase of the pool's two-phase Superimpose v2 split: part `part` of `parts` (rows
/// `[⌊part·h₁/parts⌋, ⌊(part+1)·h₁/parts⌋)`) of the overlay after mirror, alpha plane and
/// scaling, before the rotation (every column; `h₁` the scaled height). `body` is the API body
/// (its `base_image` is not used but must be an image). Resolves to the rows with `y0` (their
/// first row), `scaledWidth`, `scaledHeight` and the call's `warnings`; with `opts.baseWidth`
/// and `opts.baseHeight` (the real base's size) also `left`, `top`, `preparedWidth`,
/// `preparedHeight`: the prepared overlay's rectangle on that base.
///
/// # Errors
/// As `superimposeV2`; `E_PARAM_RANGE` (`band`) unless `part < parts`.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = superimposeV2ScaledRows)]
pub fn superimpose_v2_scaled_rows_js(
    body: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (Some(part), Some(parts)) = (opt_u32(&opts, "part")?, opt_u32(&opts, "parts")?) else {
        return Err(Error::range("band", "`part` and `parts` are required").into());
    };
    if part >= parts {
        return Err(Error::range(
            "band",
            format!("`part` {part} is not below `parts` {parts}"),
        )
        .into());
    }
    let l = load_v2_body(&body)?;
    let (w1, h1) = crate::pipeline::v2_scaled_size(
        l.overlay.width(),
        l.overlay.height(),
        l.settings.rescale_factor,
    )?;
    let y0 = (u64::from(part) * u64::from(h1) / u64::from(parts)) as u32;
    let y1 = (u64::from(part + 1) * u64::from(h1) / u64::from(parts)) as u32;
    // An empty part (more parts than rows) is a 1-row placeholder the caller drops by `y0`/`y1`.
    let rows = if y1 > y0 {
        crate::pipeline::scaled_overlay_rows_v2(&l.overlay, l.mask.as_ref(), &l.settings, y0, y1)?
    } else {
        RgbaImage::new(w1, 1)?
    };
    let js = finish(
        crate::pipeline::Output {
            image: rows,
            warnings: l.warnings,
        },
        false,
        &OutputTarget::default(),
    )?;
    for (k, v) in [
        ("y0", y0),
        ("y1", y1),
        ("scaledWidth", w1),
        ("scaledHeight", h1),
    ] {
        let _ = Reflect::set(&js, &k.into(), &v.into());
    }
    // Where the prepared overlay lands on the caller's base (`baseWidth` × `baseHeight`).
    if let (Some(bw), Some(bh)) = (opt_u32(&opts, "baseWidth")?, opt_u32(&opts, "baseHeight")?) {
        crate::image::check_dimensions(bw, bh)?;
        let dims = (l.overlay.width(), l.overlay.height());
        let ((w2, h2), (left, top)) =
            crate::pipeline::v2_prepared_placement((bw, bh), dims, &l.settings)?;
        for (k, v) in [
            ("left", left as f64),
            ("top", top as f64),
            ("preparedWidth", f64::from(w2)),
            ("preparedHeight", f64::from(h2)),
        ] {
            let _ = Reflect::set(&js, &k.into(), &v.into());
        }
    }
    Ok(js)
}

/// The second phase of the pool's two-phase Superimpose v2 split: the composite on the crop
/// `[x0, x0 + base_image.width) × [y0, y0 + base_image.height)` of a `baseWidth × baseHeight`
/// base (`opts`; `x0` default 0, `baseWidth` default the crop's width), where the body's
/// `overlay_image` is the whole scaled overlay (the first phase's output) of an overlay
/// `overlayWidth × overlayHeight` (`opts`) and `mask` is not given (it is in the scaled
/// overlay's alpha). `opts.backend` as [`superimpose_v2_band_js`]. Warnings are the first
/// phase's.
///
/// # Errors
/// As [`superimpose_v2_band_js`]; `E_DIMENSIONS` when the scaled overlay's size does not match.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = superimposeV2BandScaled)]
pub async fn superimpose_v2_band_scaled_js(
    body: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (y0, base_h) = band_rows(&opts)?;
    let (Some(ow), Some(oh)) = (
        opt_u32(&opts, "overlayWidth")?,
        opt_u32(&opts, "overlayHeight")?,
    ) else {
        return Err(Error::range("band", "`overlayWidth` and `overlayHeight` are required").into());
    };
    let x0 = opt_u32(&opts, "x0")?.unwrap_or(0);
    let auto = band_backend(&opts)?;
    let l = load_v2_body(&body)?;
    let base_w = opt_u32(&opts, "baseWidth")?.unwrap_or(l.base.width());
    let reason = auto_reason(auto, (ow, oh), &l.settings, base_w, base_h).await?;
    let image = crate::pipeline::composite_v2_crop_scaled(
        l.base,
        (x0, y0),
        (base_w, base_h),
        &l.overlay,
        (ow, oh),
        &l.settings,
    )?;
    Ok(band_result(image, Vec::new(), reason)?)
}

/// Rotate an RGBA image counter-clockwise by `degrees` with an expanded canvas, like Pillow's
/// `rotate(degrees, resample, expand=True)` (`sampler`: `"nearest"` (default), `"bilinear"`,
/// `"bicubic"`).
#[cfg(feature = "core-api")]
#[wasm_bindgen]
pub fn rotate(img: JsValue, opts: JsValue) -> std::result::Result<JsValue, JsValue> {
    let into = OutputTarget::from_opts(&opts)?;
    let src = image_from_js("image", &img)?;
    let degrees = opt_number(&opts, "degrees")?.unwrap_or(0.0);
    let sampler = match opt_string(&opts, "sampler")? {
        Some(s) => crate::rotate::Sampler::parse("sampler", &s)?,
        None => crate::rotate::Sampler::Nearest,
    };
    crate::image::check_budget(
        "this rotation",
        crate::image::estimate::rotate(src.width(), src.height(), degrees),
    )?;
    Ok(image_to_js_into(
        &crate::rotate::rotate_premultiplied(&src, degrees, sampler)?,
        &into,
    ))
}

/// Blend `source` onto `base` (same size) with `mode` (default `"normal"`) at `opacity` 0–1
/// (default 1); the source's alpha is the mask. `seed` makes `dissolve` reproducible.
#[cfg(feature = "core-api")]
#[wasm_bindgen]
pub fn blend(
    base: JsValue,
    source: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let into = OutputTarget::from_opts(&opts)?;
    let b = image_from_js("base", &base)?;
    let s = image_from_js("source", &source)?;
    let mode = match opt_string(&opts, "mode")? {
        Some(m) => crate::blend::BlendMode::parse("mode", &m)?,
        None => crate::blend::BlendMode::Normal,
    };
    let opacity = opt_number(&opts, "opacity")?.unwrap_or(1.0);
    let seed = opt_u32(&opts, "seed")?.unwrap_or(0);
    // The base was copied into wasm above; composite that copy in place (no second copy).
    Ok(image_to_js_into(
        &crate::blend::blend_owned(b, &s, mode, opacity, seed)?,
        &into,
    ))
}

/// Decode PNG, JPEG or WebP bytes (EXIF orientation applied) to an ImageData-shaped RGBA image.
#[cfg(feature = "codecs")]
#[wasm_bindgen]
pub fn decode(bytes: &[u8]) -> std::result::Result<JsValue, JsValue> {
    Ok(image_to_js(&crate::codec::decode(bytes)?))
}

/// Decode a `data:<mime>;base64,…` URI or raw base64 text of a PNG, JPEG or WebP image (the
/// mime type is not trusted; the format is sniffed) — the strings the request bodies accept.
#[cfg(feature = "codecs")]
#[wasm_bindgen(js_name = decodeData)]
pub fn decode_data(text: &str) -> std::result::Result<JsValue, JsValue> {
    Ok(image_to_js(&crate::codec::decode_data(text)?))
}

/// Encode an RGBA image: `format` `"png"` (default), `"jpeg"` or `"webp"` (lossless);
/// `quality` 1–100 for JPEG.
#[cfg(feature = "codecs")]
#[wasm_bindgen]
pub fn encode(img: JsValue, opts: JsValue) -> std::result::Result<Vec<u8>, JsValue> {
    let src = image_from_js("image", &img)?;
    let format = match opt_string(&opts, "format")? {
        Some(f) => crate::codec::Format::parse(&f)?,
        None => crate::codec::Format::Png,
    };
    let quality = match opt_u32(&opts, "quality")? {
        Some(q) if (1..=100).contains(&q) => Some(q as u8),
        Some(q) => {
            return Err(Error::range("quality", format!("`quality` must be 1–100; got {q}")).into())
        }
        None => None,
    };
    Ok(crate::codec::encode(&src, format, quality)?)
}

/// Set the pixel limit for every image the module accepts or creates (default 64 MP).
#[wasm_bindgen(js_name = setMaxPixels)]
pub fn set_max_pixels(limit: f64) -> std::result::Result<(), JsValue> {
    let limit = whole_number("maxPixels", limit, 1.0, "a whole number ≥ 1")?;
    Ok(crate::image::set_max_pixels(limit)?)
}

/// `v` as a whole number ≥ `min`, else `E_PARAM_RANGE` for `key` ("`key` must be {what}; got v").
fn whole_number(key: &str, v: f64, min: f64, what: &str) -> Result<u64> {
    if v.is_finite() && v >= min && v.fract() == 0.0 {
        Ok(v as u64)
    } else {
        Err(Error::range(
            key,
            format!("`{key}` must be {what}; got {v}"),
        ))
    }
}

/// The current pixel limit.
#[wasm_bindgen(js_name = maxPixels)]
pub fn max_pixels() -> f64 {
    crate::image::max_pixels() as f64
}

/// Set the working-memory budget of one call in bytes (default 1 GiB, at least 1 MiB): decodes
/// and pipelines whose estimated peak exceeds it are refused with `E_MEMORY_BUDGET` before
/// allocating.
#[wasm_bindgen(js_name = setMemoryBudget)]
pub fn set_memory_budget(bytes: f64) -> std::result::Result<(), JsValue> {
    let bytes = whole_number("memoryBudget", bytes, 0.0, "a whole number of bytes")?;
    Ok(crate::image::set_memory_budget(bytes)?)
}

/// The current working-memory budget in bytes.
#[wasm_bindgen(js_name = memoryBudget)]
pub fn memory_budget() -> f64 {
    crate::image::memory_budget() as f64
}

// ---------------------------------------------------------------------------------------------
// Model schemas (for forms and pre-flight validation)

/// The typed models' names.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = modelNames)]
pub fn model_names() -> Vec<String> {
    crate::schema::MODELS
        .iter()
        .map(|s| s.model.to_string())
        .collect()
}

/// A model's schema as a plain object (fields with kind, range, enum, default, required, doc).
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = modelSchema)]
pub fn model_schema(model: &str) -> std::result::Result<JsValue, JsValue> {
    let schema = crate::schema::for_model(model).ok_or_else(|| {
        Error::param(
            ErrorCode::NotFound,
            "model",
            format!("no schema for model {model:?}"),
        )
    })?;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&schema.to_json(), &ser)
        .map_err(|e| Error::internal(format!("schema serialisation failed: {e}")).into())
}

/// Validate a remote body as the client will before submitting; returns the body to send.
#[cfg(feature = "core-api")]
#[wasm_bindgen(js_name = validateBody)]
pub fn validate_body(model: &str, params: JsValue) -> std::result::Result<JsValue, JsValue> {
    let schema = crate::schema::for_model(model).ok_or_else(|| {
        Error::param(
            ErrorCode::NotFound,
            "model",
            format!("no schema for model {model:?}"),
        )
    })?;
    let (map, pixels) = body_from_js(&params, &[])?;
    debug_assert!(pixels.is_empty());
    let body = schema.validate_remote(&map)?;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&serde_json::Value::Object(body), &ser)
        .map_err(|e| Error::internal(format!("serialisation failed: {e}")).into())
}

// ---------------------------------------------------------------------------------------------
// WebGPU backend (see README "WebGPU")

#[cfg(feature = "core-api")]
/// `opts.backend` (default `"auto"`) and `opts.baseKey` (a string or number naming the base
/// pixels; without it the base is hashed to decide whether the GPU copy is still current).
fn backend_opts(opts: &JsValue) -> Result<(crate::gpu::Backend, Option<u64>)> {
    let backend = match opt_string(opts, "backend")? {
        Some(b) => crate::gpu::Backend::parse(&b)?,
        None => crate::gpu::Backend::Auto,
    };
    let key = match opts_get(opts, "baseKey") {
        None => None,
        Some(v) => match (v.as_string(), v.as_f64()) {
            (Some(s), _) => Some(crate::gpu::key_of(&s)),
            (None, Some(n)) if n.is_finite() => Some(crate::gpu::key_of(&format!("#{n}"))),
            _ => {
                return Err(Error::param(
                    ErrorCode::ParamType,
                    "baseKey",
                    "`baseKey` must be a string or a finite number",
                ))
            }
        },
    };
    Ok((backend, key))
}

#[cfg(feature = "core-api")]
fn finish_outcome(o: crate::gpu::Outcome, base64: bool, into: &OutputTarget) -> Result<JsValue> {
    let js = finish(o.output, base64, into)?;
    mark_backend(&js, o.backend_used, o.fallback_reason.as_deref());
    Ok(js)
}

/// Say on a result object which backend ran (`backendUsed`) and, when the CPU ran instead of
/// WebGPU, why (`gpuFallbackReason`). A base64 string result is left as it is.
fn mark_backend(js: &JsValue, used: &str, fallback_reason: Option<&str>) {
    if js.is_object() {
        let _ = Reflect::set(js, &"backendUsed".into(), &JsValue::from_str(used));
        if let Some(r) = fallback_reason {
            let _ = Reflect::set(js, &"gpuFallbackReason".into(), &JsValue::from_str(r));
        }
    }
}

#[cfg(feature = "core-api")]
/// Superimpose v2 with a backend choice: `opts.backend` `"auto"` (default) | `"cpu"` |
/// `"webgpu"`, `opts.baseKey`. Resolves like [`superimpose_v2_js`] plus `backendUsed`
/// (`"cpu"` | `"webgpu"`) and, when the CPU ran instead of WebGPU, `gpuFallbackReason`.
#[wasm_bindgen(js_name = superimposeV2Gpu)]
pub async fn superimpose_v2_gpu_js(
    body: JsValue,
    opts: JsValue,
    model: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (backend, key) = backend_opts(&opts)?;
    let into = OutputTarget::from_opts(&opts)?;
    if let Some((base, mut l)) = v2_stream_load(&body, &model, &into)? {
        let dims = (base.width, base.height);
        match crate::gpu::v2_cpu_reason(backend, &l, dims).await? {
            Some(reason) => {
                let js = v2_stream(&base, &l, &into)?;
                mark_backend(&js, "cpu", reason.as_deref());
                return Ok(js);
            }
            // The GPU composites: it needs the base loaded.
            None => {
                l.base = image_from_js("base_image", &get(&body, "base_image"))?;
                let out = crate::gpu::superimpose_v2(l, backend, key).await?;
                return Ok(finish_outcome(out, false, &into)?);
            }
        }
    }
    let (map, pixels) = body_from_js(&body, V2_IMAGES)?;
    let p = crate::params::SuperimposeV2::from_json(&map, pixels)?;
    let base64 = p.base64;
    let mut pre = optional_model(&model)?;
    let loaded = crate::pipeline::load_v2_with_model(
        p,
        pre.as_mut().map(|m| m as &mut dyn crate::bgmask::MaskModel),
    )?;
    let out = crate::gpu::superimpose_v2(loaded, backend, key).await?;
    Ok(finish_outcome(out, base64, &into)?)
}

#[cfg(feature = "core-api")]
/// Superimpose v1 with a backend choice (as [`superimpose_v2_gpu_js`]).
#[wasm_bindgen(js_name = superimposeGpu)]
pub async fn superimpose_v1_gpu_js(
    body: JsValue,
    opts: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let (backend, key) = backend_opts(&opts)?;
    let into = OutputTarget::from_opts(&opts)?;
    let (map, pixels) = body_from_js(&body, V2_IMAGES)?;
    let p = crate::params::SuperimposeV1::from_json(&map, pixels)?;
    let base64 = p.base64;
    let loaded = crate::pipeline::load_v1(p)?;
    let out = crate::gpu::superimpose_v1(loaded, backend, key).await?;
    Ok(finish_outcome(out, base64, &into)?)
}

#[cfg(feature = "core-api")]
/// The WebGPU adapter's info (`{vendor, architecture, device, description, isFallbackAdapter}`),
/// or `null` when this JS context has no adapter.
#[wasm_bindgen(js_name = webgpuInfo)]
pub async fn webgpu_info() -> JsValue {
    match crate::gpu::adapter_info().await {
        None => JsValue::NULL,
        Some(i) => {
            let o = Object::new();
            let _ = Reflect::set(&o, &"vendor".into(), &i.vendor.into());
            let _ = Reflect::set(&o, &"architecture".into(), &i.architecture.into());
            let _ = Reflect::set(&o, &"device".into(), &i.device.into());
            let _ = Reflect::set(&o, &"description".into(), &i.description.into());
            let _ = Reflect::set(&o, &"isFallbackAdapter".into(), &i.fallback.into());
            o.into()
        }
    }
}

#[cfg(feature = "core-api")]
/// Test hook: `true` makes WebGPU behave as if there were no adapter.
#[wasm_bindgen(js_name = __webgpuForceUnavailable)]
pub fn webgpu_force_unavailable(on: bool) {
    crate::gpu::set_force_unavailable(on)
}

#[cfg(feature = "core-api")]
/// Test hook: destroy the current WebGPU device (a real "device lost").
#[wasm_bindgen(js_name = __webgpuLoseDevice)]
pub fn webgpu_lose_device() -> bool {
    crate::gpu::lose_device()
}
