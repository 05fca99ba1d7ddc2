//! The full Superimpose v1 pipeline on small random images with random parameters: half through
//! the JSON body, half through `composite_v1` with unvalidated settings.
#![no_main]
mod common;
use common::*;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use superimpose_wasm::params::{OverlayResize, SuperimposeV1};
use superimpose_wasm::pipeline::{composite_v1, superimpose_v1, V1Settings};
use superimpose_wasm::resample::V1Method;

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let base = small_image(u, 32)?;
    let overlay = small_image(u, 32)?;
    let mask = if u.arbitrary()? { Some(small_image(u, 32)?) } else { None };
    if u.arbitrary()? {
        let methods: Vec<&str> = V1Method::ALL.iter().map(|m| m.as_str()).collect();
        let mut resizes: Vec<&str> = OverlayResize::ALL.iter().map(|m| m.as_str()).collect();
        resizes.extend(["Resize to width & height", "Resize to height & width"]);
        let mut body = Map::new();
        let mut put = |k: &str, v: Value| {
            body.insert(k.to_string(), v);
        };
        put("overlay_resize", name(u, &resizes)?);
        put("resize_method", name(u, &methods)?);
        put("rescale_factor", json_number(u, false)?);
        put("width", json_number(u, true)?);
        put("height", json_number(u, true)?);
        put("x_offset", json_number(u, true)?);
        put("y_offset", json_number(u, true)?);
        put("rotation", json_number(u, true)?);
        put("opacity", json_number(u, false)?);
        put("base64", Value::Bool(u.ratio(1, 8)?));
        let mut pixels = vec![
            ("base_image".to_string(), base),
            ("overlay_image".to_string(), overlay),
        ];
        if let Some(m) = mask {
            pixels.push(("mask".to_string(), m));
        }
        if let Ok(p) = SuperimposeV1::from_json(&body, pixels) {
            let _ = superimpose_v1(p);
        }
    } else {
        let s = V1Settings {
            overlay_resize: *u.choose(OverlayResize::ALL)?,
            resize_method: *u.choose(V1Method::ALL)?,
            rescale_factor: f64_value(u)?,
            width: u.arbitrary()?,
            height: u.arbitrary()?,
            x_offset: i64_value(u)?,
            y_offset: i64_value(u)?,
            rotation: i64_value(u)?,
            opacity: f64_value(u)?,
        };
        let (bw, bh) = (base.width(), base.height());
        if let Ok(out) = composite_v1(base, &overlay, mask.as_ref(), &s) {
            assert_eq!((out.width(), out.height()), (bw, bh));
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = superimpose_wasm::image::set_max_pixels(FUZZ_MAX_PIXELS);
    let _ = run(&mut Unstructured::new(data));
});
