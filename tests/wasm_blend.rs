//! simd128 kernels == scalar reference (runs in Node):
//! `cargo test --target wasm32-unknown-unknown --test wasm_blend`.
#![cfg(target_arch = "wasm32")]

use superimpose_wasm::blend::{blend, blend_pixel, composite_at, mix_at, BlendMode, Blender};
use superimpose_wasm::simd::{set_backend, Backend};
use superimpose_wasm::RgbaImage;
use wasm_bindgen_test::*;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

fn with_backend<T>(b: Backend, f: impl FnOnce() -> T) -> T {
    set_backend(Some(b)).unwrap();
    let r = f();
    set_backend(None).unwrap();
    r
}

/// 256 × 256 images where pixel (s, b) holds every (b, s) pair in channel 0 and (s, b) in
/// channel 1; channel 2 random. `mask_rows` of the source alpha are all 255 (so whole 4-pixel
/// groups take the store-only path); the rest are random masks.
fn all_pairs(rng: &mut Lcg) -> (RgbaImage, RgbaImage) {
    let mut base = Vec::with_capacity(256 * 256 * 4);
    let mut src = Vec::with_capacity(256 * 256 * 4);
    for b in 0..=255u8 {
        for s in 0..=255u8 {
            base.extend_from_slice(&[b, s, rng.byte(), rng.byte()]);
            let m = if b % 3 == 0 { 255 } else { rng.mask() };
            src.extend_from_slice(&[s, b, rng.byte(), m]);
        }
    }
    (
        RgbaImage::from_vec(256, 256, base).unwrap(),
        RgbaImage::from_vec(256, 256, src).unwrap(),
    )
}

#[wasm_bindgen_test]
fn simd128_is_the_default_backend() {
    assert!(Backend::Simd128.is_compiled());
    assert_eq!(superimpose_wasm::simd::backend(), Backend::Simd128);
}

#[wasm_bindgen_test]
fn simd_equals_scalar_over_all_byte_pairs_every_mode() {
    let mut rng = Lcg(2024);
    let (base, src) = all_pairs(&mut rng);
    for &mode in BlendMode::ALL {
        for op in [0.0, 0.37, 0.5, 0.9, 1.0] {
            let s = with_backend(Backend::Scalar, || blend(&base, &src, mode, op, 5).unwrap());
            let v = with_backend(Backend::Simd128, || {
                blend(&base, &src, mode, op, 5).unwrap()
            });
            assert!(s == v, "{mode} op={op}: simd128 differs from scalar");
        }
    }
}

#[wasm_bindgen_test]
fn simd_matches_the_reference_formula_on_random_pixels() {
    let mut rng = Lcg(99);
    let (w, h) = (61, 7); // odd width: scalar tail after the 4-pixel groups
    let mk = |rng: &mut Lcg, masks: bool| {
        let d = (0..w * h)
            .flat_map(|_| {
                let a = if masks { rng.mask() } else { rng.byte() };
                [rng.byte(), rng.byte(), rng.byte(), a]
            })
            .collect();
        RgbaImage::from_vec(w, h, d).unwrap()
    };
    for &mode in BlendMode::ALL {
        for op in [0.0, 0.37, 0.9, 1.0] {
            let base = mk(&mut rng, false);
            let src = mk(&mut rng, true);
            let out = with_backend(Backend::Simd128, || {
                let bl = Blender::new(mode, op, 31).unwrap();
                bl.prepare(1 << 20); // the table path
                let mut o = base.clone();
                composite_at(&mut o, &src, 0, 0, &bl);
                o
            });
            for y in 0..h {
                for x in 0..w {
                    let (b, s, o) = (base.pixel(x, y), src.pixel(x, y), out.pixel(x, y));
                    let u = superimpose_wasm::blend::dissolve_u(31, x, y);
                    let r = blend_pixel(mode, [b[0], b[1], b[2]], [s[0], s[1], s[2]], op, u);
                    for c in 0..3 {
                        let t = b[c] as u32 * (255 - s[3] as u32) + r[c] as u32 * s[3] as u32;
                        let want = ((t as f64) / 255.0).round() as u8;
                        assert_eq!(o[c], want, "{mode} op={op} ({x},{y})");
                    }
                    assert_eq!(o[3], b[3]);
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn simd_equals_scalar_for_every_run_length_and_offset() {
    let mut rng = Lcg(7);
    for w in 1..=19u32 {
        let base: Vec<u8> = (0..w * 3 * 4).map(|_| rng.byte()).collect();
        let base = RgbaImage::from_vec(w, 3, base).unwrap();
        let ov: Vec<u8> = (0..w * 2 * 4)
            .map(|i| if i % 4 == 3 { rng.mask() } else { rng.byte() })
            .collect();
        let ov = RgbaImage::from_vec(w, 2, ov).unwrap();
        for (left, top) in [(0i64, 0i64), (-1, 1), (2, -1), (w as i64 - 1, 2)] {
            for mode in [
                BlendMode::Multiply,
                BlendMode::Dissolve,
                BlendMode::Hue,
                BlendMode::LighterColor,
            ] {
                let run = |b: Backend| {
                    with_backend(b, || {
                        let bl = Blender::new(mode, 0.9, 17).unwrap();
                        let mut o = base.clone();
                        composite_at(&mut o, &ov, left, top, &bl);
                        let mut m = base.clone();
                        mix_at(&mut m, &ov, left, top);
                        (o, m)
                    })
                };
                assert!(
                    run(Backend::Scalar) == run(Backend::Simd128),
                    "w={w} {mode} at ({left},{top})"
                );
            }
        }
    }
}

/// Timings only (no assertion): a 1024² overlay region composited onto a 4K base at 0.9.
#[wasm_bindgen_test]
fn timing_1024_square_on_4k() {
    let mut rng = Lcg(1);
    let mut base = RgbaImage::new(3840, 2160).unwrap();
    for v in base.data_mut() {
        *v = rng.byte();
    }
    let ov_data: Vec<u8> = (0..1024 * 1024 * 4)
        .map(|i| if i % 4 == 3 { 255 } else { rng.byte() })
        .collect();
    let ov = RgbaImage::from_vec(1024, 1024, ov_data).unwrap();
    let mut masked = ov.clone();
    for p in masked.data_mut().chunks_exact_mut(4) {
        p[3] = rng.mask();
    }
    let now = js_sys::Date::now;
    let reps = 5;
    let t0 = now();
    for _ in 0..reps {
        let mut copy = base.clone();
        for y in 0..1024u32 {
            let src = ov.row(y);
            copy.row_mut(y + 500)[1000 * 4..(1000 + 1024) * 4].copy_from_slice(src);
        }
        std::hint::black_box(&copy);
    }
    let t1 = now();
    let t_clone = {
        let a = now();
        for _ in 0..reps {
            std::hint::black_box(base.clone());
        }
        (now() - a) / reps as f64
    };
    web_sys_log(&format!(
        "memory copy of the 1024² region: {:.3} ms",
        (t1 - t0) / reps as f64 - t_clone
    ));
    for backend in [Backend::Scalar, Backend::Simd128] {
        for mode in [
            BlendMode::Multiply,
            BlendMode::Screen,
            BlendMode::Overlay,
            BlendMode::SoftLight,
            BlendMode::HardLight,
            BlendMode::Darken,
            BlendMode::Lighten,
            BlendMode::Normal,
            BlendMode::Dissolve,
            BlendMode::Hue,
        ] {
            for (what, o) in [("mask 255", &ov), ("random mask", &masked)] {
                let (mut t_build, mut t_comp) = (0.0, 0.0);
                with_backend(backend, || {
                    for _ in 0..reps {
                        let a = now();
                        let bl = Blender::new(mode, 0.9, 1).unwrap();
                        bl.prepare(1024 * 1024);
                        let b = now();
                        composite_at(&mut base, o, 1000, 500, &bl);
                        let c = now();
                        t_build += b - a;
                        t_comp += c - b;
                    }
                });
                web_sys_log(&format!(
                    "{} {mode:>10} {what:>11}: table {:.3} ms + composite {:.3} ms",
                    backend.as_str(),
                    t_build / reps as f64,
                    t_comp / reps as f64
                ));
            }
        }
    }
}

fn web_sys_log(s: &str) {
    wasm_bindgen_test::console_log!("{}", s);
}

/// `set_opaque` and `set_opaque_unsplit` (64-byte simd128 steps plus a per-pixel tail) set
/// exactly every 4th byte to 255 for every width around the step, and leave the rest alone.
#[wasm_bindgen_test]
fn set_opaque_sets_only_alpha_for_every_tail_length() {
    let mut rng = Lcg(0x5e7_0a9e);
    for w in 1..=40u32 {
        for h in [1u32, 3] {
            let data: Vec<u8> = (0..w * h * 4).map(|_| rng.byte()).collect();
            let want: Vec<u8> = data
                .iter()
                .enumerate()
                .map(|(i, &b)| if i % 4 == 3 { 255 } else { b })
                .collect();
            let mut a = RgbaImage::from_vec(w, h, data.clone()).unwrap();
            a.set_opaque();
            assert_eq!(a.data(), &want[..], "set_opaque {w}×{h}");
            let mut b = RgbaImage::from_vec(w, h, data).unwrap();
            b.set_opaque_unsplit();
            assert_eq!(b.data(), &want[..], "set_opaque_unsplit {w}×{h}");
        }
    }
}
