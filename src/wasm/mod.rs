//! The `#[wasm_bindgen]` surface: converts JS arguments, calls the core, maps errors.
//! Only compiled for wasm32.
#![allow(unreachable_pub)] // #[wasm_bindgen] exports are public to JS, not to Rust crates.

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

/// The crate version (`Cargo.toml`).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Which kernel set runs: `"simd128"` or `"scalar"`.
#[wasm_bindgen(js_name = kernelBackend)]
pub fn kernel_backend() -> String {
    crate::simd::backend().as_str().to_string()
}

/// Every blend mode's API name, in id order (the first 14 are the remote API's enum).
#[wasm_bindgen(js_name = blendModes)]
pub fn blend_modes() -> Vec<String> {
    crate::blend::BlendMode::ALL
        .iter()
        .map(|m| m.as_str().to_string())
        .collect()
}
