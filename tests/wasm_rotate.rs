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

/// The byte the scalar reference makes of an `f64` bicubic value (`bicubic_filter*`'s clamp
/// and cast).
fn byte_of(v: f64) -> u8 {
    if v <= 0.0 {
        0
    } else if v >= 255.0 {
        255
    } else {
        v as u8
    }
}

/// The `f32` fast paths of the RGBA bicubic and bilinear interiors: their values stay well
/// inside the band they leave to the `f64` kernel, every byte they decide is the reference's,
/// and they do hand pixels back (exact integers of non-flat neighbourhoods, values near a byte
/// boundary).
#[wasm_bindgen_test]
fn f32_fast_paths_margin_and_decisions() {
    // (sampler, largest |f32 − f64| allowed: well under the documented bounds of about 3·10⁻⁴
    // and 1.5·10⁻⁴; the band is 2⁻⁸ ≈ 3.9·10⁻³)
    for (sampler, bound) in [(Sampler::Bicubic, 4e-4), (Sampler::Bilinear, 2e-4)] {
        f32_fast_path_cases(sampler, bound);
    }
}

fn f32_fast_path_cases(sampler: Sampler, bound: f64) {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let fracs = [0.0, 1e-9, 0.25, 0.5, 0.75, 1.0 - 1e-9, 0.999_999, 0.1, 0.9];
    let (mut worst, mut decided, mut handed_back) = (0f64, 0u32, 0u32);
    for case in 0..60_000u32 {
        let mut n = [0u8; 64];
        for (i, b) in n.iter_mut().enumerate() {
            let r = next();
            *b = match case % 6 {
                // 0/255 checkerboards and extremes: the largest overshoots of the cubic.
                0 => {
                    if (i / 4 + i / 16) % 2 == 0 {
                        0
                    } else {
                        255
                    }
                }
                1 => {
                    if r & 1 == 0 {
                        0
                    } else {
                        255
                    }
                }
                // Few levels: many values land exactly on integers.
                2 => [0, 64, 128, 255][(r >> 8) as usize % 4],
                // Flat channels next to noisy ones (an opaque image's alpha).
                3 => {
                    if i % 4 == 3 {
                        255
                    } else {
                        (r >> 24) as u8
                    }
                }
                4 => {
                    if i % 4 == 0 {
                        17
                    } else {
                        (r >> 24) as u8
                    }
                }
                _ => (r >> 24) as u8,
            };
        }
        let pick = |r: u64| {
            if r.is_multiple_of(3) {
                fracs[(r >> 8) as usize % fracs.len()]
            } else {
                (r >> 11) as f64 / (1u64 << 53) as f64
            }
        };
        let (dx, dy) = (pick(next()), pick(next()));
        let (got, v32, v64) = rotate::f32_probe(sampler, &n, dx, dy);
        for c in 0..4 {
            worst = worst.max((f64::from(v32[c]) - v64[c]).abs());
        }
        match got {
            Some(bytes) => {
                decided += 1;
                let want = v64.map(byte_of);
                assert_eq!(bytes, want, "{sampler:?}: dx {dx}, dy {dy}, {n:?}");
            }
            None => handed_back += 1,
        }
    }
    assert!(worst < bound, "{sampler:?}: largest |f32 − f64| {worst}");
    assert!(
        decided > 40_000 && handed_back > 1_000,
        "{sampler:?}: {decided} decided, {handed_back} handed back"
    );
    wasm_bindgen_test::console_log!(
        "{sampler:?} f32 path: largest |f32 − f64| = {worst:.2e}; {decided} decided, {handed_back} handed back"
    );
}

/// Images made of flat areas, few levels and smooth ramps (where the `f32` path meets exact
/// integers most often), and opaque noise, rotate to the scalar reference's bytes.
#[wasm_bindgen_test]
fn flat_and_banded_images_equal_scalar() {
    let (w, h) = (53u32, 41u32);
    let make = |f: &dyn Fn(u32, u32, usize) -> u8| {
        let mut d = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                for c in 0..4 {
                    d.push(f(x, y, c));
                }
            }
        }
        Image::<4>::from_vec(w, h, d).unwrap()
    };
    let images = [
        make(&|x, y, c| {
            if c == 3 {
                255
            } else {
                [0u8, 255, 128][((x / 7 + y / 5) % 3) as usize]
            }
        }),
        make(&|x, y, c| ((x * 5 + y * 3 + c as u32 * 40) % 256) as u8),
        make(&|x, _, c| {
            if c == 3 {
                200
            } else {
                (x * 255 / (w - 1)) as u8
            }
        }),
        make(&|x, y, c| {
            if (x + y) % 2 == 0 {
                255
            } else {
                (c as u8) * 60
            }
        }),
        // Opaque noise: the alpha channel is skipped as known 255.
        make(&|x, y, c| {
            if c == 3 {
                255
            } else {
                (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ (c as u32 * 97)) as u8
            }
        }),
    ];
    for img in &images {
        for a in [0.5, 13.0, 30.0, 45.0, 60.25, 90.5, 135.0, 217.0, 333.3] {
            compare(img, a, Sampler::Bicubic);
            compare(img, a, Sampler::Bilinear);
        }
    }
}
