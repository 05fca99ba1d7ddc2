//! Band splits (the worker pool's row split, README "Using both cores"): computing output rows
//! `[y0, y1)` alone must give exactly the bytes the full call gives for those rows. For many
//! random parameters, the concatenation of 2, 3 and 7 bands is compared byte for byte with the
//! full single call — which is itself checked against Pillow by `tests/resample.rs`,
//! `tests/rotate.rs` and `tests/pipeline.rs`.
//! The same file runs in wasm (Node) through wasm-bindgen-test, where the bands go through the
//! `simd128` kernels.

use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{Mirror, ScaleFilter};
use superimpose_wasm::pipeline::{self, V2Settings};
use superimpose_wasm::resample::{self, Filter};
use superimpose_wasm::rotate::{self, Sampler};
use superimpose_wasm::{ErrorCode, Image, RgbaImage};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// xorshift32: reproducible parameters and pixels.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u32) as usize]
    }
}

fn noise<const C: usize>(rng: &mut Rng, w: u32, h: u32) -> Image<C> {
    let data = (0..w as usize * h as usize * C)
        .map(|_| (rng.next() >> 24) as u8)
        .collect();
    Image::<C>::from_vec(w, h, data).unwrap()
}

/// RGBA noise with some fully transparent and fully opaque pixels (premultiply edge cases).
fn rgba_noise(rng: &mut Rng, w: u32, h: u32) -> RgbaImage {
    let mut img = noise::<4>(rng, w, h);
    for p in img.data_mut().chunks_exact_mut(4) {
        match rng.below(5) {
            0 => p[3] = 0,
            1 => p[3] = 255,
            _ => {}
        }
    }
    img
}

/// The bands `[y0, y1)` of an `h`-row output split into `n` (fewer when `h < n`).
fn bands(h: u32, n: u32) -> Vec<(u32, u32)> {
    let step = h.div_ceil(n).max(1);
    (0..h)
        .step_by(step as usize)
        .map(|y0| (y0, (y0 + step).min(h)))
        .collect()
}

/// Concatenate band outputs and compare with the full call.
fn check_split<const C: usize>(
    what: &str,
    full: &Image<C>,
    band: impl Fn(u32, u32) -> superimpose_wasm::Result<Image<C>>,
) {
    for n in [2, 3, 7] {
        let mut cat = Vec::with_capacity(full.data().len());
        for (y0, y1) in bands(full.height(), n) {
            let b = band(y0, y1).unwrap_or_else(|e| panic!("{what} band [{y0}, {y1}): {e}"));
            assert_eq!(b.width(), full.width(), "{what}: band width");
            assert_eq!(b.height(), y1 - y0, "{what}: band height");
            cat.extend_from_slice(b.data());
        }
        assert!(
            cat == full.data(),
            "{what}: {n} bands differ from the full call"
        );
    }
}

const FILTERS: &[Filter] = &[
    Filter::Nearest,
    Filter::Box,
    Filter::Bilinear,
    Filter::Bicubic,
    Filter::Lanczos,
];

#[test]
fn resize_bands_equal_the_full_call() {
    let mut rng = Rng(0x1234_5678);
    for case in 0..60 {
        let (w, h) = (rng.range(1, 70), rng.range(1, 70));
        // Down, up, one axis only, tall shrink (vertical pass first), unchanged.
        let (ow, oh) = match case % 6 {
            0 => (rng.range(1, w), rng.range(1, h)),
            1 => (rng.range(w, 2 * w + 3), rng.range(h, 2 * h + 3)),
            2 => (w, rng.range(1, 90)),
            3 => (rng.range(1, 90), h),
            4 => (
                rng.range(w.saturating_sub(2).max(1), w + 2),
                rng.range(1, h.div_ceil(4)),
            ),
            _ => (w, h),
        };
        let filter = rng.pick(FILTERS);
        let what = format!("{w}x{h} → {ow}x{oh} {filter:?}");
        let rgba = rgba_noise(&mut rng, w, h);
        let full = resample::resize(&rgba, ow, oh, filter).unwrap();
        check_split(&what, &full, |a, b| {
            resample::resize_rows(&rgba, ow, oh, filter, a, b)
        });
        let full = resample::resize_premultiplied(&rgba, ow, oh, filter).unwrap();
        check_split(&format!("{what} premultiplied"), &full, |a, b| {
            resample::resize_premultiplied_rows(&rgba, ow, oh, filter, a, b)
        });
        let gray = noise::<1>(&mut rng, w, h);
        let full = resample::resize(&gray, ow, oh, filter).unwrap();
        check_split(&format!("{what} gray"), &full, |a, b| {
            resample::resize_rows(&gray, ow, oh, filter, a, b)
        });
    }
}

/// A rectangle of the resize (columns too) from a window holding only the rows it needs.
#[test]
fn resize_region_from_a_row_window() {
    let mut rng = Rng(77);
    for _ in 0..40 {
        let (w, h) = (rng.range(2, 60), rng.range(2, 60));
        let (ow, oh) = (rng.range(1, 90), rng.range(1, 90));
        let filter = rng.pick(FILTERS);
        let img = rgba_noise(&mut rng, w, h);
        let full = resample::resize(&img, ow, oh, filter).unwrap();
        let (x0, y0) = (rng.below(ow), rng.below(oh));
        let (x1, y1) = (rng.range(x0 + 1, ow), rng.range(y0 + 1, oh));
        let (r0, r1) = resample::input_rows(w, h, ow, oh, filter, y0, y1).unwrap();
        let rows = resample::rows_of(&img, r0, r1).unwrap();
        let win = resample::Window {
            pixels: &rows,
            x0: 0,
            y0: r0,
            full_w: w,
            full_h: h,
        };
        let got = resample::resize_region(win, ow, oh, filter, (x0, y0, x1, y1)).unwrap();
        for y in y0..y1 {
            let want = &full.row(y)[x0 as usize * 4..x1 as usize * 4];
            assert_eq!(
                got.row(y - y0),
                want,
                "{w}x{h}→{ow}x{oh} {filter:?} row {y}"
            );
        }
        // A window missing a needed row is an error, not a panic or wrong bytes.
        if r1 - r0 >= 2 {
            let short = resample::rows_of(&img, r0 + 1, r1).unwrap();
            let win = resample::Window {
                y0: r0 + 1,
                pixels: &short,
                ..win
            };
            let e = resample::resize_region(win, ow, oh, filter, (x0, y0, x1, y1)).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Internal);
        }
    }
}

#[test]
fn band_bounds_are_checked() {
    let img = Image::<4>::new(8, 6).unwrap();
    for (a, b) in [(0, 0), (3, 2), (0, 11), (10, 11)] {
        let e = resample::resize_rows(&img, 5, 10, Filter::Bilinear, a, b).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamRange, "resize [{a}, {b})");
        let e = rotate::rotate_rows(&img, 30.0, Sampler::Bicubic, a, b + 100).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamRange, "rotate [{a}, {b})");
    }
    let s = settings(BlendMode::Normal, Mirror::None, 0, 50, 50, Filter::Bilinear);
    let e = pipeline::composite_v2_band(img.clone(), 5, 0, &img, None, &s).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::ParamRange,
        "base band taller than the base"
    );
    let e = pipeline::composite_v2_band(img.clone(), 100, 95, &img, None, &s).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange, "base band below the base");
    let e = pipeline::scaled_overlay_rows_v2(&img, None, &s, 5, 7).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::ParamRange,
        "scaled rows below the overlay"
    );
    let e = pipeline::composite_v2_band_scaled(img.clone(), 6, 0, &img, (8, 7), &s).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Dimensions,
        "scaled overlay of the wrong size"
    );
}

const ANGLES: &[f64] = &[
    0.0,
    90.0,
    180.0,
    270.0,
    -90.0,
    360.0,
    33.0,
    -33.0,
    45.0,
    1.0,
    89.5,
    135.0,
    200.25,
    359.0,
    720.0 + 17.0,
];

#[test]
fn rotate_bands_equal_the_full_call() {
    let mut rng = Rng(0xdead_beef);
    for case in 0..90 {
        let (w, h) = (rng.range(1, 50), rng.range(1, 50));
        let deg = if case < ANGLES.len() * 2 {
            ANGLES[case % ANGLES.len()]
        } else {
            f64::from(rng.below(72_000)) / 100.0 - 360.0
        };
        let sampler = rng.pick(Sampler::ALL);
        let what = format!("{w}x{h} {deg}° {sampler:?}");
        let rgba = rgba_noise(&mut rng, w, h);
        let full = rotate::rotate(&rgba, deg, sampler).unwrap();
        check_split(&what, &full, |a, b| {
            rotate::rotate_rows(&rgba, deg, sampler, a, b)
        });
        let full = rotate::rotate_premultiplied(&rgba, deg, sampler).unwrap();
        check_split(&format!("{what} premultiplied"), &full, |a, b| {
            rotate::rotate_premultiplied_rows(&rgba, deg, sampler, a, b)
        });
        let gray = noise::<1>(&mut rng, w, h);
        let full = rotate::rotate(&gray, deg, sampler).unwrap();
        check_split(&format!("{what} gray"), &full, |a, b| {
            rotate::rotate_rows(&gray, deg, sampler, a, b)
        });
    }
}

/// Bands from windows that hold only `source_rect` of the band.
#[test]
fn rotate_bands_from_minimal_windows() {
    let mut rng = Rng(4242);
    for case in 0..60 {
        let (w, h) = (rng.range(1, 60), rng.range(1, 60));
        let deg = ANGLES[case % ANGLES.len()] + if case > 30 { 0.37 } else { 0.0 };
        let sampler = rng.pick(Sampler::ALL);
        let img = rgba_noise(&mut rng, w, h);
        let full = rotate::rotate(&img, deg, sampler).unwrap();
        check_split(&format!("{w}x{h} {deg}° {sampler:?}"), &full, |a, b| {
            let (x0, y0, x1, y1) = rotate::source_rect(w, h, deg, sampler, a, b)?;
            // Crop the rectangle.
            let mut data = Vec::new();
            for y in y0..y1 {
                data.extend_from_slice(&img.row(y)[x0 as usize * 4..x1 as usize * 4]);
            }
            let crop = RgbaImage::from_vec(x1 - x0, y1 - y0, data)?;
            let win = resample::Window {
                pixels: &crop,
                x0,
                y0,
                full_w: w,
                full_h: h,
            };
            rotate::rotate_window_rows(win, deg, sampler, a, b)
        });
    }
}

fn settings(
    mode: BlendMode,
    mirror: Mirror,
    rotation: i64,
    x: i64,
    y: i64,
    method: Filter,
) -> V2Settings {
    V2Settings {
        blend_mode: mode,
        mirror,
        opacity: 90.0,
        rescale_factor: 1.0,
        resize_method: method,
        rotation,
        x_percent: x,
        y_percent: y,
        scale_filter: ScaleFilter::ResizeMethod,
        seed: 0,
    }
}

fn check_v2(
    what: &str,
    base: &RgbaImage,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
) {
    let full = pipeline::composite_v2(base.clone(), overlay, mask, s).unwrap();
    check_split(what, &full, |a, b| {
        let band = resample::rows_of(base, a, b)?;
        pipeline::composite_v2_band(band, base.height(), a, overlay, mask, s)
    });
    // The two phases: bands of the scaled overlay (= the unrotated preparation), then bands of
    // the base from the whole scaled overlay.
    let unrotated = V2Settings {
        rotation: 0,
        ..s.clone()
    };
    let scaled = pipeline::prepare_overlay_v2(overlay, mask, &unrotated).unwrap();
    check_split(&format!("{what}: scaled overlay"), &scaled, |a, b| {
        pipeline::scaled_overlay_rows_v2(overlay, mask, s, a, b)
    });
    let dims = (overlay.width(), overlay.height());
    check_split(
        &format!("{what}: from the scaled overlay"),
        &full,
        |a, b| {
            let band = resample::rows_of(base, a, b)?;
            pipeline::composite_v2_band_scaled(band, base.height(), a, &scaled, dims, s)
        },
    );
}

#[test]
fn v2_bands_equal_the_full_call() {
    let mut rng = Rng(0x0bad_cafe);
    let rotations = [0i64, 90, 180, 270, -90, 33, 30, -45, 359, 1, 123];
    for case in 0..160u32 {
        let (bw, bh) = (rng.range(1, 64), rng.range(1, 64));
        let (ow, oh) = (rng.range(1, 48), rng.range(1, 48));
        let base = rgba_noise(&mut rng, bw, bh);
        let overlay = rgba_noise(&mut rng, ow, oh);
        let mode = BlendMode::ALL[case as usize % BlendMode::ALL.len()];
        let mut s = settings(
            mode,
            rng.pick(&[Mirror::None, Mirror::Horizontal, Mirror::Vertical]),
            rng.pick(&rotations),
            // Partly (or wholly) off the base as often as on it.
            i64::from(rng.range(0, 160)) - 30,
            i64::from(rng.range(0, 160)) - 30,
            rng.pick(FILTERS),
        );
        s.opacity = f64::from(rng.below(101));
        s.rescale_factor = rng.pick(&[1.0, 0.4, 0.75, 1.3, 2.0, 0.05]);
        s.seed = rng.next();
        s.scale_filter = rng.pick(&[ScaleFilter::ResizeMethod, ScaleFilter::Bicubic]);
        let mask = match case % 3 {
            0 => None,
            1 => Some(rgba_noise(&mut rng, ow, oh)),
            _ => {
                let (mw, mh) = (rng.range(1, 40), rng.range(1, 40));
                Some(rgba_noise(&mut rng, mw, mh))
            }
        };
        let what = format!(
            "case {case}: base {bw}x{bh} overlay {ow}x{oh} {:?} {:?} rot {} at ({}, {}) {:?} ×{} {:?} mask {:?}",
            s.blend_mode,
            s.mirror,
            s.rotation,
            s.x_percent,
            s.y_percent,
            s.resize_method,
            s.rescale_factor,
            s.scale_filter,
            mask.as_ref().map(|m| (m.width(), m.height())),
        );
        // A rescale that makes a 0-px side is an error for both; skip those draws.
        if pipeline::v2_scaled_size(ow, oh, s.rescale_factor).is_err() {
            continue;
        }
        check_v2(&what, &base, &overlay, mask.as_ref(), &s);
    }
}

/// Dissolve with several seeds and opacities: the draw uses absolute base coordinates.
#[test]
fn v2_dissolve_bands() {
    let mut rng = Rng(99);
    let base = rgba_noise(&mut rng, 57, 41);
    let overlay = rgba_noise(&mut rng, 33, 29);
    for seed in [0u32, 1, 7, 0xffff_ffff] {
        for rotation in [0, 33, 90] {
            let mut s = settings(
                BlendMode::Dissolve,
                Mirror::Vertical,
                rotation,
                40,
                60,
                Filter::Bicubic,
            );
            s.seed = seed;
            s.opacity = 55.0;
            s.rescale_factor = 1.2;
            check_v2(
                &format!("dissolve seed {seed} rot {rotation}"),
                &base,
                &overlay,
                None,
                &s,
            );
        }
    }
}

/// The benchmark's shape at a small scale: a lanczos-shrunk, rotated, mirrored overlay.
#[test]
fn v2_bench_shape_bands() {
    let mut rng = Rng(5);
    let base = rgba_noise(&mut rng, 192, 108);
    let overlay = rgba_noise(&mut rng, 102, 102);
    let mut s = settings(
        BlendMode::Multiply,
        Mirror::Horizontal,
        30,
        50,
        50,
        Filter::Lanczos,
    );
    s.rescale_factor = 0.4;
    check_v2("bench shape", &base, &overlay, None, &s);
    // With a mask of another size (bicubic-resized luminance, SPEC 2.2).
    let mask = rgba_noise(&mut rng, 80, 120);
    check_v2("bench shape + mask", &base, &overlay, Some(&mask), &s);
}
