//! The full Superimpose v2 pipeline on small random images with random parameters: half the
//! runs go through the JSON body (validation + pipeline), half call `composite_v2` directly with
//! unvalidated settings (NaN, ±inf, i64 extremes) — the public Rust API must not panic either.
#![no_main]
mod common;
use common::*;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{BgRemoveModel, Mirror, ScaleFilter, SuperimposeV2};
use superimpose_wasm::pipeline::{composite_v2, superimpose_v2, V2Settings};
use superimpose_wasm::resample::Filter;

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let base = small_image(u, 32)?;
    let overlay = small_image(u, 32)?;
    let mask = if u.arbitrary()? { Some(small_image(u, 32)?) } else { None };
    let modes: Vec<&str> = BlendMode::ALL.iter().map(|m| m.as_str()).collect();
    let filters: Vec<&str> = Filter::ALL.iter().map(|f| f.as_str()).collect();
    if u.arbitrary()? {
        let mut body = Map::new();
        let mut put = |k: &str, v: Value| {
            body.insert(k.to_string(), v);
        };
        put("blend_mode", name(u, &modes)?);
        put("opacity", json_number(u, false)?);
        put("rescale_factor", json_number(u, false)?);
        put("rotation", json_number(u, true)?);
        put("x_percent", json_number(u, true)?);
        put("y_percent", json_number(u, true)?);
        put("resize_method", name(u, &filters)?);
        put("mirror", name(u, &["None", "horizontal", "vertical"])?);
        put("scale_filter", name(u, &["resize_method", "bicubic"])?);
        put("bg_remove_model", name(u, &["None", "None", "None", "Bria"])?);
        put("seed", json_number(u, true)?);
        put("base64", Value::Bool(u.ratio(1, 8)?));
        let mut pixels = vec![
            ("base_image".to_string(), base),
            ("overlay_image".to_string(), overlay),
        ];
        if let Some(m) = mask {
            pixels.push(("mask".to_string(), m));
        }
        if let Ok(p) = SuperimposeV2::from_json(&body, pixels) {
            if let Ok(out) = superimpose_v2(p) {
                assert!(out.image.data().chunks_exact(4).all(|p| p[3] == 255));
            }
        }
    } else {
        let s = V2Settings {
            blend_mode: *u.choose(BlendMode::ALL)?,
            mirror: *u.choose(Mirror::ALL)?,
            opacity: f64_value(u)?,
            rescale_factor: f64_value(u)?,
            resize_method: *u.choose(Filter::ALL)?,
            rotation: i64_value(u)?,
            x_percent: i64_value(u)?,
            y_percent: i64_value(u)?,
            scale_filter: *u.choose(ScaleFilter::ALL)?,
            seed: u.arbitrary()?,
        };
        let _ = BgRemoveModel::ALL;
        let (bw, bh) = (base.width(), base.height());
        if let Ok(out) = composite_v2(base, &overlay, mask.as_ref(), &s) {
            assert_eq!((out.width(), out.height()), (bw, bh));
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = superimpose_wasm::image::set_max_pixels(FUZZ_MAX_PIXELS);
    let _ = run(&mut Unstructured::new(data));
});
