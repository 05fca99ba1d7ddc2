//! The resident scene (src/scene.rs): after any sequence of setting changes, each render's
//! frame must equal, byte for byte, the one-shot pipeline (`pipeline::composite_v2`, itself
//! checked against Pillow by tests/pipeline.rs) for the same images and settings, and the
//! reported rectangle must hold every pixel that changed. Runs natively and in wasm (Node),
//! where the composite goes through the `simd128` kernels.

#[path = "support/lcg.rs"]
mod lcg;

use lcg::Lcg;
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{Mirror, ScaleFilter};
use superimpose_wasm::pipeline::{self, LoadedV1, LoadedV2, V1Settings, V2Settings};
use superimpose_wasm::resample::Filter;
use superimpose_wasm::scene::{Rect, SceneV2};
use superimpose_wasm::{ErrorCode, RgbaImage};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn image(rng: &mut Lcg, w: u32, h: u32, soft_alpha: bool) -> RgbaImage {
    let data = (0..w as usize * h as usize * 4)
        .map(|i| {
            if i % 4 == 3 && soft_alpha {
                rng.mask()
            } else {
                rng.byte()
            }
        })
        .collect();
    RgbaImage::from_vec(w, h, data).unwrap()
}

fn settings() -> V2Settings {
    V2Settings {
        blend_mode: BlendMode::Multiply,
        mirror: Mirror::Horizontal,
        opacity: 90.0,
        rescale_factor: 0.5,
        resize_method: Filter::Lanczos,
        rotation: 30,
        x_percent: 50,
        y_percent: 50,
        scale_filter: ScaleFilter::ResizeMethod,
        seed: 7,
    }
}

fn loaded(base: &RgbaImage, overlay: &RgbaImage, mask: Option<&RgbaImage>) -> LoadedV2 {
    LoadedV2 {
        base: base.clone(),
        overlay: overlay.clone(),
        mask: mask.cloned(),
        settings: settings(),
        warnings: Vec::new(),
    }
}

/// Every pixel where `a` and `b` differ lies inside `r`.
fn changes_inside(a: &RgbaImage, b: &RgbaImage, r: Option<Rect>) -> bool {
    let w = a.width() as usize;
    a.data()
        .chunks_exact(4)
        .zip(b.data().chunks_exact(4))
        .enumerate()
        .filter(|(_, (p, q))| p != q)
        .all(|(i, _)| {
            let (x, y) = ((i % w) as u32, (i / w) as u32);
            r.is_some_and(|r| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)
        })
}

/// Render `steps` in order, comparing every frame with the one-shot pipeline.
fn check(base: &RgbaImage, overlay: &RgbaImage, mask: Option<&RgbaImage>, steps: &[V2Settings]) {
    let mut scene = SceneV2::new(loaded(base, overlay, mask)).unwrap();
    let mut prev = {
        let mut b = base.clone();
        b.set_opaque();
        b
    };
    for (i, s) in steps.iter().enumerate() {
        let change = scene.render_with(s.clone()).unwrap();
        let want = pipeline::composite_v2(base.clone(), overlay, mask, s).unwrap();
        assert!(
            scene.frame().data() == want.data(),
            "step {i} ({s:?}): the scene's frame differs from superimpose_v2"
        );
        let rect = change.rect();
        assert!(
            changes_inside(&prev, scene.frame(), rect),
            "step {i}: a pixel changed outside the reported rectangle {rect:?}"
        );
        prev = want;
    }
}

#[test]
fn drag_then_restyle_then_reshape_matches_the_pipeline() {
    let mut rng = Lcg(11);
    let base = image(&mut rng, 97, 71, true);
    let overlay = image(&mut rng, 40, 33, true);
    let s = settings();
    let mut steps = Vec::new();
    // A drag: only the place changes, including off the edges and fully outside.
    for (x, y) in [
        (50, 50),
        (52, 49),
        (10, 90),
        (-20, 50),
        (130, -40),
        (0, 0),
        (100, 100),
    ] {
        steps.push(V2Settings {
            x_percent: x,
            y_percent: y,
            ..s.clone()
        });
    }
    // The same settings twice: nothing to do.
    steps.push(steps[steps.len() - 1].clone());
    // Restyle: every blend mode, opacity and seed (dissolve draws from base coordinates).
    for (k, &mode) in BlendMode::ALL.iter().enumerate() {
        steps.push(V2Settings {
            blend_mode: mode,
            opacity: [0.0, 37.5, 90.0, 100.0][k % 4],
            seed: k as u32,
            x_percent: 30 + (k as i64 % 5) * 10,
            ..s.clone()
        });
    }
    // Reshape: scale, filter, rotation, mirror and the scale switch.
    for (k, &method) in [
        Filter::Nearest,
        Filter::Box,
        Filter::Bilinear,
        Filter::Bicubic,
        Filter::Lanczos,
    ]
    .iter()
    .enumerate()
    {
        steps.push(V2Settings {
            resize_method: method,
            rescale_factor: [0.3, 1.0, 1.7, 0.75, 2.0][k],
            rotation: [0, 90, -45, 359, 180][k],
            mirror: [Mirror::None, Mirror::Vertical, Mirror::Horizontal][k % 3],
            scale_filter: [ScaleFilter::ResizeMethod, ScaleFilter::Bicubic][k % 2],
            ..s.clone()
        });
    }
    // Rotation only (the kept scaled overlay is rotated again), then with the scale switch on,
    // a resize_method change that only changes the rotation sampler, then a mirror change.
    let last = steps[steps.len() - 1].clone();
    for rotation in [10, 0, 200, 360, -90] {
        steps.push(V2Settings {
            rotation,
            ..last.clone()
        });
    }
    let switched = V2Settings {
        scale_filter: ScaleFilter::Bicubic,
        rotation: 25,
        ..last.clone()
    };
    steps.push(switched.clone());
    for method in [Filter::Bilinear, Filter::Nearest, Filter::Lanczos] {
        steps.push(V2Settings {
            resize_method: method,
            ..switched.clone()
        });
    }
    steps.push(V2Settings {
        mirror: Mirror::Vertical,
        ..switched
    });
    check(&base, &overlay, None, &steps);
}

#[test]
fn a_mask_image_and_an_overlay_larger_than_the_base() {
    let mut rng = Lcg(5);
    let base = image(&mut rng, 31, 47, false);
    let overlay = image(&mut rng, 60, 20, false);
    let mask = image(&mut rng, 13, 9, false); // resized to the overlay (bicubic)
    let s = settings();
    let steps: Vec<_> = [(50, 50, 2.0), (0, 100, 2.0), (75, 25, 1.0), (50, 50, 0.1)]
        .iter()
        .map(|&(x, y, f)| V2Settings {
            x_percent: x,
            y_percent: y,
            rescale_factor: f,
            ..s.clone()
        })
        .collect();
    check(&base, &overlay, Some(&mask), &steps);
}

#[test]
fn a_failed_render_leaves_the_scene_as_it_was() {
    let mut rng = Lcg(3);
    let base = image(&mut rng, 40, 30, false);
    let overlay = image(&mut rng, 10, 10, true);
    let mut scene = SceneV2::new(loaded(&base, &overlay, None)).unwrap();
    let good = settings();
    scene.render_with(good.clone()).unwrap();
    let before = scene.frame().clone();
    // 0.05 × 10 px → a 0-px side: refused before anything is touched.
    let bad = V2Settings {
        rescale_factor: 0.05,
        x_percent: 10,
        ..good.clone()
    };
    let err = scene.render_with(bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Dimensions);
    assert_eq!(scene.settings(), &good);
    assert!(scene.frame().data() == before.data());
    // And the next render still undoes the last good composite correctly.
    let next = V2Settings {
        x_percent: 80,
        ..good.clone()
    };
    scene.render_with(next.clone()).unwrap();
    let want = pipeline::composite_v2(base.clone(), &overlay, None, &next).unwrap();
    assert!(scene.frame().data() == want.data());
}

#[test]
fn random_sequences_match_the_pipeline() {
    // Seeded random walks over every setting: mostly moves and restyles (the cheap path), now
    // and then a new scale, filter, rotation, mirror or switch (the overlay prepared again).
    let mut rng = Lcg(2024);
    let pick = |rng: &mut Lcg, n: usize| usize::from(rng.byte()) % n;
    for walk in 0..4 {
        let base = image(&mut rng, 40 + walk * 7, 33 + walk * 5, walk % 2 == 0);
        let overlay = image(&mut rng, 18 + walk * 3, 14 + walk * 2, true);
        let mut s = settings();
        let mut steps = Vec::new();
        for _ in 0..60 {
            match pick(&mut rng, 10) {
                0..=4 => {
                    s.x_percent = pick(&mut rng, 140) as i64 - 20;
                    s.y_percent = pick(&mut rng, 140) as i64 - 20;
                }
                5 | 6 => {
                    s.blend_mode = BlendMode::ALL[pick(&mut rng, BlendMode::ALL.len())];
                    s.opacity = f64::from(rng.byte() % 101);
                    s.seed = u32::from(rng.byte());
                }
                7 => s.rotation = pick(&mut rng, 721) as i64 - 360,
                8 => {
                    s.rescale_factor = [0.5, 0.75, 1.0, 1.3, 2.1][pick(&mut rng, 5)];
                    s.resize_method = [
                        Filter::Nearest,
                        Filter::Box,
                        Filter::Bilinear,
                        Filter::Bicubic,
                        Filter::Lanczos,
                    ][pick(&mut rng, 5)];
                }
                _ => {
                    s.mirror =
                        [Mirror::None, Mirror::Horizontal, Mirror::Vertical][pick(&mut rng, 3)];
                    s.scale_filter =
                        [ScaleFilter::ResizeMethod, ScaleFilter::Bicubic][pick(&mut rng, 2)];
                }
            }
            steps.push(s.clone());
        }
        check(&base, &overlay, None, &steps);
    }
}

#[test]
fn v1_random_sequences_match_the_pipeline() {
    // SceneV1: moves (x_offset, y_offset: only the overlay's area) mixed with every other change
    // (the overlay prepared again), each frame equal to the one-shot v1 pipeline.
    use superimpose_wasm::params::OverlayResize;
    use superimpose_wasm::resample::V1Method;
    use superimpose_wasm::scene::SceneV1;
    let mut rng = Lcg(77);
    let pick = |rng: &mut Lcg, n: usize| usize::from(rng.byte()) % n;
    for walk in 0..3 {
        let base = image(&mut rng, 45 + walk * 6, 31 + walk * 4, true);
        let overlay = image(&mut rng, 17 + walk * 4, 12 + walk * 3, true);
        let mask = (walk == 2).then(|| image(&mut rng, 9, 7, false));
        let mut s = V1Settings {
            overlay_resize: OverlayResize::RescaleFactor,
            resize_method: V1Method::Bilinear,
            rescale_factor: 1.5,
            width: 20,
            height: 10,
            x_offset: 3,
            y_offset: 4,
            rotation: 0,
            opacity: 0.8,
        };
        let loaded = LoadedV1 {
            base: base.clone(),
            overlay: overlay.clone(),
            mask: mask.clone(),
            settings: s.clone(),
        };
        let mut scene = SceneV1::new(loaded).unwrap();
        let mut prev = {
            let mut b = base.clone();
            b.set_opaque();
            b
        };
        for step in 0..50 {
            match pick(&mut rng, 8) {
                0..=4 => {
                    s.x_offset = pick(&mut rng, 90) as i64 - 30;
                    s.y_offset = pick(&mut rng, 70) as i64 - 25;
                }
                5 => s.rotation = pick(&mut rng, 400) as i64 - 20,
                6 => s.opacity = f64::from(rng.byte() % 101) / 100.0,
                _ => {
                    s.overlay_resize = OverlayResize::ALL[pick(&mut rng, OverlayResize::ALL.len())];
                    s.resize_method = V1Method::ALL[pick(&mut rng, V1Method::ALL.len())];
                    s.rescale_factor = [0.5, 1.0, 1.7][pick(&mut rng, 3)];
                }
            }
            let change = scene.render_with(s.clone()).unwrap();
            let want = pipeline::composite_v1(base.clone(), &overlay, mask.as_ref(), &s).unwrap();
            assert!(
                scene.frame().data() == want.data(),
                "walk {walk} step {step} ({s:?}): the v1 scene differs from superimpose"
            );
            assert!(
                changes_inside(&prev, scene.frame(), change.rect()),
                "walk {walk} step {step}"
            );
            prev = want;
        }
        // An out-of-range opacity is refused and changes nothing.
        let before = scene.frame().clone();
        let bad = V1Settings {
            opacity: 1.5,
            ..s.clone()
        };
        assert_eq!(
            scene.render_with(bad).unwrap_err().code(),
            ErrorCode::ParamRange
        );
        assert!(scene.frame().data() == before.data());
        assert_eq!(scene.settings(), &s);
    }
}
