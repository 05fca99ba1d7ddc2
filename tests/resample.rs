//! Resampling against independent references: Pillow 13 (`tests/pillow/gen_resample.py`) for
//! SPEC 1.1/1.2 and a numpy float32 implementation of SPEC 3.2 step 3 for the v1 family.
//!
//! The full matrix lives in `$PILLOW_REFS/resample` (default `target/pillow-refs/resample`,
//! made by `make pillow-refs`); a small committed subset is `tests/fixtures/resample/`.

#[path = "support/lcg.rs"]
mod lcg;

use serde_json::Value;
use std::path::PathBuf;
use superimpose_wasm::image::{max_pixels, set_max_pixels};
use superimpose_wasm::resample::{
    coefficients, resize, resize_premultiplied, resize_v1, vertical_first, Filter, V1Method,
};
use superimpose_wasm::{ErrorCode, Image};

fn decode<const C: usize>(png: &[u8]) -> Image<C> {
    let img = image::load_from_memory(png).expect("fixture PNG decodes");
    let (w, h) = (img.width(), img.height());
    let data = match C {
        1 => img.to_luma8().into_raw(),
        3 => img.to_rgb8().into_raw(),
        4 => img.to_rgba8().into_raw(),
        _ => unreachable!(),
    };
    Image::from_vec(w, h, data).expect("fixture fits")
}

fn compare<const C: usize>(got: &Image<C>, want: &Image<C>) -> Result<(), String> {
    if (got.width(), got.height()) != (want.width(), want.height()) {
        return Err(format!(
            "size {}×{} != expected {}×{}",
            got.width(),
            got.height(),
            want.width(),
            want.height()
        ));
    }
    for y in 0..want.height() {
        for x in 0..want.width() {
            let (g, w) = (got.pixel(x, y), want.pixel(x, y));
            if g != w {
                return Err(format!(
                    "first difference at ({x}, {y}): got {g:?}, want {w:?}"
                ));
            }
        }
    }
    Ok(())
}

fn run_typed<const C: usize>(
    case: &Value,
    load: &dyn Fn(&str) -> Vec<u8>,
    inputs: &Value,
) -> Result<(), String> {
    let input = &inputs[case["input"].as_str().unwrap_or_default()];
    let src: Image<C> = decode(&load(input["file"].as_str().unwrap_or_default()));
    let want: Image<C> = decode(&load(case["expected"].as_str().unwrap_or_default()));
    let (w, h) = (
        case["width"].as_u64().unwrap_or(0) as u32,
        case["height"].as_u64().unwrap_or(0) as u32,
    );
    let got = if case["kind"] == "v1" {
        let m = V1Method::parse("method", case["method"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        resize_v1(&src, w, h, m)
    } else {
        let f = Filter::parse("filter", case["filter"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if C == 4 {
            // Pillow's RGBA path; reinterpret through the RGBA API.
            let rgba = Image::<4>::from_vec(src.width(), src.height(), src.data().to_vec())
                .map_err(|e| e.to_string())?;
            resize_premultiplied(&rgba, w, h, f)
                .and_then(|o| Image::<C>::from_vec(o.width(), o.height(), o.into_vec()))
        } else {
            resize(&src, w, h, f)
        }
    }
    .map_err(|e| e.to_string())?;
    compare(&got, &want)
}

/// Run every case of a manifest; returns (cases run, failures).
fn run_manifest(manifest: &Value, load: &dyn Fn(&str) -> Vec<u8>) -> (usize, Vec<String>) {
    let inputs = &manifest["inputs"];
    let cases = manifest["cases"].as_array().expect("cases array");
    let mut failures = Vec::new();
    for case in cases {
        let r = match case["mode"].as_str() {
            Some("L") => run_typed::<1>(case, load, inputs),
            Some("RGB") => run_typed::<3>(case, load, inputs),
            Some("RGBA") => run_typed::<4>(case, load, inputs),
            other => Err(format!("unknown mode {other:?}")),
        };
        if let Err(e) = r {
            failures.push(format!("{}: {e}", case["expected"]));
        }
    }
    (cases.len(), failures)
}

#[test]
fn pillow_full_matrix() {
    let dir = std::env::var_os("PILLOW_REFS")
        .map(|d| PathBuf::from(d).join("resample"))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pillow-refs/resample")
        });
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `make pillow-refs` (tests/pillow/gen_resample.py) first",
            manifest_path.display()
        )
    });
    let manifest: Value = serde_json::from_str(&text).expect("manifest parses");
    let load = |f: &str| std::fs::read(dir.join(f)).expect("reference file readable");
    let (n, failures) = run_manifest(&manifest, &load);
    assert!(n > 500, "only {n} cases in the full matrix");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{n} Pillow/numpy cases byte-exact");
}

#[test]
fn committed_fixtures() {
    let manifest: Value =
        serde_json::from_str(include_str!("fixtures/resample/manifest.json")).expect("parses");
    let bundle: &[u8] = include_bytes!("fixtures/resample/bundle.bin");
    let index = manifest["bundle"].clone();
    let load = move |f: &str| {
        let e = &index[f];
        let (o, l) = (
            e[0].as_u64().unwrap() as usize,
            e[1].as_u64().unwrap() as usize,
        );
        bundle[o..o + l].to_vec()
    };
    let (n, failures) = run_manifest(&manifest, &load);
    assert!(n >= 200, "only {n} committed cases");
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn zero_target_is_a_dimensions_error() {
    let img = Image::<4>::filled(3, 3, [1, 2, 3, 4]).unwrap();
    for f in Filter::ALL {
        assert_eq!(
            resize(&img, 0, 3, *f).unwrap_err().code(),
            ErrorCode::Dimensions
        );
        assert_eq!(
            resize(&img, 3, 0, *f).unwrap_err().code(),
            ErrorCode::Dimensions
        );
        assert_eq!(
            resize_premultiplied(&img, 0, 0, *f).unwrap_err().code(),
            ErrorCode::Dimensions
        );
    }
    for m in V1Method::ALL {
        assert_eq!(
            resize_v1(&img, 0, 1, *m).unwrap_err().code(),
            ErrorCode::Dimensions
        );
    }
}

#[test]
fn target_over_the_limit_is_refused() {
    let img = Image::<1>::filled(2, 2, [7]).unwrap();
    let too_big = (max_pixels() as f64).sqrt() as u32 + 2;
    let e = resize(&img, too_big, too_big, Filter::Bilinear).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
    let e = resize_v1(&img, u32::MAX, u32::MAX, V1Method::Area).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
    let _ = set_max_pixels; // the limit itself is tested in src/image.rs
}

#[test]
fn extreme_ratios_do_not_panic_and_keep_constants() {
    // A constant image stays constant under every normalised filter, at every ratio.
    for f in Filter::ALL {
        let one = Image::<4>::filled(1, 1, [10, 20, 30, 255]).unwrap();
        let wide = resize(&one, 10_000, 1, *f).unwrap();
        assert!(
            wide.data().chunks(4).all(|p| p == [10, 20, 30, 255]),
            "{f:?}"
        );
        let back = resize(&wide, 1, 1, *f).unwrap();
        assert_eq!(back.pixel(0, 0), [10, 20, 30, 255], "{f:?}");
        let tall = resize(&one, 1, 10_000, *f).unwrap();
        let back = resize_premultiplied(&tall, 3, 1, *f).unwrap();
        assert!(
            back.data().chunks(4).all(|p| p == [10, 20, 30, 255]),
            "{f:?}"
        );
    }
    for m in V1Method::ALL {
        let one = Image::<1>::filled(1, 1, [200]).unwrap();
        let wide = resize_v1(&one, 10_000, 2, *m).unwrap();
        let back = resize_v1(&wide, 1, 1, *m).unwrap();
        assert!(back.data()[0] >= 199, "{m:?}");
    }
}

#[test]
fn same_size_is_an_untouched_copy() {
    let data: Vec<u8> = (0..5 * 4 * 4).map(|i| (i * 37 % 256) as u8).collect();
    let img = Image::<4>::from_vec(5, 4, data).unwrap();
    for f in Filter::ALL {
        assert_eq!(resize_premultiplied(&img, 5, 4, *f).unwrap(), img);
        assert_eq!(resize(&img, 5, 4, *f).unwrap(), img);
    }
}

#[test]
fn pass_order_rule() {
    assert!(vertical_first(40, 300, 30, 7));
    assert!(!vertical_first(300, 40, 7, 30));
    // Boundary: (150 − 79) = 71 > 2·(40 − 5) = 70 → vertical first; 2·(40 − 4) = 72 → not.
    assert!(vertical_first(40, 150, 5, 79));
    assert!(!vertical_first(40, 150, 4, 79));
    assert!(!vertical_first(60, 60, 119, 62)); // height grows
}

#[test]
fn coefficient_rows_sum_to_one() {
    for f in [
        Filter::Box,
        Filter::Bilinear,
        Filter::Bicubic,
        Filter::Lanczos,
    ] {
        for (i, o) in [(1u32, 7u32), (7, 3), (1024, 410), (410, 1024), (10_000, 3)] {
            let c = coefficients(i, o, f).unwrap();
            assert_eq!(c.out_len(), o as usize);
            for k in 0..c.out_len() {
                let (first, ks) = c.taps(k);
                assert!(first + ks.len() <= i as usize);
                let s: i64 = ks.iter().map(|&v| v as i64).sum();
                assert!(
                    (s - (1 << 22)).abs() <= ks.len() as i64,
                    "{f:?} {i}->{o} #{k}: {s}"
                );
            }
        }
    }
}

#[test]
fn opaque_images_skip_the_premultiply_with_the_same_bytes() {
    // resize_premultiplied takes a shortcut for fully opaque images; it must give what the
    // explicit premultiply → resample → un-premultiply gives, at ordinary and extreme ratios.
    let mut rng = lcg::Lcg(0x2545_f491);
    let mut noise = |w: u32, h: u32| Image::<4>::from_vec(w, h, rng.opaque_rgba(w, h)).unwrap();
    for (w, h, w1, h1) in [
        (64, 48, 25, 19),
        (31, 17, 80, 40),
        (3000, 2, 1, 1),
        (2, 3000, 2, 1),
    ] {
        let img = noise(w, h);
        assert!(img.is_opaque());
        for f in Filter::ALL {
            let mut pre = img.clone();
            pre.premultiply();
            let mut want = resize(&pre, w1, h1, *f).unwrap();
            want.unpremultiply();
            let got = resize_premultiplied(&img, w1, h1, *f).unwrap();
            assert!(got == want, "{f:?} {w}×{h} → {w1}×{h1}");
        }
    }
    let mut one = noise(20, 20);
    one.data_mut()[4 * 57 + 3] = 254;
    assert!(!one.is_opaque() && one.has_transparency());
    let mut tail = noise(31, 17); // 527 px: a 15-px tail after the 16-px blocks
    assert!(tail.is_opaque());
    let n = tail.data().len();
    tail.data_mut()[n - 1] = 0;
    assert!(!tail.is_opaque());
}
