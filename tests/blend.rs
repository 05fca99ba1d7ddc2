//! Blend modes (SPEC 2.5) and the blend + mask composite, against an independent table
//! (`tests/blend_table.py` → `tests/data/blend_table.rs`) and hand-computed values.

use superimpose_wasm::blend::{
    blend, blend_pixel, composite_at, dissolve_u, mix_at, BlendMode, Blender,
};
use superimpose_wasm::{ErrorCode, RgbaImage};

#[allow(dead_code, clippy::type_complexity)]
mod table {
    include!("data/blend_table.rs");
}

fn mode(name: &str) -> BlendMode {
    BlendMode::parse("blend_mode", name).expect("table names are API names")
}

/// MIX of SPEC 0, written out here: round(v / 255) of `dst·(255 − m) + src·m`.
fn mix_ref(dst: u8, src: u8, m: u8) -> u8 {
    let v = dst as u32 * (255 - m as u32) + src as u32 * m as u32;
    ((v as f64) / 255.0).round() as u8
}

/// A simple deterministic generator for test data (not the dissolve hash).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn image(w: u32, h: u32, rng: &mut Lcg) -> RgbaImage {
    let data = (0..w * h * 4).map(|_| rng.byte()).collect();
    RgbaImage::from_vec(w, h, data).unwrap()
}

#[test]
fn table_covers_every_mode() {
    let mut seen: Vec<BlendMode> = table::CHANNEL.iter().map(|r| mode(r.0)).collect();
    seen.extend(table::PIXEL.iter().map(|r| mode(r.0)));
    seen.sort_by_key(|m| m.id());
    seen.dedup();
    // Everything but dissolve, which has its own tests.
    assert_eq!(seen.len(), 29);
    assert!(!seen.contains(&BlendMode::Dissolve));
}

#[test]
fn per_channel_modes_match_the_python_table() {
    let mut checked = 0;
    for &(name, op, b, expected) in table::CHANNEL {
        let m = mode(name);
        for (k, &s) in table::BYTES.iter().enumerate() {
            let got = blend_pixel(m, [b, b, b], [s, s, s], op, 0.0);
            let e = expected[k];
            assert_eq!(got, [e, e, e], "{name} op={op} b={b} s={s}");
            // Channels are independent: mix this entry with two others in one pixel.
            let b2 = table::BYTES[(k + 3) % 8];
            let got = blend_pixel(m, [b, b2, 255 - b], [s, s, s], op, 0.0);
            assert_eq!(
                got[0], e,
                "{name} op={op} b={b} s={s} (channel 0 of a mixed pixel)"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 23 * 4 * 8 * 8);
}

#[test]
fn whole_pixel_modes_match_the_python_table() {
    for &(name, op, b, s, expected) in table::PIXEL {
        assert_eq!(
            blend_pixel(mode(name), b, s, op, 0.0),
            expected,
            "{name} op={op} base={b:?} src={s:?}"
        );
    }
}

#[test]
fn blender_rows_match_the_table_with_and_without_the_lookup_table() {
    for &(name, op, b, expected) in table::CHANNEL {
        let mut base: Vec<u8> = Vec::new();
        let mut src: Vec<u8> = Vec::new();
        for &s in &table::BYTES {
            base.extend_from_slice(&[b, b, b, 77]);
            src.extend_from_slice(&[s, s, s, 255]);
        }
        let want: Vec<u8> = expected.iter().flat_map(|&e| [e, e, e, 77]).collect();
        // Small run: formula evaluated directly.
        let direct = Blender::new(mode(name), op, 1).unwrap();
        let mut out = base.clone();
        direct.composite_row(&mut out, &src, 0, 0);
        assert!(!direct.has_table());
        assert_eq!(out, want, "{name} op={op} b={b} (direct)");
        // Large hint: lookup table.
        let tabled = Blender::new(mode(name), op, 1).unwrap();
        tabled.prepare(1 << 20);
        assert!(tabled.has_table());
        let mut out = base.clone();
        tabled.composite_row(&mut out, &src, 0, 0);
        assert_eq!(out, want, "{name} op={op} b={b} (table)");
    }
}

#[test]
fn lookup_table_equals_the_formula_for_all_byte_pairs() {
    let src_row: Vec<u8> = (0..=255u8).flat_map(|s| [s, 255 - s, s / 3, 255]).collect();
    for &m in BlendMode::ALL {
        if m == BlendMode::Dissolve {
            continue;
        }
        for op in [0.0, 0.37, 0.9, 1.0] {
            let blender = Blender::new(m, op, 9).unwrap();
            blender.prepare(1 << 20);
            for b in 0..=255u8 {
                let base_px = [b, b / 2, 255 - b];
                let mut row: Vec<u8> = (0..256)
                    .flat_map(|_| [base_px[0], base_px[1], base_px[2], 1])
                    .collect();
                blender.composite_row(&mut row, &src_row, 0, u32::from(b));
                for (s, (o, sp)) in row.chunks_exact(4).zip(src_row.chunks_exact(4)).enumerate() {
                    let want = blend_pixel(m, base_px, [sp[0], sp[1], sp[2]], op, 0.0);
                    assert_eq!(&o[..3], &want, "{m} op={op} b={base_px:?} s#{s}");
                    assert_eq!(o[3], 1);
                }
            }
        }
    }
}

#[test]
fn direct_path_switches_to_the_table_after_enough_work() {
    let blender = Blender::new(BlendMode::SoftLight, 0.9, 0).unwrap();
    let mut rng = Lcg(5);
    let mut rows_direct = 0;
    loop {
        let mut base: Vec<u8> = (0..1000 * 4).map(|_| rng.byte()).collect();
        let src: Vec<u8> = (0..1000 * 4).map(|_| rng.byte()).collect();
        let before = base.clone();
        let had = blender.has_table();
        blender.composite_row(&mut base, &src, 0, 0);
        for i in 0..1000 {
            let (b, s) = (&before[4 * i..4 * i + 4], &src[4 * i..4 * i + 4]);
            let r = blend_pixel(
                BlendMode::SoftLight,
                [b[0], b[1], b[2]],
                [s[0], s[1], s[2]],
                0.9,
                0.0,
            );
            for c in 0..3 {
                assert_eq!(base[4 * i + c], mix_ref(b[c], r[c], s[3]));
            }
            assert_eq!(base[4 * i + 3], b[3]);
        }
        if had {
            break;
        }
        rows_direct += 1;
        assert!(rows_direct < 30, "the table is never built");
    }
    // 3 000 channels per row: 21 rows stay under 65 536, the 22nd reaches it.
    assert_eq!(rows_direct, 22);
}

#[test]
fn nan_cases_become_zero_before_the_opacity_mix() {
    let w = [255, 255, 255];
    let k = [0, 0, 0];
    // color burn, white base, black source: G = clamp(1 − 0/0) = NaN → 0.
    assert_eq!(blend_pixel(BlendMode::ColorBurn, w, k, 1.0, 0.0), k);
    // op 0.5: (1−0.5)·1 + 0.5·0 = 0.5 → floor(127.5) = 127.
    assert_eq!(blend_pixel(BlendMode::ColorBurn, w, k, 0.5, 0.0), [127; 3]);
    // op 0.37: 0.63 → floor(160.65) = 160.
    assert_eq!(blend_pixel(BlendMode::ColorBurn, w, k, 0.37, 0.0), [160; 3]);
    // color dodge, black base, white source: G = clamp(0/0) = NaN → 0; B = 0 → 0.
    assert_eq!(blend_pixel(BlendMode::ColorDodge, k, w, 1.0, 0.0), k);
    assert_eq!(blend_pixel(BlendMode::ColorDodge, k, w, 0.37, 0.0), k);
    // dodge: min(0/0, 1) must stay NaN (f64::min would give 1 → 255) and become 0.
    assert_eq!(blend_pixel(BlendMode::Dodge, k, w, 1.0, 0.0), k);
    // Non-NaN neighbours: b = 1/255 with a white source divides by zero to +∞ → 1.
    assert_eq!(blend_pixel(BlendMode::Dodge, [1; 3], w, 1.0, 0.0), w);
    assert_eq!(blend_pixel(BlendMode::ColorDodge, [1; 3], w, 1.0, 0.0), w);
    // color burn with a black source and b < 255: 1 − (1−B)/0 = −∞ → 0.
    assert_eq!(blend_pixel(BlendMode::ColorBurn, [254; 3], k, 1.0, 0.0), k);
    // Through the Blender (table) too.
    let bl = Blender::new(BlendMode::Dodge, 1.0, 0).unwrap();
    bl.prepare(1 << 20);
    let mut base = vec![0, 0, 0, 9];
    bl.composite_row(&mut base, &[255, 255, 255, 255], 0, 0);
    assert_eq!(base, [0, 0, 0, 9]);
}

#[test]
fn hand_computed_values() {
    // multiply 128·200 at op 1: F = (128/255)(200/255) = 0.39369…; ·255 = 100.39 → 100.
    assert_eq!(
        blend_pixel(BlendMode::Multiply, [128; 3], [200; 3], 1.0, 0.0),
        [100; 3]
    );
    // screen 128, 128, op 1: 1 − (127/255)² = 0.75194…; ·255 = 191.74 → 191.
    assert_eq!(
        blend_pixel(BlendMode::Screen, [128; 3], [128; 3], 1.0, 0.0),
        [191; 3]
    );
    // normal at op 0.9, b 0, s 255: 0.9·255 = 229.5 → 229.
    assert_eq!(
        blend_pixel(BlendMode::Normal, [0; 3], [255; 3], 0.9, 0.0),
        [229; 3]
    );
    // linear light b 200, s 255, op 1: G = 200/255 + 1 > 1 → clamp 1 → 255.
    assert_eq!(
        blend_pixel(BlendMode::LinearLight, [200; 3], [255; 3], 1.0, 0.0),
        [255; 3]
    );
    // hard mix b 128, s 64, op 1: G = round(128/255 + 128/255 − 1 = 0.0039…) = 0 → 0.
    assert_eq!(
        blend_pixel(BlendMode::HardMix, [128; 3], [64; 3], 1.0, 0.0),
        [0; 3]
    );
    // difference 200 vs 50 at op 1: 150/255·255 → 150 (the division and product round back).
    assert_eq!(
        blend_pixel(BlendMode::Difference, [200; 3], [50; 3], 1.0, 0.0),
        [150; 3]
    );
    // darker color: max(src) 90 < max(base) 200 → source pixel at op 1.
    assert_eq!(
        blend_pixel(BlendMode::DarkerColor, [200, 10, 10], [90, 90, 0], 1.0, 0.0),
        [90, 90, 0]
    );
    // luminosity at op 1: base hue/sat, source value. Red base, grey 128 source → (128, 0, 0).
    assert_eq!(
        blend_pixel(
            BlendMode::Luminosity,
            [255, 0, 0],
            [128, 128, 128],
            1.0,
            0.0
        ),
        [128, 0, 0]
    );
}

#[test]
fn floor_of_a_rounded_mix_can_lose_one() {
    // SPEC's to8 floors, and F·op + B·(1−op) with F = B rounds to just below B for some bytes
    // (checked in Python: (31/255)·0.9 + (31/255)·(1 − 0.9) = 0.12156862745098038 < 31/255, ·255 =
    // 30.999999999999996). So normal with source = base, or darken with a lighter source, gives
    // 30 for 31 at op 0.9, exactly as the formula says.
    assert_eq!(
        blend_pixel(BlendMode::Normal, [31; 3], [31; 3], 0.9, 0.0),
        [30; 3]
    );
    assert_eq!(
        blend_pixel(BlendMode::Darken, [31; 3], [200; 3], 0.9, 0.0),
        [30; 3]
    );
    // Family C the same way: darker color keeping the base pixel.
    assert_eq!(
        blend_pixel(BlendMode::DarkerColor, [31; 3], [200; 3], 0.9, 0.0),
        [30; 3]
    );
    // Op 0 and 1 are exact: n(b)·255 = b for every byte.
    for b in 0..=255u8 {
        assert_eq!(
            blend_pixel(BlendMode::Normal, [b; 3], [b; 3], 1.0, 0.0),
            [b; 3]
        );
        assert_eq!(
            blend_pixel(BlendMode::Normal, [b; 3], [0; 3], 0.0, 0.0),
            [b; 3]
        );
    }
}

#[test]
fn out_of_range_opacity_in_the_reference_never_panics() {
    for &m in BlendMode::ALL {
        for op in [f64::NAN, -3.0, 7.5, f64::INFINITY, f64::NEG_INFINITY] {
            for (b, s) in [(0, 0), (0, 255), (255, 0), (255, 255), (128, 77)] {
                let _ = blend_pixel(m, [b, s, b], [s, b, 3], op, op);
            }
        }
    }
}

#[test]
fn blender_new_validates_opacity() {
    for op in [f64::NAN, -0.1, 1.1, f64::INFINITY, -f64::INFINITY, -1e-300] {
        let e = Blender::new(BlendMode::Normal, op, 0).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamRange, "opacity {op}");
        assert_eq!(e.param_name(), Some("opacity"));
    }
    for op in [0.0, -0.0, 0.5, 1.0] {
        let b = Blender::new(BlendMode::Screen, op, 3).unwrap();
        assert_eq!(b.mode(), BlendMode::Screen);
    }
}

#[test]
fn mask_mix_0_128_255() {
    // normal at op 1 gives R = S exactly, so the composite is MIX(base, S, m).
    let bl = Blender::new(BlendMode::Normal, 1.0, 0).unwrap();
    let mut base = vec![10, 20, 30, 40, 10, 20, 30, 41, 10, 20, 30, 42];
    let src = [200, 100, 0, 0, 200, 100, 0, 128, 200, 100, 0, 255];
    bl.composite_row(&mut base, &src, 0, 0);
    // m = 0: untouched. m = 128: DIV255(10·127 + 200·128 = 26870) = 105 (26870/255 = 105.37),
    // DIV255(20·127 + 100·128 = 15340) = 60 (60.16), DIV255(30·127 = 3810) = 15 (14.94).
    // m = 255: R.
    assert_eq!(base, [10, 20, 30, 40, 105, 60, 15, 41, 200, 100, 0, 42]);
}

#[test]
fn composite_with_random_masks_matches_reference_for_every_mode() {
    let mut rng = Lcg(77);
    for &m in BlendMode::ALL {
        for op in [0.0, 0.37, 0.9, 1.0] {
            let base = image(37, 5, &mut rng);
            let mut src = image(37, 5, &mut rng);
            // Masks: a mix of 0, 255 and anything.
            for (i, p) in src.data_mut().chunks_exact_mut(4).enumerate() {
                p[3] = match i % 4 {
                    0 => 0,
                    1 => 255,
                    _ => p[3],
                };
            }
            let out = blend(&base, &src, m, op, 1234).unwrap();
            for y in 0..5 {
                for x in 0..37 {
                    let (b, s, o) = (base.pixel(x, y), src.pixel(x, y), out.pixel(x, y));
                    let u = dissolve_u(1234, x, y);
                    let r = blend_pixel(m, [b[0], b[1], b[2]], [s[0], s[1], s[2]], op, u);
                    for c in 0..3 {
                        assert_eq!(o[c], mix_ref(b[c], r[c], s[3]), "{m} op={op} ({x},{y})");
                    }
                    assert_eq!(o[3], b[3]);
                }
            }
        }
    }
}

#[test]
fn blend_requires_same_size() {
    let a = RgbaImage::new(4, 3).unwrap();
    let b = RgbaImage::new(3, 4).unwrap();
    let e = blend(&a, &b, BlendMode::Multiply, 1.0, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Dimensions);
    let e = blend(&a, &a, BlendMode::Multiply, 1.5, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
}

#[test]
fn dissolve_draws_are_reproducible_and_take_about_op_of_the_pixels() {
    let (w, h) = (512u32, 512u32);
    let base = RgbaImage::filled(w, h, [0, 0, 0, 255]).unwrap();
    let src = RgbaImage::filled(w, h, [255, 255, 255, 255]).unwrap();
    for op in [0.1, 0.5, 0.9] {
        let a = blend(&base, &src, BlendMode::Dissolve, op, 42).unwrap();
        let b = blend(&base, &src, BlendMode::Dissolve, op, 42).unwrap();
        let c = blend(&base, &src, BlendMode::Dissolve, op, 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let white = a.data().chunks_exact(4).filter(|p| p[0] == 255).count();
        // Whole pixels: every pixel is all-black or all-white.
        assert!(a
            .data()
            .chunks_exact(4)
            .all(|p| p[0] == p[1] && p[1] == p[2] && (p[0] == 0 || p[0] == 255)));
        let frac = white as f64 / (w * h) as f64;
        // 262 144 Bernoulli draws: σ ≤ 0.001, so ±0.006 is > 6σ.
        assert!((frac - op).abs() < 0.006, "op {op}: fraction {frac}");
    }
    // op 0: never the source; op 1: always (u < 1).
    let none = blend(&base, &src, BlendMode::Dissolve, 0.0, 7).unwrap();
    assert_eq!(none, base);
    let all = blend(&base, &src, BlendMode::Dissolve, 1.0, 7).unwrap();
    assert_eq!(all, src);
}

#[test]
fn dissolve_u_is_in_unit_interval_and_uses_base_coordinates() {
    for (x, y) in [(0, 0), (1, 0), (0, 1), (u32::MAX, u32::MAX), (12345, 678)] {
        let u = dissolve_u(99, x, y);
        assert!((0.0..1.0).contains(&u));
        assert_eq!(u * 16_777_216.0, (u * 16_777_216.0).floor());
    }
    // Neighbouring seeds and coordinates give different draws.
    assert_ne!(dissolve_u(1, 5, 5), dissolve_u(2, 5, 5));
    assert_ne!(dissolve_u(1, 5, 5), dissolve_u(1, 6, 5));
    assert_ne!(dissolve_u(1, 5, 5), dissolve_u(1, 5, 6));
    // Placing an overlay at an offset draws with the BASE coordinates.
    let mut rng = Lcg(3);
    let base0 = image(30, 20, &mut rng);
    let ov = image(10, 6, &mut rng);
    let bl = Blender::new(BlendMode::Dissolve, 0.5, 777).unwrap();
    let mut out = base0.clone();
    composite_at(&mut out, &ov, 7, 9, &bl);
    for y in 0..20u32 {
        for x in 0..30u32 {
            let b = base0.pixel(x, y);
            let inside = (7..17).contains(&x) && (9..15).contains(&y);
            let want = if inside {
                let s = ov.pixel(x - 7, y - 9);
                let r = blend_pixel(
                    BlendMode::Dissolve,
                    [b[0], b[1], b[2]],
                    [s[0], s[1], s[2]],
                    0.5,
                    dissolve_u(777, x, y),
                );
                [
                    mix_ref(b[0], r[0], s[3]),
                    mix_ref(b[1], r[1], s[3]),
                    mix_ref(b[2], r[2], s[3]),
                    b[3],
                ]
            } else {
                b
            };
            assert_eq!(out.pixel(x, y), want, "({x},{y})");
        }
    }
}

/// Reference placement: every base pixel covered by the overlay at (left, top) gets
/// `f(base_px, overlay_px)`, all others stay.
fn placed(
    base: &RgbaImage,
    ov: &RgbaImage,
    left: i64,
    top: i64,
    f: impl Fn([u8; 4], [u8; 4], u32, u32) -> [u8; 4],
) -> RgbaImage {
    let mut out = base.clone();
    for y in 0..base.height() {
        for x in 0..base.width() {
            let (ox, oy) = (x as i128 - left as i128, y as i128 - top as i128);
            if ox >= 0 && oy >= 0 && ox < ov.width() as i128 && oy < ov.height() as i128 {
                let p = f(base.pixel(x, y), ov.pixel(ox as u32, oy as u32), x, y);
                let i = ((y * base.width() + x) * 4) as usize;
                out.data_mut()[i..i + 4].copy_from_slice(&p);
            }
        }
    }
    out
}

#[test]
fn composite_at_and_mix_at_clip_to_the_base() {
    let mut rng = Lcg(11);
    let base = image(13, 9, &mut rng);
    let ov = image(6, 4, &mut rng);
    let offsets: [(i64, i64); 12] = [
        (0, 0),
        (3, 2),
        (-2, -1),
        (10, 7),
        (-5, 6),
        (12, 8),
        (-6, 0),
        (13, 0),
        (0, 9),
        (0, -4),
        (i64::MIN, i64::MIN),
        (i64::MAX, i64::MAX),
    ];
    let bl = Blender::new(BlendMode::Overlay, 0.9, 0).unwrap();
    for (left, top) in offsets {
        let mut out = base.clone();
        composite_at(&mut out, &ov, left, top, &bl);
        let want = placed(&base, &ov, left, top, |b, s, _, _| {
            let r = blend_pixel(
                BlendMode::Overlay,
                [b[0], b[1], b[2]],
                [s[0], s[1], s[2]],
                0.9,
                0.0,
            );
            [
                mix_ref(b[0], r[0], s[3]),
                mix_ref(b[1], r[1], s[3]),
                mix_ref(b[2], r[2], s[3]),
                b[3],
            ]
        });
        assert_eq!(out, want, "composite_at ({left}, {top})");

        let mut out = base.clone();
        mix_at(&mut out, &ov, left, top);
        let want = placed(&base, &ov, left, top, |b, s, _, _| {
            [
                mix_ref(b[0], s[0], s[3]),
                mix_ref(b[1], s[1], s[3]),
                mix_ref(b[2], s[2], s[3]),
                b[3],
            ]
        });
        assert_eq!(out, want, "mix_at ({left}, {top})");
    }
    // Fully outside: untouched.
    for (left, top) in [
        (-6, 0),
        (13, 0),
        (0, 9),
        (0, -4),
        (i64::MIN, 0),
        (0, i64::MAX),
    ] {
        let mut out = base.clone();
        composite_at(&mut out, &ov, left, top, &bl);
        assert_eq!(out, base);
    }
}

#[test]
fn overlay_larger_than_the_base() {
    let mut rng = Lcg(12);
    let base = image(5, 4, &mut rng);
    let ov = image(20, 20, &mut rng);
    let bl = Blender::new(BlendMode::HardLight, 0.37, 0).unwrap();
    let mut out = base.clone();
    composite_at(&mut out, &ov, -7, -3, &bl);
    let want = placed(&base, &ov, -7, -3, |b, s, _, _| {
        let r = blend_pixel(
            BlendMode::HardLight,
            [b[0], b[1], b[2]],
            [s[0], s[1], s[2]],
            0.37,
            0.0,
        );
        [
            mix_ref(b[0], r[0], s[3]),
            mix_ref(b[1], r[1], s[3]),
            mix_ref(b[2], r[2], s[3]),
            b[3],
        ]
    });
    assert_eq!(out, want);
}
