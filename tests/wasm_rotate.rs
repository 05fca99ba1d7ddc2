//! Rotation in wasm (Node): the committed Pillow fixtures byte for byte under every compiled
//! backend, and the `simd128` kernels equal to the scalar reference over many angles and sizes.
#![cfg(target_arch = "wasm32")]

#[path = "fixtures/rotate/refs.rs"]
mod refs;

use superimpose_wasm::rotate::{self, Sampler};
use superimpose_wasm::simd::{self, Backend};
use superimpose_wasm::Image;
use wasm_bindgen_test::wasm_bindgen_test;

fn backends() -> Vec<Backend> {
    [Backend::Scalar, Backend::Simd128]
        .into_iter()
        .filter(|b| b.is_compiled())
        .collect()
}

#[wasm_bindgen_test]
fn simd128_is_compiled() {
    assert!(Backend::Simd128.is_compiled());
}

#[wasm_bindgen_test]
fn committed_fixtures_every_backend() {
    let refs = refs::parse(
        include_str!("fixtures/rotate/manifest.json"),
        include_bytes!("fixtures/rotate/data.bin"),
    );
    for b in backends() {
        simd::set_backend(Some(b)).unwrap();
        let (n, failed, failures) = refs::check_all(&refs, 20);
        simd::set_backend(None).unwrap();
        assert!(n > 2000);
        assert!(
            failed == 0,
            "{}: {failed} of {n} differ from Pillow:\n{}",
            b.as_str(),
            failures.join("\n")
        );
    }
}

fn compare<const C: usize>(img: &Image<C>, angle: f64, s: Sampler) {
    simd::set_backend(Some(Backend::Scalar)).unwrap();
    let want = rotate::rotate(img, angle, s).unwrap();
    simd::set_backend(Some(Backend::Simd128)).unwrap();
    let got = rotate::rotate(img, angle, s).unwrap();
    simd::set_backend(None).unwrap();
    assert!(
        got == want,
        "simd128 ≠ scalar: C = {C}, {}×{}, {s:?}, {angle}°",
        img.width(),
        img.height()
    );
}

#[wasm_bindgen_test]
fn simd128_equals_scalar() {
    let sizes = [
        (1, 1),
        (1, 9),
        (9, 1),
        (2, 2),
        (5, 3),
        (17, 9),
        (31, 24),
        (64, 40),
    ];
    let angles = [
        1.0, 5.0, 17.5, 30.0, 44.9, 45.0, 89.5, 91.0, 135.0, 179.9, 181.0, 200.25, 269.0, 300.0,
        359.0, -30.0, 1e-14, 1000.7,
    ];
    let mut n = 0;
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let seed = i as u64 + 1;
        let (g, rgb, rgba) = (
            refs::noise::<1>(w, h, seed),
            refs::noise::<3>(w, h, seed),
            refs::noise::<4>(w, h, seed),
        );
        let two = refs::noise::<2>(w, h, seed);
        for &a in &angles {
            for s in [Sampler::Bilinear, Sampler::Bicubic] {
                compare(&g, a, s);
                compare(&two, a, s);
                compare(&rgb, a, s);
                compare(&rgba, a, s);
                n += 4;
            }
        }
    }
    // A larger image over every integer angle with both interpolating samplers.
    let big = refs::noise::<4>(48, 33, 99);
    for a in 0..360 {
        compare(&big, f64::from(a) + 0.5, Sampler::Bicubic);
        compare(&big, f64::from(a), Sampler::Bilinear);
        n += 2;
    }
    assert!(n > 1000);
}
