//! The Superimpose v2 (SPEC 2.2) and v1 (SPEC 3.2) pipelines.
//!
//! `pillow_refs` runs every case of `tests/pillow/gen_pipeline.py` — an independent Python
//! implementation (Pillow 13 for resize/rotate/mirror/paste, numpy f64 for the blend formulas,
//! numpy float32 for v1's resamplers) — from `$PILLOW_REFS/pipeline` (default
//! `target/pillow-refs/pipeline`) and compares byte for byte. The other tests read as the
//! specification of each parameter, on small hand-built images.
//! The same file runs in wasm (Node) through wasm-bindgen-test, except the full reference set,
//! which is read from disk.

use base64::Engine as _;
use serde_json::{json, Map, Value};
#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};
use superimpose_wasm::params::{SuperimposeV1, SuperimposeV2};
use superimpose_wasm::pipeline::{self, Output};
use superimpose_wasm::{ErrorCode, RgbaImage};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Decode a PNG with the `image` crate (not our codec) into RGBA.
fn decode_png(bytes: &[u8], what: &str) -> RgbaImage {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .to_rgba8();
    let (w, h) = img.dimensions();
    RgbaImage::from_vec(w, h, img.into_raw()).expect("reference image within the limits")
}

fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not a JSON object: {other}"),
    }
}

fn v2(body: Value, pixels: Vec<(&str, RgbaImage)>) -> superimpose_wasm::Result<Output> {
    let pixels = pixels
        .into_iter()
        .map(|(n, p)| (n.to_string(), p))
        .collect();
    pipeline::superimpose_v2(SuperimposeV2::from_json(&obj(body), pixels)?)
}

fn v1(body: Value, pixels: Vec<(&str, RgbaImage)>) -> superimpose_wasm::Result<Output> {
    let pixels = pixels
        .into_iter()
        .map(|(n, p)| (n.to_string(), p))
        .collect();
    pipeline::superimpose_v1(SuperimposeV1::from_json(&obj(body), pixels)?)
}

fn solid(w: u32, h: u32, px: [u8; 4]) -> RgbaImage {
    RgbaImage::filled(w, h, px).unwrap()
}

/// A base whose every pixel differs from its neighbours (so any wrong placement shows).
fn textured(w: u32, h: u32) -> RgbaImage {
    let mut data = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[
                (x * 7 + y * 3) as u8,
                (x * 5 + y * 11 + 40) as u8,
                (x * 13 + y * 2 + 90) as u8,
                255,
            ]);
        }
    }
    RgbaImage::from_vec(w, h, data).unwrap()
}

/// Opaque pseudo-random pixels (a 32-bit LCG), different for every `seed`.
fn noisy(w: u32, h: u32, seed: u32) -> RgbaImage {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    let mut data = Vec::with_capacity((w * h * 4) as usize);
    for _ in 0..w * h {
        for _ in 0..3 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            data.push((state >> 24) as u8);
        }
        data.push(255);
    }
    RgbaImage::from_vec(w, h, data).unwrap()
}

/// The pixels where `a` and `b` differ, as a bounding box `(x0, y0, x1, y1)` (exclusive end).
fn diff_box(a: &RgbaImage, b: &RgbaImage) -> Option<(u32, u32, u32, u32)> {
    assert_eq!((a.width(), a.height()), (b.width(), b.height()));
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    for y in 0..a.height() {
        for x in 0..a.width() {
            if a.pixel(x, y) != b.pixel(x, y) {
                bbox = Some(match bbox {
                    None => (x, y, x + 1, y + 1),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)),
                });
            }
        }
    }
    bbox
}

fn rgb(p: [u8; 4]) -> [u8; 3] {
    [p[0], p[1], p[2]]
}

/// SPEC 0's MIX for one channel.
fn mix(dst: u8, src: u8, m: u8) -> u8 {
    let t = dst as u32 * (255 - m as u32) + src as u32 * m as u32 + 128;
    (((t >> 8) + t) >> 8) as u8
}

fn assert_opaque(out: &RgbaImage) {
    assert!(
        out.data().chunks_exact(4).all(|p| p[3] == 255),
        "the output is RGB: alpha 255 everywhere"
    );
}

// ---------------------------------------------------------------------------------------------
// Independent references

#[cfg(not(target_arch = "wasm32"))]
struct Refs {
    dir: PathBuf,
    cases: Vec<Value>,
}

#[cfg(not(target_arch = "wasm32"))]
fn refs() -> Refs {
    let dir = match std::env::var_os("PILLOW_REFS") {
        Some(root) => PathBuf::from(root).join("pipeline"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pillow-refs/pipeline"),
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_else(|e| {
        panic!(
            "pipeline references missing at {} ({e}): run `make pillow-refs`",
            dir.display()
        )
    });
    let manifest: Value = serde_json::from_str(&manifest).expect("manifest.json parses");
    assert_eq!(
        manifest["pillow"], "13.0.0",
        "references must come from Pillow 13.0.0"
    );
    let cases = manifest["cases"].as_array().expect("cases").clone();
    Refs { dir, cases }
}

#[cfg(not(target_arch = "wasm32"))]
fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

/// Compare RGB bytes; `None` when within `tolerance`, else a description.
fn compare(got: &RgbaImage, want: &RgbaImage, tolerance: u8) -> Option<String> {
    if (got.width(), got.height()) != (want.width(), want.height()) {
        return Some(format!(
            "size {}×{}, expected {}×{}",
            got.width(),
            got.height(),
            want.width(),
            want.height()
        ));
    }
    let mut first = None;
    let mut count = 0usize;
    let mut max = 0u8;
    let w = got.width() as usize;
    for (i, (g, e)) in got
        .data()
        .chunks_exact(4)
        .zip(want.data().chunks_exact(4))
        .enumerate()
    {
        let d = (0..3).map(|c| g[c].abs_diff(e[c])).max().unwrap_or(0);
        let bytes = (0..3).filter(|&c| g[c] != e[c]).count();
        if g[3] != 255 {
            return Some(format!("alpha {} at ({}, {})", g[3], i % w, i / w));
        }
        if bytes > 0 {
            count += bytes;
            max = max.max(d);
            if first.is_none() {
                first = Some((
                    i % w,
                    i / w,
                    rgb([g[0], g[1], g[2], 0]),
                    rgb([e[0], e[1], e[2], 0]),
                ));
            }
        }
    }
    match first {
        Some((x, y, g, e)) if max > tolerance => Some(format!(
            "{count} differing bytes (max |Δ| {max}); first at ({x}, {y}): got {g:?}, expected {e:?}"
        )),
        _ => None,
    }
}

/// Run one manifest case; `read` returns a file's bytes. `as_pixels` passes the images as
/// decoded pixels, else as data URIs.
fn run_case(
    read: &dyn Fn(&str) -> Vec<u8>,
    case: &Value,
    as_pixels: bool,
) -> superimpose_wasm::Result<Output> {
    let mut body = case["body"].as_object().expect("body").clone();
    let mut pixels = Vec::new();
    for field in ["base_image", "overlay_image", "mask"] {
        if let Some(Value::String(file)) = body.get(field).cloned() {
            let png = read(&file);
            if as_pixels {
                body.remove(field);
                pixels.push((field.to_string(), decode_png(&png, &file)));
            } else {
                body.insert(field.to_string(), Value::String(data_uri(&png)));
            }
        }
    }
    match case["op"].as_str() {
        Some("v2") => pipeline::superimpose_v2(SuperimposeV2::from_json(&body, pixels)?),
        Some("v1") => pipeline::superimpose_v1(SuperimposeV1::from_json(&body, pixels)?),
        other => panic!("unknown op {other:?}"),
    }
}

/// Run every case of a manifest and panic with the list of those that differ.
fn check_cases(read: &dyn Fn(&str) -> Vec<u8>, cases: &[Value]) {
    let (mut n_v1, mut n_v2) = (0, 0);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().expect("name");
        let tolerance = case["tolerance"].as_u64().expect("tolerance") as u8;
        let want = decode_png(&read(case["expected"].as_str().expect("expected")), name);
        // Alternate the two ways an image arrives; every 7th case tries both.
        let ways: &[bool] = if i % 7 == 0 {
            &[true, false]
        } else if i % 2 == 0 {
            &[true]
        } else {
            &[false]
        };
        for &as_pixels in ways {
            match run_case(read, case, as_pixels) {
                Ok(out) => {
                    if let Some(msg) = compare(&out.image, &want, tolerance) {
                        failures.push(format!("{name} (pixels: {as_pixels}): {msg}"));
                    }
                }
                Err(e) => failures.push(format!("{name}: error {:?}: {}", e.code(), e.message())),
            }
        }
        match case["op"].as_str() {
            Some("v1") => n_v1 += 1,
            _ => n_v2 += 1,
        }
    }
    eprintln!(
        "pipeline refs: {n_v2} v2 cases, {n_v1} v1 cases, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn pillow_refs() {
    let Refs { dir, cases } = refs();
    assert!(
        cases.len() > 250,
        "the full set has > 250 cases; got {}",
        cases.len()
    );
    check_cases(&|name| read(&dir, name), &cases);
}

#[path = "fixtures/pipeline/files.rs"]
mod fixtures;

/// The small committed set (`gen_pipeline.py tests/fixtures/pipeline --small`), embedded with
/// `include_bytes!` so it runs without `make pillow-refs` (and can run under wasm).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn committed_fixtures() {
    let file = |name: &str| -> Vec<u8> {
        fixtures::FILES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("fixture {name} missing"))
            .1
            .to_vec()
    };
    let manifest: Value = serde_json::from_slice(&file("manifest.json")).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 15);
    check_cases(&file, cases);
}

// ---------------------------------------------------------------------------------------------
// v2 behaviour, parameter by parameter (SPEC 2.1–2.3)

/// A v2 body with the overlay's own alpha (no background removal).
fn v2_body(extra: Value) -> Value {
    let mut b = json!({"bg_remove_model": "None"});
    if let (Value::Object(m), Value::Object(e)) = (&mut b, extra) {
        m.extend(e);
    }
    b
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_output_is_base_sized_rgb_and_base_alpha_is_discarded() {
    // A base whose alpha is 0 or 7 everywhere: its RGB is used as stored (not matted).
    let mut base = textured(31, 23);
    for (i, p) in base.data_mut().chunks_exact_mut(4).enumerate() {
        p[3] = if i % 2 == 0 { 0 } else { 7 };
    }
    let overlay = solid(80, 60, [200, 10, 60, 255]); // larger than the base
    let out = v2(
        v2_body(json!({"blend_mode": "normal", "opacity": 0})),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!((out.image.width(), out.image.height()), (31, 23));
    assert_opaque(&out.image);
    for (o, b) in out
        .image
        .data()
        .chunks_exact(4)
        .zip(base.data().chunks_exact(4))
    {
        assert_eq!(
            o[..3],
            b[..3],
            "opacity 0: the base's stored RGB, untouched"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_opacity_zero_leaves_the_base_unchanged() {
    use superimpose_wasm::blend::BlendMode;
    let base = noisy(40, 30, 1);
    let overlay = noisy(17, 9, 2);
    for &mode in BlendMode::ALL {
        let out = v2(
            v2_body(json!({"blend_mode": mode.as_str(), "opacity": 0, "rotation": 30})),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap();
        let hsv = matches!(
            mode,
            BlendMode::Hue | BlendMode::Saturation | BlendMode::Color | BlendMode::Luminosity
        );
        if hsv {
            // SPEC 2.5's HSV modes round-trip the base through HSV and `to8` floors: the
            // round trip can land one ulp below k/255, so opacity 0 may lower a byte by 1
            // (the Python reference, colorsys-based, does the same: see the *_opacity_0 refs).
            let worst = out
                .image
                .data()
                .iter()
                .zip(base.data())
                .map(|(a, b)| b.wrapping_sub(*a))
                .max()
                .unwrap();
            assert!(
                worst <= 1,
                "{}: opacity 0 lowers a byte by {worst}",
                mode.as_str()
            );
        } else {
            assert_eq!(
                diff_box(&out.image, &base),
                None,
                "{}: opacity 0",
                mode.as_str()
            );
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_normal_at_full_opacity_with_an_opaque_overlay_copies_it() {
    let base = textured(50, 40);
    let overlay = solid(10, 6, [1, 2, 3, 255]);
    let out = v2(
        v2_body(json!({"blend_mode": "normal", "opacity": 100, "x_percent": 50, "y_percent": 50})),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    // left = trunc(25 − 5) = 20, top = trunc(20 − 3) = 17.
    assert_eq!(diff_box(&out.image, &base), Some((20, 17, 30, 23)));
    assert_eq!(rgb(out.image.pixel(20, 17)), [1, 2, 3]);
    assert_eq!(rgb(out.image.pixel(29, 22)), [1, 2, 3]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_x_and_y_percent_put_the_overlay_centre_at_the_percentage_point() {
    let base = solid(200, 100, [128, 128, 128, 255]);
    let overlay = solid(10, 8, [255, 0, 0, 255]);
    for (xp, yp) in [(10, 10), (50, 80), (73, 35), (90, 95)] {
        let out = v2(
            v2_body(
                json!({"blend_mode": "normal", "opacity": 100, "x_percent": xp, "y_percent": yp}),
            ),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap();
        let (x0, y0, x1, y1) = diff_box(&out.image, &base).expect("overlay visible");
        // trunc(W·xp/100 − w/2): the rectangle's centre is the percentage point.
        let left = (200.0 * xp as f64 / 100.0 - 5.0).trunc() as u32;
        let top = (100.0 * yp as f64 / 100.0 - 4.0).trunc() as u32;
        assert_eq!((x0, y0), (left, top), "x_percent {xp}, y_percent {yp}");
        assert_eq!((x1 - x0, y1 - y0), (10, 8.min(100 - top)));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_placement_truncates_toward_zero_and_clips_at_the_edges() {
    // x_percent 0: the centre on the left edge, so the left half is clipped;
    // 31·0/100 − 7/2 = −3.5 → −3: four columns stay visible.
    let base = solid(31, 20, [128, 128, 128, 255]);
    let overlay = solid(7, 4, [0, 255, 0, 255]);
    let out = v2(
        v2_body(json!({"blend_mode": "normal", "opacity": 100, "x_percent": 0, "y_percent": 100})),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    // top = trunc(20 − 2) = 18: two rows visible.
    assert_eq!(diff_box(&out.image, &base), Some((0, 18, 4, 20)));
    assert_eq!(pipeline::v2_placement(31, 20, 7, 4, 0, 100), (-3, 18));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_opacity_mixes_base_and_source_as_spec_family_a() {
    // multiply, opaque overlay, opacity 37: R = floor((S·B·0.37 + B·0.63)·255).
    let base = solid(20, 20, [200, 100, 50, 255]);
    let overlay = solid(20, 20, [128, 255, 0, 255]);
    let out = v2(
        v2_body(json!({"blend_mode": "multiply", "opacity": 37})),
        vec![("base_image", base), ("overlay_image", overlay)],
    )
    .unwrap();
    let f = |b: f64, s: f64| {
        let (b, s) = (b / 255.0, s / 255.0);
        ((s * b).clamp(0.0, 1.0) * 0.37 + b * (1.0 - 0.37)) * 255.0
    };
    let want = [f(200.0, 128.0), f(100.0, 255.0), f(50.0, 0.0)].map(|v| v.floor() as u8);
    assert_eq!(want, [163, 100, 31], "hand-computed");
    assert_eq!(rgb(out.image.pixel(10, 10)), want);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_mask_white_shows_the_overlay_and_black_hides_it() {
    let base = textured(30, 30);
    // The overlay's own alpha is 0: only the mask can make it visible (SPEC 2.3 priority).
    let overlay = solid(10, 10, [9, 99, 199, 0]);
    let white = solid(10, 10, [255, 255, 255, 255]);
    let black = solid(10, 10, [0, 0, 0, 255]);
    let body =
        v2_body(json!({"blend_mode": "normal", "opacity": 100, "x_percent": 50, "y_percent": 50}));
    let shown = v2(
        body.clone(),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay.clone()),
            ("mask", white),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&shown.image, &base), Some((10, 10, 20, 20)));
    assert_eq!(rgb(shown.image.pixel(15, 15)), [9, 99, 199]);
    let hidden = v2(
        body.clone(),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay.clone()),
            ("mask", black),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&hidden.image, &base), None);
    // Without a mask the overlay's alpha (0) hides it.
    let own = v2(
        body,
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!(diff_box(&own.image, &base), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_mask_is_the_luminance_of_the_mask_image_and_is_resized_to_the_overlay() {
    let base = solid(20, 20, [0, 0, 0, 255]);
    let overlay = solid(4, 4, [255, 255, 255, 255]);
    // A pure-green mask of another size: L = (255·38470 + 32768) >> 16 = 150 everywhere;
    // bicubic resizing of a constant plane keeps 150.
    let mask = solid(9, 3, [0, 255, 0, 255]);
    let out = v2(
        v2_body(json!({"blend_mode": "normal", "opacity": 100, "x_percent": 50, "y_percent": 50})),
        vec![
            ("base_image", base),
            ("overlay_image", overlay),
            ("mask", mask),
        ],
    )
    .unwrap();
    // SPEC 0 luminance of pure green: (255·38470 + 32768) >> 16 = 150.
    let green_luma = ((255u32 * 38470 + 32768) >> 16) as u8;
    assert_eq!(rgb(out.image.pixel(10, 10)), [mix(0, 255, green_luma); 3]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_rescale_factor_scales_the_overlay_with_trunc() {
    let base = solid(100, 100, [10, 10, 10, 255]);
    let overlay = solid(10, 7, [250, 250, 250, 255]);
    for (f, w, h) in [(2.3, 23, 16), (0.5, 5, 3), (1.0, 10, 7), (0.29, 2, 2)] {
        let out = v2(
            v2_body(
                json!({"blend_mode": "normal", "opacity": 100, "rescale_factor": f,
                           "x_percent": 50, "y_percent": 50}),
            ),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap();
        let (x0, y0, x1, y1) = diff_box(&out.image, &base).unwrap();
        assert_eq!((x1 - x0, y1 - y0), (w, h), "rescale_factor {f}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_rescale_to_a_zero_pixel_side_is_e_dimensions_naming_rescale_factor() {
    let err = v2(
        v2_body(json!({"rescale_factor": 0.03})), // 40·0.03 = 1.2 → 1, 30·0.03 = 0.9 → 0
        vec![
            ("base_image", textured(10, 10)),
            ("overlay_image", textured(40, 30)),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Dimensions);
    assert_eq!(err.param_name(), Some("rescale_factor"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_rotation_turns_the_overlay_counter_clockwise_on_an_expanded_canvas() {
    let base = solid(60, 60, [128, 128, 128, 255]);
    // Left column red, the rest blue; 12×4.
    let mut overlay = solid(12, 4, [0, 0, 255, 255]);
    for y in 0..4 {
        overlay.row_mut(y)[..4].copy_from_slice(&[255, 0, 0, 255]);
    }
    let run = |rotation: i64| {
        v2(
            v2_body(
                json!({"blend_mode": "normal", "opacity": 100, "rotation": rotation,
                           "x_percent": 50, "y_percent": 50}),
            ),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap()
        .image
    };
    // 90° CCW: 4×12, the left column becomes the bottom row.
    let r90 = run(90);
    let (x0, y0, x1, y1) = diff_box(&r90, &base).unwrap();
    assert_eq!((x1 - x0, y1 - y0), (4, 12));
    assert_eq!(rgb(r90.pixel(x0, y1 - 1)), [255, 0, 0]);
    assert_eq!(rgb(r90.pixel(x0, y0)), [0, 0, 255]);
    // 0 and 360 are no-ops.
    assert_eq!(run(0).data(), run(360).data());
    // 30°: the canvas grows and its new corners are transparent (M = 0): base shows there.
    let r30 = run(30);
    let (x0, y0, x1, y1) = diff_box(&r30, &base).unwrap();
    // The rotated 12×4 rectangle spans 12·cos 30° + 4·sin 30° ≈ 12.4 by 12·sin 30° + 4·cos 30° ≈ 9.5 (fewer pixel centres fall inside).
    assert!(
        (12..=14).contains(&(x1 - x0)) && (8..=11).contains(&(y1 - y0)),
        "{:?}",
        (x0, y0, x1, y1)
    );
    assert_eq!(rgb(r30.pixel(x0, y0)), [128, 128, 128]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_mirror_flips_the_overlay_before_placing_it() {
    let base = solid(40, 40, [128, 128, 128, 255]);
    let mut overlay = solid(10, 10, [0, 0, 255, 255]);
    overlay.row_mut(0)[..4].copy_from_slice(&[255, 0, 0, 255]); // red at top-left
    let run = |mirror: &str| {
        v2(
            v2_body(
                json!({"blend_mode": "normal", "opacity": 100, "mirror": mirror,
                           "x_percent": 50, "y_percent": 50}),
            ),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap()
        .image
    };
    // The rectangle is (15, 15)–(25, 25).
    assert_eq!(rgb(run("None").pixel(15, 15)), [255, 0, 0]);
    assert_eq!(rgb(run("horizontal").pixel(24, 15)), [255, 0, 0]);
    assert_eq!(rgb(run("vertical").pixel(15, 24)), [255, 0, 0]);
    assert_eq!(rgb(run("horizontal").pixel(15, 15)), [0, 0, 255]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_resize_method_picks_the_filter_and_scale_filter_bicubic_overrides_it() {
    let base = solid(64, 64, [0, 0, 0, 255]);
    let overlay = noisy(40, 30, 3);
    let run = |method: &str, scale_filter: &str| {
        v2(
            v2_body(
                json!({"blend_mode": "normal", "opacity": 100, "rescale_factor": 0.7,
                           "resize_method": method, "scale_filter": scale_filter}),
            ),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap()
        .image
    };
    let outs: Vec<_> = ["nearest", "box", "bilinear", "bicubic", "lanczos"]
        .iter()
        .map(|m| run(m, "resize_method"))
        .collect();
    for i in 0..outs.len() {
        for j in i + 1..outs.len() {
            assert_ne!(outs[i].data(), outs[j].data(), "filters {i} and {j} differ");
        }
    }
    // Without rotation the sampler is unused, so scale_filter "bicubic" makes every method bicubic.
    for m in ["nearest", "box", "bilinear", "lanczos"] {
        assert_eq!(
            run(m, "bicubic").data(),
            outs[3].data(),
            "{m} with scale_filter bicubic"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_explicit_background_removal_model_is_unavailable() {
    for model in ["Bria", "IsNet"] {
        let err = v2(
            json!({"bg_remove_model": model}),
            vec![
                ("base_image", textured(8, 8)),
                ("overlay_image", textured(4, 4)),
            ],
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ModelUnavailable, "{model}");
        assert_eq!(err.param_name(), Some("bg_remove_model"));
        assert!(err.message().contains(model), "{}", err.message());
    }
    // A mask takes priority over the model (SPEC 2.3), so no model is needed.
    let out = v2(
        json!({"bg_remove_model": "Bria"}),
        vec![
            ("base_image", textured(8, 8)),
            ("overlay_image", textured(4, 4)),
            ("mask", solid(4, 4, [255, 255, 255, 255])),
        ],
    )
    .unwrap();
    assert!(out.warnings.is_empty());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_omitted_background_removal_model_runs_as_none_with_a_warning() {
    let base = textured(20, 20);
    let overlay = textured(6, 6);
    let implicit = v2(
        json!({}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay.clone()),
        ],
    )
    .unwrap();
    assert_eq!(implicit.warnings.len(), 1);
    assert!(
        implicit.warnings[0].contains("bg_remove_model"),
        "{:?}",
        implicit.warnings
    );
    let explicit = v2(
        json!({"bg_remove_model": "None"}),
        vec![("base_image", base), ("overlay_image", overlay)],
    )
    .unwrap();
    assert!(explicit.warnings.is_empty());
    assert_eq!(implicit.image.data(), explicit.image.data());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v2_images_as_data_uris_and_as_pixels_agree() {
    let base = textured(25, 19);
    let overlay = textured(8, 11);
    let png = |img: &RgbaImage| {
        superimpose_wasm::codec::encode(img, superimpose_wasm::codec::Format::Png, None).unwrap()
    };
    let body = json!({"bg_remove_model": "None", "rotation": 45, "rescale_factor": 1.5,
                      "resize_method": "bicubic", "blend_mode": "screen",
                      "base_image": data_uri(&png(&base)), "overlay_image": data_uri(&png(&overlay))});
    let a = v2(body, vec![]).unwrap();
    let b = v2(
        v2_body(
            json!({"rotation": 45, "rescale_factor": 1.5, "resize_method": "bicubic",
                       "blend_mode": "screen"}),
        ),
        vec![("base_image", base), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!(a.image.data(), b.image.data());
}

// ---------------------------------------------------------------------------------------------
// v1 behaviour (SPEC 3.1–3.2)

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_opaque_overlay_is_pasted_at_the_offset() {
    let base = textured(30, 20);
    let overlay = solid(5, 4, [1, 2, 3, 255]);
    let out = v1(
        json!({"x_offset": 7, "y_offset": 3}),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!((out.image.width(), out.image.height()), (30, 20));
    assert_opaque(&out.image);
    assert_eq!(diff_box(&out.image, &base), Some((7, 3, 12, 7)));
    assert_eq!(rgb(out.image.pixel(11, 6)), [1, 2, 3]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_negative_offsets_clip_the_overlay() {
    let base = solid(20, 20, [128, 128, 128, 255]);
    let mut overlay = solid(10, 10, [0, 0, 255, 255]);
    overlay.row_mut(9)[36..40].copy_from_slice(&[255, 0, 0, 255]); // bottom-right red
    let out = v1(
        json!({"x_offset": -3, "y_offset": -2}),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!(diff_box(&out.image, &base), Some((0, 0, 7, 8)));
    assert_eq!(rgb(out.image.pixel(6, 7)), [255, 0, 0]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_overlay_fully_outside_leaves_the_base_unchanged() {
    let base = textured(20, 15);
    for (x, y) in [
        (-10, 0),
        (20, 0),
        (0, -8),
        (0, 15),
        (-100, -100),
        (1000, 1000),
    ] {
        let out = v1(
            json!({"x_offset": x, "y_offset": y}),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", solid(10, 8, [0, 0, 0, 255])),
            ],
        )
        .unwrap();
        assert_eq!(diff_box(&out.image, &base), None, "offset ({x}, {y})");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_opacity_scales_alpha_with_trunc() {
    let base = solid(10, 10, [0, 0, 0, 255]);
    let overlay = solid(4, 4, [255, 200, 100, 255]);
    for (opacity, a) in [(0.0, 0u8), (0.5, 127), (0.37, 94), (1.0, 255)] {
        let out = v1(
            json!({"opacity": opacity}),
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap();
        let want = [mix(0, 255, a), mix(0, 200, a), mix(0, 100, a)];
        assert_eq!(rgb(out.image.pixel(0, 0)), want, "opacity {opacity}");
    }
    let zero = v1(
        json!({"opacity": 0}),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    assert_eq!(diff_box(&zero.image, &base), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_mask_replaces_the_overlay_alpha() {
    let base = solid(10, 10, [0, 0, 0, 255]);
    let overlay = solid(4, 4, [255, 255, 255, 0]);
    let shown = v1(
        json!({}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay.clone()),
            ("mask", solid(4, 4, [255, 255, 255, 255])),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&shown.image, &base), Some((0, 0, 4, 4)));
    let hidden = v1(
        json!({}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay),
            ("mask", solid(4, 4, [0, 0, 0, 255])),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&hidden.image, &base), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_overlay_resize_modes_size_the_overlay() {
    let base = solid(60, 40, [0, 0, 0, 255]);
    let overlay = solid(10, 4, [255, 255, 255, 255]);
    let size = |body: Value| {
        let out = v1(
            body,
            vec![
                ("base_image", base.clone()),
                ("overlay_image", overlay.clone()),
            ],
        )
        .unwrap();
        let (x0, y0, x1, y1) = diff_box(&out.image, &base).unwrap();
        (x1 - x0, y1 - y0)
    };
    assert_eq!(
        size(json!({"overlay_resize": "None", "rescale_factor": 3})),
        (10, 4)
    );
    // Fit: r = min(40/4, 60/10) = 6 → 60×24.
    assert_eq!(size(json!({"overlay_resize": "Fit"})), (60, 24));
    assert_eq!(size(json!({"rescale_factor": 2.35})), (23, 9));
    for mode in [
        "Resize to width & heigth",
        "Resize to width & height",
        "Resize to height & width",
    ] {
        assert_eq!(
            size(json!({"overlay_resize": mode, "width": 13, "height": 7})),
            (13, 7),
            "{mode}"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_fit_rounds_half_to_even() {
    // 3×2 on 15×5: r = min(5/2, 15/3) = 2.5 → (7.5, 5) → (8, 5); 5×2 on 25×5: (12.5 → 12, 5).
    let base = solid(25, 5, [0, 0, 0, 255]);
    let out = v1(
        json!({"overlay_resize": "Fit"}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", solid(5, 2, [255, 255, 255, 255])),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&out.image, &base), Some((0, 0, 12, 5)));
    let base = solid(15, 5, [0, 0, 0, 255]);
    let out = v1(
        json!({"overlay_resize": "Fit"}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", solid(3, 2, [255, 255, 255, 255])),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&out.image, &base), Some((0, 0, 8, 5)));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_rescale_to_a_zero_pixel_side_is_e_dimensions_naming_rescale_factor() {
    let err = v1(
        json!({"rescale_factor": 0.1}),
        vec![
            ("base_image", textured(10, 10)),
            ("overlay_image", textured(12, 9)),
        ],
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Dimensions);
    assert_eq!(err.param_name(), Some("rescale_factor"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn v1_rotation_uses_nearest_on_an_expanded_canvas_with_transparent_corners() {
    let base = solid(40, 40, [128, 128, 128, 255]);
    let overlay = solid(10, 6, [255, 0, 0, 255]);
    let out = v1(
        json!({"rotation": 90, "x_offset": 5, "y_offset": 5}),
        vec![
            ("base_image", base.clone()),
            ("overlay_image", overlay.clone()),
        ],
    )
    .unwrap();
    assert_eq!(diff_box(&out.image, &base), Some((5, 5, 11, 15)));
    let out = v1(
        json!({"rotation": 45, "x_offset": 5, "y_offset": 5}),
        vec![("base_image", base.clone()), ("overlay_image", overlay)],
    )
    .unwrap();
    // The expanded canvas's top-left corner has no source: alpha 0, base unchanged there;
    // nearest never blends, so every changed pixel is pure red.
    assert_eq!(out.image.pixel(5, 5), base.pixel(5, 5));
    assert!(out
        .image
        .data()
        .chunks_exact(4)
        .all(|p| rgb([p[0], p[1], p[2], 255]) == [128, 128, 128]
            || rgb([p[0], p[1], p[2], 255]) == [255, 0, 0]));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn compare_reports_differences() {
    // The reference comparison itself must be able to fail.
    let a = noisy(5, 4, 9);
    assert_eq!(compare(&a, &a, 0), None);
    let mut b = a.clone();
    b.data_mut()[4 * 7 + 1] ^= 1;
    let msg = compare(&b, &a, 0).expect("one byte differs");
    assert!(
        msg.contains("1 differing bytes") && msg.contains("(2, 1)"),
        "{msg}"
    );
    assert_eq!(compare(&b, &a, 1), None, "within ±1");
    b.data_mut()[3] = 254;
    assert!(compare(&b, &a, 1).unwrap().contains("alpha 254"));
    assert!(compare(&noisy(4, 5, 9), &a, 0).unwrap().contains("size"));
}
