//! wasm-bindgen tests that run in Node: the build has simd128 and the error bridge works.
#![cfg(target_arch = "wasm32")]

use superimpose_wasm::{blend::BlendMode, Error, ErrorCode};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn built_with_simd128() {
    // The whole point of the build: `.cargo/config.toml` must have put +simd128 in force.
    let compiled_with_simd128 = cfg!(target_feature = "simd128");
    assert!(
        compiled_with_simd128,
        "built without +simd128 (is RUSTFLAGS set in the environment?)"
    );
    assert_eq!(superimpose_wasm::simd::backend().as_str(), "simd128");
}

#[wasm_bindgen_test]
fn errors_reach_js_with_a_stable_code() {
    let e = BlendMode::parse("blend_mode", "Multiply").unwrap_err();
    let js: JsValue = e.into();
    let err: js_sys::Error = js.clone().into();
    assert_eq!(String::from(err.name()), "SuperimposeError");
    let code = js_sys::Reflect::get(&js, &"code".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("E_PARAM_ENUM"));
    let param = js_sys::Reflect::get(&js, &"param".into()).unwrap();
    assert_eq!(param.as_string().as_deref(), Some("blend_mode"));
    assert!(String::from(err.message()).contains("\"multiply\""));
}

#[wasm_bindgen_test]
fn remote_errors_carry_status_and_request_id() {
    let e = Error::new(ErrorCode::Expired, "gone")
        .with_status(404)
        .with_request_id("abc");
    let js: JsValue = e.into();
    let status = js_sys::Reflect::get(&js, &"status".into()).unwrap();
    assert_eq!(status.as_f64(), Some(404.0));
    let id = js_sys::Reflect::get(&js, &"requestId".into()).unwrap();
    assert_eq!(id.as_string().as_deref(), Some("abc"));
}
