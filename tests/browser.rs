//! wasm-bindgen tests in headless Chromium: the module runs in a real page with simd128 and
//! hands ImageData-compatible pixels to the browser.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::Clamped;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_a_page_with_simd128() {
    assert!(web_sys::window().is_some(), "not running in a browser page");
    assert_eq!(superimpose_wasm::simd::backend().as_str(), "simd128");
}

#[wasm_bindgen_test]
fn pixels_round_trip_through_a_canvas() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement =
        wasm_bindgen::JsCast::unchecked_into(doc.create_element("canvas").unwrap());
    canvas.set_width(3);
    canvas.set_height(2);
    let ctx: web_sys::CanvasRenderingContext2d =
        wasm_bindgen::JsCast::unchecked_into(canvas.get_context("2d").unwrap().unwrap());
    let mut img = superimpose_wasm::RgbaImage::filled(3, 2, [10, 200, 30, 255]).unwrap();
    img.data_mut()[0] = 250;
    let data =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(img.data()), 3, 2).unwrap();
    ctx.put_image_data(&data, 0, 0).unwrap();
    let back = ctx.get_image_data(0, 0, 3, 2).unwrap().data().0;
    assert_eq!(back, img.data());
}
