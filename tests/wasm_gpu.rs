//! The WebGPU backend against the CPU, in headless Chromium (`webdriver.json` starts it with
//! `--enable-unsafe-webgpu`: the SwiftShader adapter). Every test first requires an adapter and
//! prints it: no adapter is a FAILURE, never a skip.
//!
//! Exactness: resample (every filter, up and down, both pass orders), nearest rotation, the
//! transposes, mirror, the 25 table / hash blend modes and the mask mix are asserted
//! byte-equal; bilinear / bicubic rotation and hue / saturation / color / luminosity are f32 on
//! the GPU and asserted within ±1 (the number of off-by-one bytes is printed).
#![cfg(target_arch = "wasm32")]

use superimpose_wasm::blend::{composite_at, BlendMode, Blender};
use superimpose_wasm::gpu::{self, ops, Backend};
use superimpose_wasm::params::{Mirror, OverlayResize, ScaleFilter};
use superimpose_wasm::pipeline::{self, LoadedV1, LoadedV2, V1Settings, V2Settings};
use superimpose_wasm::resample::{self, Filter, V1Method};
use superimpose_wasm::rotate::{self, Sampler};
use superimpose_wasm::{ErrorCode, RgbaImage};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

/// A smooth-ish image (gradients + noise) with the given alpha rule.
trait ImageGen {
    fn image(&mut self, w: u32, h: u32, alpha: impl Fn(&mut Lcg) -> u8) -> RgbaImage;
}
impl ImageGen for Lcg {
    fn image(&mut self, w: u32, h: u32, alpha: impl Fn(&mut Lcg) -> u8) -> RgbaImage {
        let mut d = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                let n = self.byte() / 4;
                d.push(((x * 255 / w.max(1)) as u8).wrapping_add(n));
                d.push(((y * 255 / h.max(1)) as u8).wrapping_add(n));
                d.push(self.byte());
                d.push(alpha(self));
            }
        }
        RgbaImage::from_vec(w, h, d).unwrap()
    }
}

/// Requires an adapter (panics otherwise) and prints it.
async fn adapter() -> String {
    gpu::set_force_unavailable(false);
    let info = gpu::adapter_info().await.expect(
        "no WebGPU adapter: Chromium must run with --enable-unsafe-webgpu (webdriver.json)",
    );
    let s = info.summary();
    console_log!("WebGPU adapter: {s}");
    s
}

/// Max channel difference and the number of differing bytes; sizes must match.
fn diff(a: &RgbaImage, b: &RgbaImage) -> (u8, usize) {
    assert_eq!(
        (a.width(), a.height()),
        (b.width(), b.height()),
        "sizes differ"
    );
    let mut max = 0;
    let mut n = 0;
    for (x, y) in a.data().iter().zip(b.data()) {
        let d = x.abs_diff(*y);
        if d > 0 {
            n += 1;
            max = max.max(d);
        }
    }
    (max, n)
}

fn exact(what: &str, gpu: &RgbaImage, cpu: &RgbaImage) {
    let (max, n) = diff(gpu, cpu);
    assert_eq!(
        (max, n),
        (0, 0),
        "{what}: GPU differs from the CPU in {n} bytes (max {max})"
    );
}

fn within1(what: &str, gpu: &RgbaImage, cpu: &RgbaImage) -> usize {
    let (max, n) = diff(gpu, cpu);
    assert!(
        max <= 1,
        "{what}: GPU differs from the CPU by up to {max} ({n} bytes)"
    );
    n
}

#[wasm_bindgen_test]
async fn resample_every_filter_up_and_down_is_byte_equal() {
    adapter().await;
    let mut rng = Lcg(7);
    let src = rng.image(37, 29, |r| r.byte());
    // up, down, one axis only, and Pillow's vertical-first order (height shrinks a lot).
    let sizes = [(83, 61), (13, 11), (37, 70), (20, 29), (30, 5), (1, 1)];
    for &f in Filter::ALL {
        for &(w, h) in &sizes {
            let g = ops::resize(&src, w, h, f).await.unwrap();
            let c = resample::resize(&src, w, h, f).unwrap();
            exact(&format!("resize {} 37×29 → {w}×{h}", f.as_str()), &g, &c);
        }
    }
    // A large downscale ratio (long windows).
    let big = rng.image(400, 300, |r| r.byte());
    for f in [Filter::Box, Filter::Lanczos] {
        let g = ops::resize(&big, 7, 9, f).await.unwrap();
        exact(
            "400×300 → 7×9",
            &g,
            &resample::resize(&big, 7, 9, f).unwrap(),
        );
    }
}

#[wasm_bindgen_test]
async fn rotation_every_sampler() {
    adapter().await;
    let mut rng = Lcg(11);
    let src = rng.image(41, 27, |r| r.byte());
    let mut off = 0;
    for &s in Sampler::ALL {
        for deg in [30.0, 45.0, 90.0, 180.0, 270.0, 137.0, 359.0, -17.0, 1.0] {
            let g = ops::rotate(&src, deg, s).await.unwrap();
            let c = rotate::rotate(&src, deg, s).unwrap();
            let what = format!("rotate {deg}° {}", s.as_str());
            if s == Sampler::Nearest || deg % 90.0 == 0.0 {
                exact(&what, &g, &c);
            } else {
                off += within1(&what, &g, &c);
            }
        }
    }
    console_log!("bilinear/bicubic rotation: {off} bytes differ by 1 (f32 on the GPU)");
}

#[wasm_bindgen_test]
async fn mirror_is_byte_equal() {
    adapter().await;
    let src = Lcg(3).image(19, 8, |r| r.byte());
    for horizontal in [true, false] {
        let g = ops::mirror(&src, horizontal).await.unwrap();
        let mut c = src.clone();
        if horizontal {
            rotate::flip_horizontal_in_place(&mut c);
        } else {
            rotate::flip_vertical_in_place(&mut c);
        }
        exact("mirror", &g, &c);
    }
}

#[wasm_bindgen_test]
async fn every_blend_mode_and_opacity_with_masks() {
    adapter().await;
    let mut rng = Lcg(5);
    let mut base = rng.image(70, 50, |_| 255);
    // Every (b, s) pair of channel 0 appears across the base rows and overlay columns.
    let ov = rng.image(64, 48, |r| r.mask());
    for (i, p) in base.data_mut().chunks_exact_mut(4).enumerate() {
        p[0] = (i % 256) as u8;
    }
    let mut hsv_off = 0;
    for &mode in BlendMode::ALL {
        for op in [0.0, 0.37, 0.9, 1.0] {
            for (left, top) in [(3i64, 1i64), (-9, 12)] {
                let g = ops::composite(&base, &ov, left, top, mode, op, 42)
                    .await
                    .unwrap();
                let mut c = base.clone();
                composite_at(&mut c, &ov, left, top, &Blender::new(mode, op, 42).unwrap());
                let what = format!("{} op {op} at ({left}, {top})", mode.as_str());
                match mode {
                    BlendMode::Hue
                    | BlendMode::Saturation
                    | BlendMode::Color
                    | BlendMode::Luminosity => hsv_off += within1(&what, &g, &c),
                    _ => exact(&what, &g, &c),
                }
            }
        }
    }
    console_log!("hue/saturation/color/luminosity: {hsv_off} bytes differ by 1 (f32 on the GPU)");
}

fn v2(base: &RgbaImage, ov: &RgbaImage, mask: Option<&RgbaImage>, s: V2Settings) -> LoadedV2 {
    LoadedV2 {
        base: base.clone(),
        overlay: ov.clone(),
        mask: mask.cloned(),
        settings: s,
        warnings: Vec::new(),
    }
}

fn v2s(mode: BlendMode, filter: Filter, rotation: i64, mirror: Mirror, factor: f64) -> V2Settings {
    V2Settings {
        blend_mode: mode,
        mirror,
        opacity: 73.0,
        rescale_factor: factor,
        resize_method: filter,
        rotation,
        x_percent: 40,
        y_percent: 65,
        scale_filter: ScaleFilter::ResizeMethod,
        seed: 9,
    }
}

#[wasm_bindgen_test]
async fn full_v2_bodies() {
    adapter().await;
    let mut rng = Lcg(21);
    let mut base = rng.image(120, 90, |r| r.byte());
    for p in base.data_mut().chunks_exact_mut(4) {
        p[3] = 255;
    }
    let ov = rng.image(50, 40, |r| r.mask());
    let mask = rng.image(33, 25, |r| r.byte());
    let cases = [
        (
            BlendMode::Multiply,
            Filter::Nearest,
            0,
            Mirror::None,
            1.0,
            false,
        ),
        (
            BlendMode::Screen,
            Filter::Bilinear,
            30,
            Mirror::Horizontal,
            1.7,
            true,
        ),
        (
            BlendMode::HardMix,
            Filter::Bicubic,
            200,
            Mirror::Vertical,
            0.6,
            false,
        ),
        (
            BlendMode::Dissolve,
            Filter::Lanczos,
            90,
            Mirror::None,
            2.3,
            true,
        ),
        (
            BlendMode::Normal,
            Filter::Box,
            45,
            Mirror::Horizontal,
            0.45,
            false,
        ),
        (
            BlendMode::LighterColor,
            Filter::Bicubic,
            0,
            Mirror::None,
            1.3,
            true,
        ),
        (
            BlendMode::Hue,
            Filter::Nearest,
            300,
            Mirror::None,
            1.0,
            false,
        ),
    ];
    for (mode, f, rot, mirror, factor, with_mask) in cases {
        let m = with_mask.then_some(&mask);
        let s = v2s(mode, f, rot, mirror, factor);
        let out = gpu::superimpose_v2(v2(&base, &ov, m, s.clone()), Backend::WebGpu, None)
            .await
            .unwrap();
        assert_eq!(out.backend_used, "webgpu", "{:?}", out.fallback_reason);
        let cpu = pipeline::composite_v2(base.clone(), &ov, m, &s).unwrap();
        let what = format!(
            "v2 {} {} rot {rot} {mirror:?} ×{factor} mask {with_mask}",
            mode.as_str(),
            f.as_str()
        );
        let n = within1(&what, &out.output.image, &cpu);
        let interp =
            rot % 90 != 0 && matches!(f, Filter::Bilinear | Filter::Bicubic | Filter::Lanczos);
        let hsv = mode == BlendMode::Hue;
        if !interp && !hsv {
            assert_eq!(n, 0, "{what}: expected byte-equal");
        }
    }
    // scale_filter "bicubic" (the compatibility switch).
    let mut s = v2s(BlendMode::Overlay, Filter::Nearest, 10, Mirror::None, 1.5);
    s.scale_filter = ScaleFilter::Bicubic;
    let out = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::WebGpu, None)
        .await
        .unwrap();
    exact(
        "v2 scale_filter bicubic",
        &out.output.image,
        &pipeline::composite_v2(base.clone(), &ov, None, &s).unwrap(),
    );
}

#[wasm_bindgen_test]
async fn full_v1_bodies() {
    adapter().await;
    let mut rng = Lcg(33);
    let mut base = rng.image(100, 80, |r| r.byte());
    for p in base.data_mut().chunks_exact_mut(4) {
        p[3] = 255;
    }
    let ov = rng.image(45, 30, |r| r.mask());
    let mask = rng.image(20, 17, |r| r.byte());
    let cases = [
        (
            OverlayResize::None,
            V1Method::NearestExact,
            0,
            1.0,
            false,
            10,
            -4,
        ),
        (
            OverlayResize::RescaleFactor,
            V1Method::NearestExact,
            30,
            0.8,
            true,
            -7,
            20,
        ),
        (OverlayResize::Fit, V1Method::Bilinear, 0, 0.5, false, 0, 0),
        (
            OverlayResize::WidthHeight,
            V1Method::Area,
            90,
            1.0,
            true,
            40,
            30,
        ),
        (
            OverlayResize::RescaleFactor,
            V1Method::Area,
            211,
            0.33,
            false,
            5,
            5,
        ),
        (
            OverlayResize::RescaleFactor,
            V1Method::Bilinear,
            180,
            1.0,
            true,
            60,
            50,
        ),
        // Opacity < 1 without resampling (the alpha plane is the overlay itself), and an
        // overlay entirely outside the base (nothing to composite).
        (
            OverlayResize::None,
            V1Method::NearestExact,
            0,
            0.6,
            false,
            3,
            3,
        ),
        (
            OverlayResize::None,
            V1Method::NearestExact,
            10,
            1.0,
            false,
            1000,
            0,
        ),
    ];
    let mut off = 0;
    for (resize, method, rot, opacity, with_mask, x, y) in cases {
        let s = V1Settings {
            overlay_resize: resize,
            resize_method: method,
            rescale_factor: 1.6,
            width: 52,
            height: 23,
            x_offset: x,
            y_offset: y,
            rotation: rot,
            opacity,
        };
        let m = with_mask.then_some(&mask);
        let l = LoadedV1 {
            base: base.clone(),
            overlay: ov.clone(),
            mask: m.cloned(),
            settings: s.clone(),
        };
        let out = gpu::superimpose_v1(l, Backend::WebGpu, None).await.unwrap();
        assert_eq!(out.backend_used, "webgpu", "{:?}", out.fallback_reason);
        let cpu = pipeline::composite_v1(base.clone(), &ov, m, &s).unwrap();
        let what = format!(
            "v1 {resize:?} {} rot {rot} opacity {opacity} mask {with_mask}",
            method.as_str()
        );
        let n = within1(&what, &out.output.image, &cpu);
        if method == V1Method::NearestExact {
            assert_eq!(n, 0, "{what}: expected byte-equal");
        }
        off += n;
    }
    console_log!("v1 bilinear/area (f32 on both sides): {off} bytes differ by 1");
}

#[wasm_bindgen_test]
async fn the_base_is_cached_by_key_and_by_hash() {
    adapter().await;
    let mut rng = Lcg(44);
    let base_a = rng.image(60, 40, |_| 255);
    let ov = rng.image(20, 20, |_| 255);
    let s = v2s(BlendMode::Darken, Filter::Nearest, 0, Mirror::None, 1.0);
    let cpu = |b: &RgbaImage| pipeline::composite_v2(b.clone(), &ov, None, &s).unwrap();
    let run = |b: &RgbaImage, key: Option<u64>| {
        let l = v2(b, &ov, None, s.clone());
        async move { gpu::superimpose_v2(l, Backend::WebGpu, key).await.unwrap() }
    };
    let out = run(&base_a, Some(1)).await;
    assert_eq!(out.backend_used, "webgpu");
    exact("key 1, base A", &out.output.image, &cpu(&base_a));
    // Base B differs from A inside the overlap (the overlay covers x 14..34, y 16..36).
    let mut base_b = base_a.clone();
    base_b.data_mut()[(25 * 60 + 20) * 4] ^= 0xff;
    // Same key: the GPU copy of A is reused (not re-uploaded), so the overlap is A's composite —
    // this is what proves the cache; a caller must change the key when the pixels change.
    let stale = run(&base_b, Some(1)).await;
    assert_ne!(
        stale.output.image.data(),
        cpu(&base_b).data(),
        "the base was re-uploaded"
    );
    assert_eq!(stale.output.image.row(25), cpu(&base_a).row(25));
    // A new key, and no key (hash), both use B.
    exact(
        "key 2, base B",
        &run(&base_b, Some(2)).await.output.image,
        &cpu(&base_b),
    );
    exact(
        "hash, base B",
        &run(&base_b, None).await.output.image,
        &cpu(&base_b),
    );
    let mut base_c = base_b.clone();
    base_c.data_mut()[(30 * 60 + 25) * 4 + 1] ^= 0x55;
    exact(
        "hash, base C",
        &run(&base_c, None).await.output.image,
        &cpu(&base_c),
    );
}

#[wasm_bindgen_test]
async fn fallbacks() {
    adapter().await;
    let mut rng = Lcg(55);
    // 1000 × 1000: above `auto`'s threshold, so `auto` does consult WebGPU.
    let mut base = rng.image(1000, 1000, |_| 255);
    for p in base.data_mut().chunks_exact_mut(4) {
        p[3] = 255;
    }
    let ov = rng.image(10, 10, |_| 255);
    let s = v2s(BlendMode::Multiply, Filter::Bilinear, 0, Mirror::None, 1.0);
    let cpu = pipeline::composite_v2(base.clone(), &ov, None, &s).unwrap();

    // No adapter (test hook): auto → CPU and says so; "webgpu" → E_GPU_UNAVAILABLE.
    gpu::set_force_unavailable(true);
    let out = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::Auto, None)
        .await
        .unwrap();
    let forced_auto = (out.backend_used, out.fallback_reason.clone());
    let err = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::WebGpu, None).await;
    gpu::set_force_unavailable(false);
    assert_eq!(forced_auto.0, "cpu");
    let reason = forced_auto.1.expect("auto must say why it ran on the CPU");
    assert!(reason.contains("unavailable"), "{reason}");
    exact("auto without adapter", &out.output.image, &cpu);
    let err = err.err().expect("\"webgpu\" without an adapter must fail");
    assert_eq!(err.code(), ErrorCode::GpuUnavailable);

    // A lost device during a call: the CPU result, backend "cpu" and the reason; then a new
    // device for the next call.
    let before = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::WebGpu, None)
        .await
        .unwrap();
    assert_eq!(before.backend_used, "webgpu");
    assert!(gpu::lose_device());
    let out = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::WebGpu, None)
        .await
        .unwrap();
    assert_eq!(out.backend_used, "cpu");
    let reason = out.fallback_reason.expect("a fallback reason");
    console_log!("lost-device fallback reason: {reason}");
    exact("lost-device fallback", &out.output.image, &cpu);
    let after = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::WebGpu, None)
        .await
        .unwrap();
    assert_eq!(after.backend_used, "webgpu", "{:?}", after.fallback_reason);
    exact("new device", &after.output.image, &cpu);

    // "cpu" never touches the GPU; a bad backend name is a coded error.
    let out = gpu::superimpose_v2(v2(&base, &ov, None, s.clone()), Backend::Cpu, None)
        .await
        .unwrap();
    assert_eq!(
        (out.backend_used, out.fallback_reason.is_none()),
        ("cpu", true)
    );
    // `auto` below the threshold: CPU, with the reason.
    let small = rng.image(40, 30, |_| 255);
    let out = gpu::superimpose_v2(v2(&small, &ov, None, s.clone()), Backend::Auto, None)
        .await
        .unwrap();
    assert_eq!(out.backend_used, "cpu");
    assert!(out
        .fallback_reason
        .unwrap()
        .contains("below the WebGPU threshold"));
    assert_eq!(
        Backend::parse("gpu").unwrap_err().code(),
        ErrorCode::ParamEnum
    );
}
