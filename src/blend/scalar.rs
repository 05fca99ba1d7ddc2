//! The scalar reference: one `fn` per blend mode, SPEC 2.5's formulas in the written evaluation
//! order, in f64 — plus the portable composite kernel.
//!
//! Notation as in SPEC: `b`, `s` are `n(base)`, `n(source)` = byte / 255, `op` the opacity in
//! [0, 1]. Every per-channel mode has the signature `fn(b, s, op) -> u8`, so a table of all
//! 256 × 256 byte pairs built from it (see [`super::Blender`]) is the formula itself.
//!
//! Helpers that matter for exactness:
//! - [`min`] / [`max`] keep a NaN first argument (like Python's `min`/`max`; Rust's `f64::min`
//!   would turn `min(NaN, 1)` into 1), and [`clamp01`] passes NaN through, so that the NaN rule
//!   ([`nan0`], applied to F or G just before the opacity mix) sees it.
//! - [`to8`] is `floor(x·255)` guarded so that no input (NaN, ±∞, values outside [0, 1] from
//!   rounding) gives a byte outside 0..=255.

use super::BlendMode;
use crate::math::mix;

/// `n(v) = v / 255`.
#[inline(always)]
pub(crate) fn n(v: u8) -> f64 {
    f64::from(v) / 255.0
}

/// `to8(x) = floor(x·255)`, clamped to 0..=255; NaN gives 0.
#[inline(always)]
pub(crate) fn to8(x: f64) -> u8 {
    let y = (x * 255.0).floor();
    if y >= 255.0 {
        255
    } else if y >= 0.0 {
        y as u8
    } else {
        0 // negative or NaN
    }
}

/// The NaN rule: a NaN F or G becomes 0.
#[inline(always)]
pub(crate) fn nan0(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x
    }
}

/// `clamp(x, 0, 1)`, NaN stays NaN (as `f64::clamp` documents).
#[inline(always)]
pub(crate) fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// `min(a, b)`: `b` only if it is strictly smaller, so a NaN `a` is kept.
#[inline(always)]
pub(crate) fn min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// `max(a, b)`: `b` only if it is strictly larger, so a NaN `a` is kept.
#[inline(always)]
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// Family A: `R = to8(F·op + B·(1 − op))`.
#[inline(always)]
fn family_a(f: f64, b: f64, op: f64) -> u8 {
    to8(nan0(f) * op + b * (1.0 - op))
}

/// Family C: `R = to8(clamp((1 − op)·B + op·G, 0, 1))`.
#[inline(always)]
pub(crate) fn family_c(g: f64, b: f64, op: f64) -> u8 {
    to8(clamp01((1.0 - op) * b + op * nan0(g)))
}

/// Family C with the arguments in table order `(b, g, op)` (for darker / lighter color).
pub(crate) fn mix_c(b: f64, g: f64, op: f64) -> u8 {
    family_c(g, b, op)
}

// ---- per-channel modes -------------------------------------------------------------------

/// `multiply` (A): `F = clamp(S·B, 0, 1)`.
pub(crate) fn multiply(b: f64, s: f64, op: f64) -> u8 {
    family_a(clamp01(s * b), b, op)
}

/// `normal`: `R = to8((S·op + B·(1−op)) / (op + (1−op)))`.
pub(crate) fn normal(b: f64, s: f64, op: f64) -> u8 {
    to8((s * op + b * (1.0 - op)) / (op + (1.0 - op)))
}

/// `darken` (A): `F = min(B, S)`.
pub(crate) fn darken(b: f64, s: f64, op: f64) -> u8 {
    family_a(min(b, s), b, op)
}

/// `lighten` (A): `F = max(B, S)`.
pub(crate) fn lighten(b: f64, s: f64, op: f64) -> u8 {
    family_a(max(b, s), b, op)
}

/// `screen` (A): `F = 1 − (1−B)(1−S)`.
pub(crate) fn screen(b: f64, s: f64, op: f64) -> u8 {
    family_a(1.0 - (1.0 - b) * (1.0 - s), b, op)
}

/// `overlay` (A): `F = B < 0.5 ? 2BS : 1 − 2(1−B)(1−S)`.
pub(crate) fn overlay(b: f64, s: f64, op: f64) -> u8 {
    let f = if b < 0.5 {
        2.0 * b * s
    } else {
        1.0 - 2.0 * (1.0 - b) * (1.0 - s)
    };
    family_a(f, b, op)
}

/// `soft light` (A): `F = (1−B)·B·S + B·(1 − (1−B)(1−S))`.
pub(crate) fn soft_light(b: f64, s: f64, op: f64) -> u8 {
    family_a((1.0 - b) * b * s + b * (1.0 - (1.0 - b) * (1.0 - s)), b, op)
}

/// `hard light` (A): `F = S > 0.5 ? min(1, 1 − (1−B)(1 − 2(S−0.5))) : min(1, B·2S)`.
pub(crate) fn hard_light(b: f64, s: f64, op: f64) -> u8 {
    let f = if s > 0.5 {
        min(1.0, 1.0 - (1.0 - b) * (1.0 - 2.0 * (s - 0.5)))
    } else {
        min(1.0, b * 2.0 * s)
    };
    family_a(f, b, op)
}

/// `vivid light` (C): `G = clamp(S ≤ 0.5 ? B/(1 − 2S) : 1 − (1−B)/(2S − 0.5), 0, 1)`.
pub(crate) fn vivid_light(b: f64, s: f64, op: f64) -> u8 {
    let g = if s <= 0.5 {
        b / (1.0 - 2.0 * s)
    } else {
        1.0 - (1.0 - b) / (2.0 * s - 0.5)
    };
    family_c(clamp01(g), b, op)
}

/// `linear light` (C): `G = B + 2S − 1`.
pub(crate) fn linear_light(b: f64, s: f64, op: f64) -> u8 {
    family_c(b + 2.0 * s - 1.0, b, op)
}

/// `pin light` (C): `G = S ≤ 0.5 ? min(B, 2S) : max(B, 2(S − 0.5))`.
pub(crate) fn pin_light(b: f64, s: f64, op: f64) -> u8 {
    let g = if s <= 0.5 {
        min(b, 2.0 * s)
    } else {
        max(b, 2.0 * (s - 0.5))
    };
    family_c(g, b, op)
}

/// `hard mix` (C): `G = roundHalfEven(clamp((1−op)B + op(B + 2S − 1), 0, 1))`.
pub(crate) fn hard_mix(b: f64, s: f64, op: f64) -> u8 {
    let g = clamp01((1.0 - op) * b + op * (b + 2.0 * s - 1.0)).round_ties_even();
    family_c(g, b, op)
}

/// `difference` (A): `F = |B − S|`.
pub(crate) fn difference(b: f64, s: f64, op: f64) -> u8 {
    family_a((b - s).abs(), b, op)
}

/// `color burn` (C): `G = clamp(1 − (1−B)/S, 0, 1)`.
pub(crate) fn color_burn(b: f64, s: f64, op: f64) -> u8 {
    family_c(clamp01(1.0 - (1.0 - b) / s), b, op)
}

/// `linear burn` (C): `G = B + S − 1`.
pub(crate) fn linear_burn(b: f64, s: f64, op: f64) -> u8 {
    family_c(b + s - 1.0, b, op)
}

/// `color dodge` (C): `G = clamp(B/(1−S), 0, 1)`.
pub(crate) fn color_dodge(b: f64, s: f64, op: f64) -> u8 {
    family_c(clamp01(b / (1.0 - s)), b, op)
}

/// `exclusion` (C): `G = B + S − 2BS`.
pub(crate) fn exclusion(b: f64, s: f64, op: f64) -> u8 {
    family_c(b + s - 2.0 * b * s, b, op)
}

/// `subtract` (C): `G = B − S`.
pub(crate) fn subtract(b: f64, s: f64, op: f64) -> u8 {
    family_c(b - s, b, op)
}

/// `linear dodge(add)`: `R = to8(clamp((B+S)·op + B(1−op), 0, 1))`.
pub(crate) fn linear_dodge(b: f64, s: f64, op: f64) -> u8 {
    to8(clamp01((b + s) * op + b * (1.0 - op)))
}

/// `dodge` (A): `F = min(B/(1−S), 1)`.
pub(crate) fn dodge(b: f64, s: f64, op: f64) -> u8 {
    family_a(min(b / (1.0 - s), 1.0), b, op)
}

/// `divide` (A): `F = min((256/255·B)/(1/255 + S), 1)`.
pub(crate) fn divide(b: f64, s: f64, op: f64) -> u8 {
    family_a(min((256.0 / 255.0 * b) / (1.0 / 255.0 + s), 1.0), b, op)
}

/// `grain extract` (A): `F = clamp(B − S + 0.5, 0, 1)`.
pub(crate) fn grain_extract(b: f64, s: f64, op: f64) -> u8 {
    family_a(clamp01(b - s + 0.5), b, op)
}

/// `grain merge` (A): `F = clamp(B + S − 0.5, 0, 1)`.
pub(crate) fn grain_merge(b: f64, s: f64, op: f64) -> u8 {
    family_a(clamp01(b + s - 0.5), b, op)
}

/// A per-channel mode's formula.
pub(crate) type ChannelFn = fn(f64, f64, f64) -> u8;

/// The formula of a per-channel mode; `None` for the whole-pixel modes (dissolve, darker /
/// lighter color, hue, saturation, color, luminosity).
pub(crate) fn channel_fn(mode: BlendMode) -> Option<ChannelFn> {
    use BlendMode as M;
    Some(match mode {
        M::Multiply => multiply,
        M::Normal => normal,
        M::Darken => darken,
        M::Lighten => lighten,
        M::Screen => screen,
        M::Overlay => overlay,
        M::SoftLight => soft_light,
        M::HardLight => hard_light,
        M::VividLight => vivid_light,
        M::LinearLight => linear_light,
        M::PinLight => pin_light,
        M::HardMix => hard_mix,
        M::Difference => difference,
        M::ColorBurn => color_burn,
        M::LinearBurn => linear_burn,
        M::ColorDodge => color_dodge,
        M::Exclusion => exclusion,
        M::Subtract => subtract,
        M::LinearDodge => linear_dodge,
        M::Dodge => dodge,
        M::Divide => divide,
        M::GrainExtract => grain_extract,
        M::GrainMerge => grain_merge,
        M::Dissolve
        | M::DarkerColor
        | M::LighterColor
        | M::Hue
        | M::Saturation
        | M::Color
        | M::Luminosity => return None,
    })
}

// ---- whole-pixel modes -------------------------------------------------------------------

/// `dissolve`: the source pixel if `u < op`, else the base pixel.
pub(crate) fn dissolve(base: [u8; 3], src: [u8; 3], op: f64, u: f64) -> [u8; 3] {
    if u < op {
        src
    } else {
        base
    }
}

/// Whether `darker color` / `lighter color` takes the source pixel as G:
/// `max(S_rgb) < max(B_rgb)` (darker) or `>` (lighter). Bytes compare like `n(bytes)`.
#[inline(always)]
pub(crate) fn picks_source(darker: bool, base: [u8; 3], src: [u8; 3]) -> bool {
    let mb = base[0].max(base[1]).max(base[2]);
    let ms = src[0].max(src[1]).max(src[2]);
    if darker {
        ms < mb
    } else {
        ms > mb
    }
}

/// `darker color` (`darker = true`) / `lighter color` (C, whole pixel).
pub(crate) fn darker_lighter(darker: bool, base: [u8; 3], src: [u8; 3], op: f64) -> [u8; 3] {
    let g = if picks_source(darker, base, src) {
        src
    } else {
        base
    };
    [0, 1, 2].map(|c| family_c(n(g[c]), n(base[c]), op))
}

/// RGB in [0, 1] → HSV with h ∈ [0, 1) (the textbook hexcone model).
pub(crate) fn rgb_to_hsv(r: f64, g: f64, b: f64) -> [f64; 3] {
    let maxc = max(max(r, g), b);
    let minc = min(min(r, g), b);
    let v = maxc;
    if minc == maxc {
        return [0.0, 0.0, v];
    }
    let range = maxc - minc;
    let s = range / maxc;
    let rc = (maxc - r) / range;
    let gc = (maxc - g) / range;
    let bc = (maxc - b) / range;
    let h = if r == maxc {
        bc - gc
    } else if g == maxc {
        2.0 + rc - bc
    } else {
        4.0 + gc - rc
    };
    [(h / 6.0).rem_euclid(1.0), s, v]
}

/// HSV → RGB (inverse of [`rgb_to_hsv`]; sector `trunc(6h) mod 6`).
pub(crate) fn hsv_to_rgb(h: f64, s: f64, v: f64) -> [f64; 3] {
    if s == 0.0 {
        return [v, v, v];
    }
    let h6 = h * 6.0;
    let i = h6.trunc();
    let f = h6 - i;
    let p = v * (1.0 - s);
    let q = v * (1.0 - s * f);
    let t = v * (1.0 - s * (1.0 - f));
    // `as i64` saturates (NaN → 0); rem_euclid keeps the sector in 0..6.
    match (i as i64).rem_euclid(6) {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// `hue`, `saturation`, `color`, `luminosity`: base and source to HSV, mix the named
/// component(s) `(1−op)·b + op·s` (hue linearly), back to RGB, clamp, `to8`.
pub(crate) fn hsv_mode(mode: BlendMode, base: [u8; 3], src: [u8; 3], op: f64) -> [u8; 3] {
    let [bh, bs, bv] = rgb_to_hsv(n(base[0]), n(base[1]), n(base[2]));
    let [sh, ss, sv] = rgb_to_hsv(n(src[0]), n(src[1]), n(src[2]));
    let lerp = |x: f64, y: f64| (1.0 - op) * x + op * y;
    let (h, s, v) = match mode {
        BlendMode::Hue => (lerp(bh, sh), bs, bv),
        BlendMode::Saturation => (bh, lerp(bs, ss), bv),
        BlendMode::Color => (lerp(bh, sh), lerp(bs, ss), bv),
        _ => (bh, bs, lerp(bv, sv)),
    };
    hsv_to_rgb(h, s, v).map(|c| to8(clamp01(c)))
}

/// SPEC 2.5 for one pixel (the reference; see [`super::blend_pixel`]).
pub(crate) fn pixel(
    mode: BlendMode,
    base: [u8; 3],
    src: [u8; 3],
    op: f64,
    dissolve_u: f64,
) -> [u8; 3] {
    match mode {
        BlendMode::Dissolve => dissolve(base, src, op, dissolve_u),
        BlendMode::DarkerColor => darker_lighter(true, base, src, op),
        BlendMode::LighterColor => darker_lighter(false, base, src, op),
        BlendMode::Hue | BlendMode::Saturation | BlendMode::Color | BlendMode::Luminosity => {
            hsv_mode(mode, base, src, op)
        }
        _ => match channel_fn(mode) {
            Some(f) => [0, 1, 2].map(|c| f(n(base[c]), n(src[c]), op)),
            None => base, // unreachable: every other mode is per-channel
        },
    }
}

// ---- composite kernel --------------------------------------------------------------------

/// The portable composite: for each pixel `i` with mask `m = src[4i+3]`, `m = 0` leaves the base
/// pixel, otherwise `R = blend(i, base_rgb, src_rgb)` and `out = MIX(base, R, m)` (`R` itself
/// when `m = 255`, which MIX gives exactly). The base alpha byte is never written.
#[inline(always)]
pub(crate) fn composite<F>(base: &mut [u8], src: &[u8], blend: F)
where
    F: Fn(usize, [u8; 3], [u8; 3]) -> [u8; 3],
{
    for (i, (b, s)) in base
        .chunks_exact_mut(4)
        .zip(src.chunks_exact(4))
        .enumerate()
    {
        let m = s[3];
        if m == 0 {
            continue;
        }
        let r = blend(i, [b[0], b[1], b[2]], [s[0], s[1], s[2]]);
        if m == 255 {
            b[..3].copy_from_slice(&r);
        } else {
            for c in 0..3 {
                b[c] = mix(b[c], r[c], m);
            }
        }
    }
}
