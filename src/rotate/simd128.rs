//! wasm `simd128` bilinear and bicubic kernels, bit-identical to `scalar.rs`.
//!
//! The walk over output pixels and the source-point arithmetic are shared with the scalar
//! kernels; only the per-pixel sampling differs. Integer steps (Pillow forms the cubic's
//! p1…p4 from `int` samples) run in `i32x4` across channels, where they are exact; every
//! `double` step runs in `f64x2` with the scalar operation order, so each lane computes the
//! very same IEEE-754 operations as the scalar reference.

use super::scalar;
use crate::image::Image;
use core::arch::wasm32::*;

/// The `C` bytes of one pixel widened to `i32x4` lanes (unused lanes 0).
#[inline(always)]
fn px<const C: usize>(s: &[u8], i: usize) -> v128 {
    let w = if C == 4 {
        // One 32-bit load instead of four byte loads.
        match s.get(i..i + 4).map(<[u8; 4]>::try_from) {
            Some(Ok(b)) => u32::from_le_bytes(b),
            _ => 0,
        }
    } else {
        let mut w = 0u32;
        for (k, &b) in s[i..i + C.min(4)].iter().enumerate() {
            w |= u32::from(b) << (8 * k);
        }
        w
    };
    u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(u32x4(w, 0, 0, 0)))
}

/// Lanes 2 and 3 of an `i32x4` as `f64x2`.
#[inline(always)]
fn high_f64(v: v128) -> v128 {
    f64x2_convert_low_i32x4(i32x4_shuffle::<2, 3, 2, 3>(v, v))
}

/// `p1 + d·(p2 + d·(p3 + d·p4))` per lane.
#[inline(always)]
fn horner(p1: v128, p2: v128, p3: v128, p4: v128, d: v128) -> v128 {
    f64x2_add(
        p1,
        f64x2_mul(
            d,
            f64x2_add(p2, f64x2_mul(d, f64x2_add(p3, f64x2_mul(d, p4)))),
        ),
    )
}

/// Vector constants, made once per call and hidden from LLVM (`black_box`) so that they stay
/// in registers: V8 re-materialises every `v128.const` at its use (several instructions).
#[derive(Clone, Copy)]
struct Consts {
    two: v128,
    zero: v128,
    max: v128,
}

impl Consts {
    fn new() -> Consts {
        core::hint::black_box(Consts {
            two: f64x2_splat(2.0),
            zero: f64x2_splat(0.0),
            max: f64x2_splat(255.0),
        })
    }
}

/// Pillow's `BICUBIC` on doubles, in its operation order, per lane.
#[inline(always)]
fn cubic_f64(v1: v128, v2: v128, v3: v128, v4: v128, d: v128) -> v128 {
    cubic_f64_k(v1, v2, v3, v4, d, f64x2_splat(2.0))
}

/// [`cubic_f64`] with the constant 2.0 passed in.
#[inline(always)]
fn cubic_f64_k(v1: v128, v2: v128, v3: v128, v4: v128, d: v128, two: v128) -> v128 {
    let p2 = f64x2_add(f64x2_neg(v1), v3);
    let p3 = f64x2_sub(f64x2_add(f64x2_mul(two, f64x2_sub(v1, v2)), v3), v4);
    let p4 = f64x2_add(f64x2_sub(f64x2_add(f64x2_neg(v1), v2), v3), v4);
    horner(v2, p2, p3, p4, d)
}

/// Write the low `C` lanes of two `f64x2` halves (channels 0–1, 2–3), clamped to [0, 255]
/// and truncated: `bicubic_filter*`'s clamp-then-cast, and the plain cast of bilinear for
/// values already in range.
#[inline(always)]
fn store<const C: usize>(lo: v128, hi: v128, out: &mut [u8]) {
    let zero = f64x2_splat(0.0);
    let max = f64x2_splat(255.0);
    let clamp = |v: v128| f64x2_pmin(f64x2_pmax(v, zero), max);
    let a = i32x4_trunc_sat_f64x2_zero(clamp(lo));
    let b = i32x4_trunc_sat_f64x2_zero(clamp(hi));
    let ab = i32x4_shuffle::<0, 1, 4, 5>(a, b);
    let n16 = i16x8_narrow_i32x4(ab, ab);
    let n8 = u8x16_narrow_i16x8(n16, n16);
    let bytes = u32x4_extract_lane::<0>(n8).to_le_bytes();
    out[..C].copy_from_slice(&bytes[..C]);
}

#[inline(always)]
fn floor_split(u: f64, sw: usize) -> (isize, f64, impl Fn(isize) -> usize) {
    let u = u - 0.5;
    let f = u.floor();
    let max = sw as isize - 1;
    (f as isize, u - f, move |i: isize| i.clamp(0, max) as usize)
}

#[inline(always)]
fn bilinear_px<const C: usize>(
    s: &[u8],
    sw: usize,
    sh: usize,
    row0: usize,
    u: f64,
    v: f64,
    out: &mut [u8],
) {
    if C == 1 || C > 4 {
        return scalar::bilinear_px::<C>(s, sw, sh, row0, u, v, out);
    }
    let (x, dx, cx) = floor_split(u, sw);
    let (y, dy, cy) = floor_split(v, sh);
    let (x0, x1) = (cx(x) * C, cx(x + 1) * C);
    let (r0, r1) = ((cy(y) - row0) * sw * C, (cy(y + 1) - row0) * sw * C);
    let dxv = f64x2_splat(dx);
    let dyv = f64x2_splat(dy);
    // `a + (b − a)·d`, (b − a) formed in int as Pillow does.
    let row = |r: usize| {
        let a = px::<C>(s, r + x0);
        let b = px::<C>(s, r + x1);
        let d = i32x4_sub(b, a);
        (
            f64x2_add(
                f64x2_convert_low_i32x4(a),
                f64x2_mul(f64x2_convert_low_i32x4(d), dxv),
            ),
            f64x2_add(high_f64(a), f64x2_mul(high_f64(d), dxv)),
        )
    };
    let (l1, h1) = row(r0);
    let (l2, h2) = row(r1);
    let lo = f64x2_add(l1, f64x2_mul(f64x2_sub(l2, l1), dyv));
    let hi = f64x2_add(h1, f64x2_mul(f64x2_sub(h2, h1), dyv));
    store::<C>(lo, hi, out);
}

/// The exact integer p1…p4 of Pillow's horizontal cubic, from four `i32x4` samples.
#[inline(always)]
fn int_ps(v1: v128, v2: v128, v3: v128, v4: v128) -> [v128; 4] {
    let p2 = i32x4_sub(v3, v1);
    let p3 = i32x4_sub(i32x4_add(i32x4_shl(i32x4_sub(v1, v2), 1), v3), v4);
    let p4 = i32x4_add(i32x4_sub(i32x4_sub(v2, v1), v3), v4);
    [v2, p2, p3, p4]
}

#[inline(always)]
fn bicubic_px<const C: usize>(
    s: &[u8],
    sw: usize,
    sh: usize,
    row0: usize,
    u: f64,
    v: f64,
    out: &mut [u8],
) {
    if C > 4 {
        return scalar::bicubic_px::<C>(s, sw, sh, row0, u, v, out);
    }
    let (x, dx, cx) = floor_split(u, sw);
    let (y, dy, cy) = floor_split(v, sh);
    let cols = [cx(x - 1) * C, cx(x) * C, cx(x + 1) * C, cx(x + 2) * C];
    let rows = [
        (cy(y - 1) - row0) * sw * C,
        (cy(y) - row0) * sw * C,
        (cy(y + 1) - row0) * sw * C,
        (cy(y + 2) - row0) * sw * C,
    ];
    let dxv = f64x2_splat(dx);
    let dyv = f64x2_splat(dy);
    if C == 1 {
        // One channel: the four rows are the lanes of the horizontal pass.
        let col = |k: usize| {
            i32x4(
                i32::from(s[rows[0] + cols[k]]),
                i32::from(s[rows[1] + cols[k]]),
                i32::from(s[rows[2] + cols[k]]),
                i32::from(s[rows[3] + cols[k]]),
            )
        };
        let p = int_ps(col(0), col(1), col(2), col(3));
        let lo = horner(
            f64x2_convert_low_i32x4(p[0]),
            f64x2_convert_low_i32x4(p[1]),
            f64x2_convert_low_i32x4(p[2]),
            f64x2_convert_low_i32x4(p[3]),
            dxv,
        );
        let hi = horner(
            high_f64(p[0]),
            high_f64(p[1]),
            high_f64(p[2]),
            high_f64(p[3]),
            dxv,
        );
        let h = [
            f64x2_extract_lane::<0>(lo),
            f64x2_extract_lane::<1>(lo),
            f64x2_extract_lane::<0>(hi),
            f64x2_extract_lane::<1>(hi),
        ];
        out[0] = scalar::clamp_u8(scalar::cubic(h[0], h[1], h[2], h[3], dy));
        return;
    }
    let mut lo = [f64x2_splat(0.0); 4];
    let mut hi = [f64x2_splat(0.0); 4];
    for (k, &r) in rows.iter().enumerate() {
        let p = int_ps(
            px::<C>(s, r + cols[0]),
            px::<C>(s, r + cols[1]),
            px::<C>(s, r + cols[2]),
            px::<C>(s, r + cols[3]),
        );
        lo[k] = horner(
            f64x2_convert_low_i32x4(p[0]),
            f64x2_convert_low_i32x4(p[1]),
            f64x2_convert_low_i32x4(p[2]),
            f64x2_convert_low_i32x4(p[3]),
            dxv,
        );
        if C > 2 {
            hi[k] = horner(
                high_f64(p[0]),
                high_f64(p[1]),
                high_f64(p[2]),
                high_f64(p[3]),
                dxv,
            );
        }
    }
    let l = cubic_f64(lo[0], lo[1], lo[2], lo[3], dyv);
    let h = cubic_f64(hi[0], hi[1], hi[2], hi[3], dyv);
    store::<C>(l, h, out);
}

/// The walk shared by the RGBA kernels: pixels whose `n × n` neighbourhood (from `n / 2 − 1`
/// before the sample point's floor to `n / 2` after, in both axes) lies inside the source go to
/// `interior(window, at, row_bytes, dx, dy, opaque, out)` — `at` the neighbourhood's first byte,
/// `opaque` whether every source alpha is 255 — and, when it returns `false` (it could not
/// decide), or at the edges, to the clamped sampler `edge`.
#[inline(always)]
fn rgba_walk<const C: usize, const N: usize>(
    b: &scalar::Band<'_, C>,
    dst: &mut Image<C>,
    edge: impl Fn(&[u8], usize, usize, usize, f64, f64, &mut [u8]) + Sync,
    interior: impl Fn(&[u8], usize, usize, f64, f64, bool, &mut [u8]) -> bool + Sync,
) -> bool {
    let (before, after) = (N / 2 - 1, N / 2);
    let opaque = crate::image::opaque_rgba(b.src.data());
    scalar::interpolate(b, dst, |s, sw, sh, row0, u, v, out| {
        let (uu, vv) = (u - 0.5, v - 0.5);
        let (xf, yf) = (uu.floor(), vv.floor());
        let (lo, hi) = (before as f64, after as f64);
        if xf >= lo && yf >= lo && xf + hi < sw as f64 && yf + hi < sh as f64 {
            let (x, y) = (xf as usize, yf as usize);
            let at = ((y - before - row0) * sw + (x - before)) * 4;
            if interior(s, at, sw * 4, uu - xf, vv - yf, opaque, out) {
                return;
            }
        }
        edge(s, sw, sh, row0, u, v, out);
    })
}

/// Bilinear rotation, `simd128`, over a row band (see [`scalar::Band`]).
/// RGBA pixels whose 2×2 neighbourhood is inside the source take [`bilinear_rgba_f32`] first.
pub(super) fn bilinear<const C: usize>(b: &scalar::Band<'_, C>, dst: &mut Image<C>) -> bool {
    if C != 4 {
        return scalar::interpolate(b, dst, bilinear_px::<C>);
    }
    rgba_walk::<C, 2>(
        b,
        dst,
        bilinear_px::<C>,
        |s, at, row_bytes, dx, dy, opaque, out| {
            let row = |i: usize| {
                let b = <[u8; 8]>::try_from(s.get(i..i + 8)?).ok()?;
                Some(u64x2(u64::from_le_bytes(b), 0))
            };
            match (row(at), row(at + row_bytes)) {
                (Some(r0), Some(r1)) => bilinear_rgba_f32(r0, r1, dx, dy, opaque, out),
                _ => false, // unreachable: the walk checked the neighbourhood is inside
            }
        },
    )
}

/// The 4×4 RGBA neighbourhood whose top-left pixel starts at byte `at` of `s` (rows
/// `row_bytes` apart): one 16-byte load per row. `None` if it does not lie inside `s`.
#[inline(always)]
fn rows16(s: &[u8], at: usize, row_bytes: usize) -> Option<[v128; 4]> {
    let mut rows = [u8x16_splat(0); 4];
    for (r, row) in rows.iter_mut().enumerate() {
        let i = at + r * row_bytes;
        let b = <[u8; 16]>::try_from(s.get(i..i + 16)?).ok()?;
        // SAFETY: a 16-byte array; wasm loads need no alignment.
        *row = unsafe { v128_load(b.as_ptr().cast::<v128>()) };
    }
    Some(rows)
}

/// The bicubic sample of an RGBA pixel from its 4×4 neighbourhood ([`rows16`]: no clamped
/// pixel loads), constants from `k`. The same operations as [`bicubic_px`] otherwise (tested
/// equal to the scalar reference).
#[inline(always)]
fn bicubic_rgba_interior(k: &Consts, rows: &[v128; 4], dx: f64, dy: f64, out: &mut [u8]) {
    let dxv = f64x2_splat(dx);
    let dyv = f64x2_splat(dy);
    let mut lo = [k.zero; 4];
    let mut hi = [k.zero; 4];
    for (r, &v) in rows.iter().enumerate() {
        let (l16, h16) = (u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v));
        let p = int_ps(
            u32x4_extend_low_u16x8(l16),
            u32x4_extend_high_u16x8(l16),
            u32x4_extend_low_u16x8(h16),
            u32x4_extend_high_u16x8(h16),
        );
        lo[r] = horner(
            f64x2_convert_low_i32x4(p[0]),
            f64x2_convert_low_i32x4(p[1]),
            f64x2_convert_low_i32x4(p[2]),
            f64x2_convert_low_i32x4(p[3]),
            dxv,
        );
        hi[r] = horner(
            high_f64(p[0]),
            high_f64(p[1]),
            high_f64(p[2]),
            high_f64(p[3]),
            dxv,
        );
    }
    let l = cubic_f64_k(lo[0], lo[1], lo[2], lo[3], dyv, k.two);
    let h = cubic_f64_k(hi[0], hi[1], hi[2], hi[3], dyv, k.two);
    let clamp = |v: v128| f64x2_pmin(f64x2_pmax(v, k.zero), k.max);
    let a = i32x4_trunc_sat_f64x2_zero(clamp(l));
    let b = i32x4_trunc_sat_f64x2_zero(clamp(h));
    let ab = i32x4_shuffle::<0, 1, 4, 5>(a, b);
    let n16 = i16x8_narrow_i32x4(ab, ab);
    let n8 = u8x16_narrow_i16x8(n16, n16);
    if let Some(o) = out.get_mut(..4) {
        o.copy_from_slice(&u32x4_extract_lane::<0>(n8).to_le_bytes());
    }
}

/// Half-width of the band around each integer in which the `f32` samplers
/// ([`bicubic_rgba_f32`], [`bilinear_rgba_f32`]) do not decide a byte: 2⁻⁸. Their `f32` values
/// are within about 3·10⁻⁴ (bicubic) and 1.5·10⁻⁴ (bilinear) of the `f64` ones (bounds at the
/// functions; `tests/wasm_rotate.rs` measures under 10⁻⁴), so outside the band both truncate to
/// the same byte.
pub(super) const F32_BAND: f32 = 1.0 / 256.0;

/// The byte decision shared by the `f32` samplers: `v` holds one pixel's four channel values
/// (`f32x4`). Lanes further than [`F32_BAND`] from every integer truncate (after the clamp to
/// [0, 255]) to the `f64` kernel's byte. A lane inside the band is still decided when its
/// channel is flat — `range()` gives the per-channel minimum and maximum of the samples in
/// bytes 0–3, and equal ones mean every sample is that byte, which the `f64` kernel returns
/// exactly — and, for an `opaque` source, the alpha lane is 255. Any other lane inside the
/// band returns `false`: the caller takes the exact `f64` kernel.
#[inline(always)]
fn decide_f32(v: v128, opaque: bool, out: &mut [u8], range: impl FnOnce() -> (v128, v128)) -> bool {
    let mut near = f32x4_lt(
        f32x4_abs(f32x4_sub(v, f32x4_nearest(v))),
        f32x4_splat(F32_BAND),
    );
    let mut bytes = i32x4_trunc_sat_f32x4(f32x4_pmin(
        f32x4_pmax(v, f32x4_splat(0.0)),
        f32x4_splat(255.0),
    ));
    if opaque {
        // Every alpha sample is 255, so the alpha channel is flat: 255 exactly.
        near = v128_and(near, i32x4(-1, -1, -1, 0));
        bytes = v128_or(v128_and(bytes, i32x4(-1, -1, -1, 0)), i32x4(0, 0, 0, 255));
    }
    if v128_any_true(near) {
        let (lo, hi) = range();
        let flat = i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(i8x16_eq(lo, hi)));
        if v128_any_true(v128_andnot(near, flat)) {
            return false;
        }
        let p = u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(lo));
        bytes = v128_bitselect(p, bytes, flat);
    }
    let n16 = i16x8_narrow_i32x4(bytes, bytes);
    let n8 = u8x16_narrow_i16x8(n16, n16);
    if let Some(o) = out.get_mut(..4) {
        o.copy_from_slice(&u32x4_extract_lane::<0>(n8).to_le_bytes());
    }
    true
}

/// Pillow's bilinear (`a + (b − a)·d` with `b − a` in int, x first, then y) in `f32x4` over the
/// two rows `r0`, `r1` of two RGBA pixels each (bytes 0–7).
#[inline(always)]
fn lerp_f32(r0: v128, r1: v128, dx: f64, dy: f64) -> v128 {
    let (dx, dy) = (f32x4_splat(dx as f32), f32x4_splat(dy as f32));
    let row = |r: v128| {
        let w = u16x8_extend_low_u8x16(r);
        let (a, b) = (u32x4_extend_low_u16x8(w), u32x4_extend_high_u16x8(w));
        f32x4_add(
            f32x4_convert_i32x4(a),
            f32x4_mul(f32x4_convert_i32x4(i32x4_sub(b, a)), dx),
        )
    };
    let (l1, l2) = (row(r0), row(r1));
    f32x4_add(l1, f32x4_mul(f32x4_sub(l2, l1), dy))
}

/// The bilinear sample of an RGBA pixel from its 2×2 neighbourhood (rows `r0`, `r1`: two pixels
/// each in bytes 0–7), in `f32x4` ([`lerp_f32`]), or `false` when that cannot decide a byte
/// ([`decide_f32`]).
///
/// Exactness: `b − a` is an exact integer and |·| ≤ 255. Rounding `dx` to `f32` (≤ 2⁻²⁵), the
/// product and the sum (≤ 2⁻²⁴·255 each) put a row value within 4·10⁻⁵ of the real one; the
/// vertical step adds the same kind of errors, about 1.5·10⁻⁴ in all, far inside
/// [`F32_BAND`].
#[inline(always)]
fn bilinear_rgba_f32(r0: v128, r1: v128, dx: f64, dy: f64, opaque: bool, out: &mut [u8]) -> bool {
    decide_f32(lerp_f32(r0, r1, dx, dy), opaque, out, || {
        // Per channel: min and max over the 4 samples (bytes 0–7 of both rows).
        let (lo, hi) = (u8x16_min(r0, r1), u8x16_max(r0, r1));
        (
            u8x16_min(lo, i32x4_shuffle::<1, 1, 1, 1>(lo, lo)),
            u8x16_max(hi, i32x4_shuffle::<1, 1, 1, 1>(hi, hi)),
        )
    })
}

/// The cubic's four weights at `d` ∈ [0, 1): Pillow's `BICUBIC` polynomial
/// `p2 + d(−p1 + p3 + d(2(p1 − p2) + p3 − p4 + d(−p1 + p2 − p3 + p4)))` collected per sample,
/// computed in `f64` and rounded once to `f32`.
#[inline(always)]
fn cubic_weights(d: f64) -> [f32; 4] {
    let d2 = d * d;
    let d3 = d2 * d;
    [
        (2.0 * d2 - d - d3) as f32,
        (1.0 - 2.0 * d2 + d3) as f32,
        (d + d2 - d3) as f32,
        (d3 - d2) as f32,
    ]
}

/// The weights-form cubic in `f32x4` over 4 rows of 4 RGBA pixels: lane c is channel c's
/// value `Σ_r wy_r · Σ_k wx_k · p[r][k]`.
#[inline(always)]
fn cubic_f32(rows: &[v128; 4], dx: f64, dy: f64) -> v128 {
    let wx = cubic_weights(dx);
    let wy = cubic_weights(dy);
    let (w1, w2, w3, w4) = (
        f32x4_splat(wx[0]),
        f32x4_splat(wx[1]),
        f32x4_splat(wx[2]),
        f32x4_splat(wx[3]),
    );
    let f = |x: v128| f32x4_convert_i32x4(x);
    let mut v = f32x4_splat(0.0);
    for (&row, &w) in rows.iter().zip(wy.iter()) {
        let (l16, h16) = (u16x8_extend_low_u8x16(row), u16x8_extend_high_u8x16(row));
        let h = f32x4_add(
            f32x4_add(
                f32x4_mul(f(u32x4_extend_low_u16x8(l16)), w1),
                f32x4_mul(f(u32x4_extend_high_u16x8(l16)), w2),
            ),
            f32x4_add(
                f32x4_mul(f(u32x4_extend_low_u16x8(h16)), w3),
                f32x4_mul(f(u32x4_extend_high_u16x8(h16)), w4),
            ),
        );
        v = f32x4_add(v, f32x4_mul(h, f32x4_splat(w)));
    }
    v
}

/// The bicubic sample of an RGBA pixel from its 4×4 neighbourhood ([`rows16`]), in
/// `f32x4` (one pixel's four channels per vector) with the weights form of the cubic, or
/// `false` when that cannot decide a byte and the caller must take the exact `f64` kernel.
///
/// Exactness: the result byte is `trunc(clamp(v, 0, 255))` of the `f64` value `v`. With
/// weights rounded once to `f32` (error ≤ 2⁻²⁵·|w|), |samples| ≤ 255, Σ|w| ≤ 1.5 and the
/// row values |h| ≤ 383, the rounding of the 16 products and 15 sums bounds the difference
/// of the `f32` value from the real one by about 3·10⁻⁴, and the `f64` value is within 10⁻¹¹
/// of it. So when the `f32` value is further than [`F32_BAND`] from every integer, both lie
/// in the same unit interval (or both ≤ 0, or both ≥ 255) and give the same byte. A channel
/// whose 16 samples are all equal (a flat area, or the constant alpha of an opaque image) has
/// `v = p` exactly in `f64`, so it is decided by the samples, not by the band. Any other
/// channel inside the band sends the pixel to the `f64` kernel (about 2 % of the pixels of a
/// noisy photo).
#[inline(always)]
fn bicubic_rgba_f32(rows: &[v128; 4], dx: f64, dy: f64, opaque: bool, out: &mut [u8]) -> bool {
    let v = cubic_f32(rows, dx, dy);
    decide_f32(v, opaque, out, || {
        // Per channel: min and max over the 16 samples (4 rows × 4 pixels).
        let lo = u8x16_min(u8x16_min(rows[0], rows[1]), u8x16_min(rows[2], rows[3]));
        let hi = u8x16_max(u8x16_max(rows[0], rows[1]), u8x16_max(rows[2], rows[3]));
        let lo = u8x16_min(lo, i64x2_shuffle::<1, 1>(lo, lo));
        let hi = u8x16_max(hi, i64x2_shuffle::<1, 1>(hi, hi));
        (
            u8x16_min(lo, i32x4_shuffle::<1, 1, 1, 1>(lo, lo)),
            u8x16_max(hi, i32x4_shuffle::<1, 1, 1, 1>(hi, hi)),
        )
    })
}

/// Test probe for the `f32` samplers on one 4×4 RGBA neighbourhood (`n`: 4 rows of 16 bytes;
/// bilinear uses its centre 2×2): the byte decision (`None`: left to the `f64` kernel), the
/// `f32` values, and the `f64` values of the scalar reference (Pillow's operation order).
pub(super) fn probe_f32(
    cubic: bool,
    n: &[u8; 64],
    dx: f64,
    dy: f64,
) -> (Option<[u8; 4]>, [f32; 4], [f64; 4]) {
    let mut out = [0u8; 4];
    let opaque = crate::image::opaque_rgba(n);
    let Some(rows) = rows16(n, 0, 16) else {
        return (None, [0.0; 4], [0.0; 4]); // unreachable: `n` is 4 rows of 16 bytes
    };
    let at = |r: usize, k: usize, c: usize| n[r * 16 + k * 4 + c];
    let (decided, v, v64) = if cubic {
        let decided = bicubic_rgba_f32(&rows, dx, dy, opaque, &mut out);
        let v64 = core::array::from_fn(|c| {
            let h: [f64; 4] = core::array::from_fn(|r| {
                scalar::cubic_u8(at(r, 0, c), at(r, 1, c), at(r, 2, c), at(r, 3, c), dx)
            });
            scalar::cubic(h[0], h[1], h[2], h[3], dy)
        });
        (decided, cubic_f32(&rows, dx, dy), v64)
    } else {
        // The centre 2×2: pixels 1 and 2 of rows 1 and 2, in bytes 0–7.
        let centre =
            |r: v128| i8x16_shuffle::<4, 5, 6, 7, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11>(r, r);
        let (r0, r1) = (centre(rows[1]), centre(rows[2]));
        let decided = bilinear_rgba_f32(r0, r1, dx, dy, opaque, &mut out);
        let v64 = core::array::from_fn(|c| {
            let v1 = scalar::lerp_u8(at(1, 1, c), at(1, 2, c), dx);
            let v2 = scalar::lerp_u8(at(2, 1, c), at(2, 2, c), dx);
            v1 + (v2 - v1) * dy
        });
        (decided, lerp_f32(r0, r1, dx, dy), v64)
    };
    let v32 = [
        f32x4_extract_lane::<0>(v),
        f32x4_extract_lane::<1>(v),
        f32x4_extract_lane::<2>(v),
        f32x4_extract_lane::<3>(v),
    ];
    (decided.then_some(out), v32, v64)
}

/// Bicubic rotation, `simd128`, over a row band. RGBA pixels whose 4×4 neighbourhood is inside
/// the source take [`bicubic_rgba_f32`], then [`bicubic_rgba_interior`] when that cannot
/// decide; the rest (and other channel counts) the clamped sampler.
pub(super) fn bicubic<const C: usize>(b: &scalar::Band<'_, C>, dst: &mut Image<C>) -> bool {
    if C != 4 {
        return scalar::interpolate(b, dst, bicubic_px::<C>);
    }
    let k = Consts::new();
    rgba_walk::<C, 4>(
        b,
        dst,
        bicubic_px::<C>,
        |s, at, row_bytes, dx, dy, opaque, out| {
            let Some(rows) = rows16(s, at, row_bytes) else {
                return false; // unreachable: the walk checked the neighbourhood is inside
            };
            if !bicubic_rgba_f32(&rows, dx, dy, opaque, out) {
                bicubic_rgba_interior(&k, &rows, dx, dy, out);
            }
            true
        },
    )
}
