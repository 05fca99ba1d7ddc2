//! wasm (Node) resampling tests: the committed Pillow/numpy fixtures byte-exact, and the
//! `simd128` kernels equal to the scalar reference on many sizes and filters (widths 1..=17
//! cover every tail path). Also prints (never asserts) the lanczos/bilinear 1024²→410² timing.
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use superimpose_wasm::resample::{resize, resize_premultiplied, resize_v1, Filter, V1Method};
use superimpose_wasm::simd::{set_backend, Backend};
use superimpose_wasm::Image;
use wasm_bindgen_test::*;

fn decode<const C: usize>(png: &[u8]) -> Image<C> {
    let img = image::load_from_memory(png).expect("fixture PNG decodes");
    let (w, h) = (img.width(), img.height());
    let data = match C {
        1 => img.to_luma8().into_raw(),
        3 => img.to_rgb8().into_raw(),
        _ => img.to_rgba8().into_raw(),
    };
    Image::from_vec(w, h, data).expect("fixture fits")
}

fn run_typed<const C: usize>(case: &Value, m: &Value, bundle: &[u8]) -> Result<(), String> {
    let load = |f: &str| {
        let e = &m["bundle"][f];
        let (o, l) = (
            e[0].as_u64().unwrap() as usize,
            e[1].as_u64().unwrap() as usize,
        );
        &bundle[o..o + l]
    };
    let input = &m["inputs"][case["input"].as_str().unwrap()];
    let src: Image<C> = decode(load(input["file"].as_str().unwrap()));
    let want: Image<C> = decode(load(case["expected"].as_str().unwrap()));
    let (w, h) = (
        case["width"].as_u64().unwrap() as u32,
        case["height"].as_u64().unwrap() as u32,
    );
    let got = if case["kind"] == "v1" {
        let mth = V1Method::parse("method", case["method"].as_str().unwrap()).unwrap();
        resize_v1(&src, w, h, mth).unwrap()
    } else {
        let f = Filter::parse("filter", case["filter"].as_str().unwrap()).unwrap();
        if C == 4 {
            let rgba =
                Image::<4>::from_vec(src.width(), src.height(), src.data().to_vec()).unwrap();
            let o = resize_premultiplied(&rgba, w, h, f).unwrap();
            Image::<C>::from_vec(o.width(), o.height(), o.into_vec()).unwrap()
        } else {
            resize(&src, w, h, f).unwrap()
        }
    };
    if got == want {
        return Ok(());
    }
    for y in 0..want.height() {
        for x in 0..want.width() {
            if got.pixel(x, y) != want.pixel(x, y) {
                return Err(format!(
                    "{}: first difference at ({x}, {y}): got {:?}, want {:?}",
                    case["expected"],
                    got.pixel(x, y),
                    want.pixel(x, y)
                ));
            }
        }
    }
    Err(format!("{}: size differs", case["expected"]))
}

fn run_fixtures() -> usize {
    let m: Value = serde_json::from_str(include_str!("fixtures/resample/manifest.json")).unwrap();
    let bundle: &[u8] = include_bytes!("fixtures/resample/bundle.bin");
    let cases = m["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let r = match case["mode"].as_str().unwrap() {
            "L" => run_typed::<1>(case, &m, bundle),
            "RGB" => run_typed::<3>(case, &m, bundle),
            _ => run_typed::<4>(case, &m, bundle),
        };
        if let Err(e) = r {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cases.len()
}

#[wasm_bindgen_test]
fn fixtures_byte_exact_both_backends() {
    set_backend(Some(Backend::Simd128)).unwrap();
    let n = run_fixtures();
    set_backend(Some(Backend::Scalar)).unwrap();
    assert_eq!(run_fixtures(), n);
    set_backend(None).unwrap();
    assert!(n >= 200);
}

fn pattern(w: u32, h: u32, c: usize, seed: u32) -> Vec<u8> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
    (0..w as usize * h as usize * c)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            if i % 7 == 0 {
                255
            } else if i % 11 == 0 {
                0
            } else {
                (s >> 24) as u8
            }
        })
        .collect()
}

fn both<const C: usize>(src: &Image<C>, w: u32, h: u32, f: Filter) {
    set_backend(Some(Backend::Scalar)).unwrap();
    let a = resize(src, w, h, f).unwrap();
    set_backend(Some(Backend::Simd128)).unwrap();
    let b = resize(src, w, h, f).unwrap();
    set_backend(None).unwrap();
    assert!(
        a == b,
        "{}x{} -> {w}x{h} {f:?} C={C}",
        src.width(),
        src.height()
    );
}

#[wasm_bindgen_test]
fn simd_equals_scalar() {
    let filters = [
        Filter::Box,
        Filter::Bilinear,
        Filter::Bicubic,
        Filter::Lanczos,
    ];
    let mut seed = 1;
    for w in 1..=17u32 {
        for (ow, oh) in [
            (1u32, 1u32),
            (w + 3, 5),
            ((w / 2).max(1), 9),
            (17, 2),
            (w, 4),
        ] {
            for f in filters {
                seed += 1;
                let src4 = Image::<4>::from_vec(w, 7, pattern(w, 7, 4, seed)).unwrap();
                both(&src4, ow, oh, f);
                let src1 = Image::<1>::from_vec(w, 7, pattern(w, 7, 1, seed)).unwrap();
                both(&src1, ow, oh, f);
                let src3 = Image::<3>::from_vec(w, 7, pattern(w, 7, 3, seed)).unwrap();
                both(&src3, ow, oh, f);
            }
        }
    }
    for (iw, ih, ow, oh) in [
        (97, 61, 13, 200),
        (300, 2, 5, 90),
        (40, 150, 5, 79),
        (64, 64, 63, 10),
        (1, 1, 7, 3),
    ] {
        for f in filters {
            let src = Image::<4>::from_vec(iw, ih, pattern(iw, ih, 4, iw + ow)).unwrap();
            both(&src, ow, oh, f);
        }
    }
}

#[wasm_bindgen_test]
fn timing_1024_to_410_rgba() {
    let src = Image::<4>::from_vec(1024, 1024, pattern(1024, 1024, 4, 9)).unwrap();
    for backend in [Backend::Scalar, Backend::Simd128] {
        set_backend(Some(backend)).unwrap();
        for f in [Filter::Lanczos, Filter::Bilinear] {
            let _ = resize_premultiplied(&src, 410, 410, f).unwrap();
            let runs = 5;
            let t0 = js_sys::Date::now();
            for _ in 0..runs {
                let _ = resize_premultiplied(&src, 410, 410, f).unwrap();
            }
            let premul = (js_sys::Date::now() - t0) / runs as f64;
            let t0 = js_sys::Date::now();
            for _ in 0..runs {
                let _ = resize(&src, 410, 410, f).unwrap();
            }
            let plain = (js_sys::Date::now() - t0) / runs as f64;
            console_log!(
                "TIMING {} {:?} 1024²→410² RGBA: resize {:.1} ms, resize_premultiplied {:.1} ms",
                backend.as_str(),
                f,
                plain,
                premul
            );
        }
    }
    set_backend(None).unwrap();
}

/// Every (c, a) pair, in every lane position, through premultiply and un-premultiply: the
/// simd128 kernels equal the scalar reference (and the scalar premultiply is SPEC 1.1's
/// DIV255 formula, checked here by hand-computed values too).
#[wasm_bindgen_test]
fn premultiply_simd_equals_scalar_exhaustive() {
    let mut data = Vec::with_capacity(256 * 256 * 4 + 12);
    for a in 0..=255u32 {
        for c in 0..=255u32 {
            // Rotate which channel holds c so every lane sees every value.
            let k = (a + c) as usize % 3;
            let mut px = [
                (c * 7 + 3) as u8,
                (c * 13 + 1) as u8,
                (c * 29) as u8,
                a as u8,
            ];
            px[k] = c as u8;
            data.extend_from_slice(&px);
        }
    }
    data.extend_from_slice(&[200, 100, 50, 128, 9, 8, 7, 0, 1, 2, 3, 255]); // ragged tail
    let n = data.len() as u32 / 4;
    let img = Image::<4>::from_vec(n, 1, data).unwrap();
    let run = |b: Backend| {
        set_backend(Some(b)).unwrap();
        let mut p = img.clone();
        p.premultiply();
        let mut u = img.clone();
        u.unpremultiply();
        set_backend(None).unwrap();
        (p, u)
    };
    let (ps, us) = run(Backend::Scalar);
    let (pv, uv) = run(Backend::Simd128);
    assert!(ps == pv, "premultiply differs");
    assert!(us == uv, "unpremultiply differs");
    // Hand-computed: DIV255(200·128) = round(100.39) = 100; 255·200/128 = 398 → 255.
    let t = ps.data().len() - 12;
    assert_eq!(&ps.data()[t..t + 4], &[100, 50, 25, 128]);
    assert_eq!(&us.data()[t..t + 4], &[255, 199, 99, 128]);
    assert_eq!(&ps.data()[t + 4..], &[0, 0, 0, 0, 1, 2, 3, 255]);
}

/// Long tap runs (hundreds of taps per output) and every tap-count remainder mod 4 on the
/// split-coefficient horizontal kernel: simd128 equals scalar.
#[wasm_bindgen_test]
fn simd_equals_scalar_many_taps() {
    for (iw, ow) in [
        (2000u32, 3u32),
        (1031, 7),
        (517, 2),
        (1024, 410),
        (410, 1024),
        (33, 5),
    ] {
        for f in [
            Filter::Box,
            Filter::Bilinear,
            Filter::Bicubic,
            Filter::Lanczos,
        ] {
            let src = Image::<4>::from_vec(iw, 3, pattern(iw, 3, 4, iw ^ ow)).unwrap();
            both(&src, ow, 3, f);
            both(&src, ow, 2, f);
            let white = Image::<4>::filled(iw, 2, [255; 4]).unwrap();
            both(&white, ow, 2, f);
        }
    }
}
