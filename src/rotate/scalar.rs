//! Reference rotation kernels, after Pillow 13 `libImaging/Geometry.c` (same operation order).
//!
//! Every kernel writes only the pixels that have a source sample; the caller hands in a
//! zero-filled output, which is Pillow's fill.

use crate::image::Image;

/// Pillow's `COORD(v)`: −1 for negative values, else truncation.
#[inline(always)]
fn coord(v: f64) -> i64 {
    if v < 0.0 {
        -1
    } else {
        v as i64
    }
}

/// Pillow's `FIX(v)`: 16.16 fixed point, `floor(v·65536 + 0.5)`.
#[inline(always)]
fn fix(v: f64) -> i32 {
    (v * 65536.0 + 0.5).floor() as i32
}

/// Pillow's `check_fixed`: the output corner `(x, y)` maps inside ±32768.
fn check_fixed(m: &[f64; 6], x: f64, y: f64) -> bool {
    (x * m[0] + y * m[1] + m[2]).abs() < 32768.0 && (x * m[3] + y * m[4] + m[5]).abs() < 32768.0
}

#[inline(always)]
fn copy_px<const C: usize>(dst: &mut [u8], di: usize, src: &[u8], si: usize) {
    dst[di..di + C].copy_from_slice(&src[si..si + C]);
}

/// Nearest neighbour, dispatched as `ImagingTransformAffine` does: the scale-only path when
/// the matrix has no shear, 16.16 fixed point when all four corners map within ±32768, and
/// the floating-point walk otherwise.
pub(super) fn nearest<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    let (ow, oh) = (f64::from(dst.width()), f64::from(dst.height()));
    if m[1] == 0.0 && m[3] == 0.0 {
        nearest_scale(src, dst, m);
    } else if check_fixed(m, 0.0, 0.0)
        && check_fixed(m, ow, oh)
        && check_fixed(m, 0.0, oh)
        && check_fixed(m, ow, 0.0)
    {
        nearest_fixed(src, dst, m);
    } else {
        nearest_float(src, dst, m);
    }
}

fn nearest_fixed<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    let (sw, sh) = (i64::from(src.width()), i64::from(src.height()));
    let s = src.data();
    let ow = dst.width() as usize;
    let a0 = fix(m[0]);
    let a1 = fix(m[1]);
    let a3 = fix(m[3]);
    let a4 = fix(m[4]);
    let mut a2 = fix(m[2] + m[0] * 0.5 + m[1] * 0.5);
    let mut a5 = fix(m[5] + m[3] * 0.5 + m[4] * 0.5);
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let (mut xx, mut yy) = (a2, a5);
        for x in 0..ow {
            let xin = i64::from(xx >> 16);
            if xin >= 0 && xin < sw {
                let yin = i64::from(yy >> 16);
                if yin >= 0 && yin < sh {
                    copy_px::<C>(row, x * C, s, (yin * sw + xin) as usize * C);
                }
            }
            xx = xx.wrapping_add(a0);
            yy = yy.wrapping_add(a3);
        }
        a2 = a2.wrapping_add(a1);
        a5 = a5.wrapping_add(a4);
    }
}

fn nearest_float<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    let (sw, sh) = (i64::from(src.width()), i64::from(src.height()));
    let s = src.data();
    let ow = dst.width() as usize;
    let mut xo = m[2] + m[1] * 0.5 + m[0] * 0.5;
    let mut yo = m[5] + m[4] * 0.5 + m[3] * 0.5;
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let (mut xx, mut yy) = (xo, yo);
        for x in 0..ow {
            let xin = coord(xx);
            if xin >= 0 && xin < sw {
                let yin = coord(yy);
                if yin >= 0 && yin < sh {
                    copy_px::<C>(row, x * C, s, (yin * sw + xin) as usize * C);
                }
            }
            xx += m[0];
            yy += m[3];
        }
        xo += m[1];
        yo += m[4];
    }
}

/// `ImagingScaleAffine`: no shear, so one column table and one source row per output row.
fn nearest_scale<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    let (sw, sh) = (i64::from(src.width()), i64::from(src.height()));
    let s = src.data();
    let ow = dst.width() as usize;
    let mut xintab = vec![0usize; ow];
    let (mut xmin, mut xmax) = (ow, 0usize);
    let mut xo = m[2] + m[0] * 0.5;
    let mut yo = m[5] + m[4] * 0.5;
    for (x, slot) in xintab.iter_mut().enumerate() {
        let xin = coord(xo);
        if xin >= 0 && xin < sw {
            xmax = x + 1;
            xmin = xmin.min(x);
            *slot = xin as usize;
        }
        xo += m[0];
    }
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let yi = coord(yo);
        if yi >= 0 && yi < sh {
            let base = yi as usize * sw as usize;
            for (x, &xin) in xintab.iter().enumerate().take(xmax).skip(xmin) {
                copy_px::<C>(row, x * C, s, (base + xin) * C);
            }
        }
        yo += m[4];
    }
}

/// Per-column products `m[0]·(x+½)` and `m[3]·(x+½)`, shared by every output row. The
/// sample point is then `(cu[x] + m[1]·(y+½)) + m[2]`, the exact operation order of Pillow's
/// `affine_transform`.
pub(super) fn column_products(ow: usize, m: &[f64; 6]) -> (Vec<f64>, Vec<f64>) {
    (0..ow)
        .map(|x| {
            let xin = x as f64 + 0.5;
            (m[0] * xin, m[3] * xin)
        })
        .unzip()
}

/// `(b − a)·d + a` as `BILINEAR(v, a, b, d)` writes it, on integer samples.
#[inline(always)]
fn lerp_u8(a: u8, b: u8, d: f64) -> f64 {
    f64::from(a) + f64::from(i32::from(b) - i32::from(a)) * d
}

/// One bilinear sample of every channel at source point `(u, v)`, already known to be inside
/// `[0, w) × [0, h)`.
#[inline(always)]
pub(super) fn bilinear_px<const C: usize>(
    s: &[u8],
    sw: usize,
    sh: usize,
    u: f64,
    v: f64,
    out: &mut [u8],
) {
    let u = u - 0.5;
    let v = v - 0.5;
    let xf = u.floor();
    let yf = v.floor();
    let dx = u - xf;
    let dy = v - yf;
    // u, v ∈ [−0.5, size − 0.5), so the floors are in [−1, size − 1].
    let (x, y) = (xf as isize, yf as isize);
    let clampx = |i: isize| i.clamp(0, sw as isize - 1) as usize;
    let clampy = |i: isize| i.clamp(0, sh as isize - 1) as usize;
    let (x0, x1) = (clampx(x) * C, clampx(x + 1) * C);
    let r0 = clampy(y) * sw * C;
    let r1 = clampy(y + 1) * sw * C;
    for c in 0..C {
        let v1 = lerp_u8(s[r0 + x0 + c], s[r0 + x1 + c], dx);
        let v2 = lerp_u8(s[r1 + x0 + c], s[r1 + x1 + c], dx);
        let r = v1 + (v2 - v1) * dy;
        out[c] = r as u8;
    }
}

/// The cubic of `BICUBIC(v, v1, v2, v3, v4, d)` on doubles, in Pillow's operation order.
#[inline(always)]
pub(super) fn cubic(v1: f64, v2: f64, v3: f64, v4: f64, d: f64) -> f64 {
    let p1 = v2;
    let p2 = -v1 + v3;
    let p3 = 2.0 * (v1 - v2) + v3 - v4;
    let p4 = -v1 + v2 - v3 + v4;
    p1 + d * (p2 + d * (p3 + d * p4))
}

/// The same cubic on integer samples: Pillow forms p1…p4 in `int` (exact) first.
#[inline(always)]
fn cubic_u8(v1: u8, v2: u8, v3: u8, v4: u8, d: f64) -> f64 {
    let (v1, v2, v3, v4) = (i32::from(v1), i32::from(v2), i32::from(v3), i32::from(v4));
    let p1 = f64::from(v2);
    let p2 = f64::from(-v1 + v3);
    let p3 = f64::from(2 * (v1 - v2) + v3 - v4);
    let p4 = f64::from(-v1 + v2 - v3 + v4);
    p1 + d * (p2 + d * (p3 + d * p4))
}

/// `bicubic_filter*`'s final clamp and cast.
#[inline(always)]
pub(super) fn clamp_u8(v: f64) -> u8 {
    if v <= 0.0 {
        0
    } else if v >= 255.0 {
        255
    } else {
        v as u8
    }
}

/// One bicubic sample of every channel at `(u, v)`, inside `[0, w) × [0, h)`. Rows and
/// columns outside the image are clamped to the edge, which gives the same values as
/// Pillow's "reuse the previous row" rule.
#[inline(always)]
pub(super) fn bicubic_px<const C: usize>(
    s: &[u8],
    sw: usize,
    sh: usize,
    u: f64,
    v: f64,
    out: &mut [u8],
) {
    let u = u - 0.5;
    let v = v - 0.5;
    let xf = u.floor();
    let yf = v.floor();
    let dx = u - xf;
    let dy = v - yf;
    let (x, y) = (xf as isize - 1, yf as isize - 1);
    let clampx = |i: isize| i.clamp(0, sw as isize - 1) as usize * C;
    let clampy = |i: isize| i.clamp(0, sh as isize - 1) as usize * sw * C;
    let cols = [clampx(x), clampx(x + 1), clampx(x + 2), clampx(x + 3)];
    let rows = [clampy(y), clampy(y + 1), clampy(y + 2), clampy(y + 3)];
    for c in 0..C {
        let mut h = [0.0f64; 4];
        for (hk, &r) in h.iter_mut().zip(rows.iter()) {
            *hk = cubic_u8(
                s[r + cols[0] + c],
                s[r + cols[1] + c],
                s[r + cols[2] + c],
                s[r + cols[3] + c],
                dx,
            );
        }
        out[c] = clamp_u8(cubic(h[0], h[1], h[2], h[3], dy));
    }
}

/// Walk every output pixel, compute its source point as `affine_transform` does, and call
/// `sample` for the points inside the source (the others keep the zero fill).
#[inline(always)]
pub(super) fn interpolate<const C: usize>(
    src: &Image<C>,
    dst: &mut Image<C>,
    m: &[f64; 6],
    sample: impl Fn(&[u8], usize, usize, f64, f64, &mut [u8]),
) {
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let (swf, shf) = (sw as f64, sh as f64);
    let s = src.data();
    let ow = dst.width() as usize;
    let (cu, cv) = column_products(ow, m);
    for (y, row) in dst.data_mut().chunks_exact_mut(ow * C).enumerate() {
        let yin = y as f64 + 0.5;
        let (ru, rv) = (m[1] * yin, m[4] * yin);
        for (x, px) in row.chunks_exact_mut(C).enumerate() {
            let u = cu[x] + ru + m[2];
            let v = cv[x] + rv + m[5];
            if u < 0.0 || u >= swf || v < 0.0 || v >= shf {
                continue;
            }
            sample(s, sw, sh, u, v, px);
        }
    }
}

/// Bilinear rotation (`bilinear_filter8` / `bilinear_filter32RGB`).
pub(super) fn bilinear<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    interpolate(src, dst, m, bilinear_px::<C>);
}

/// Bicubic rotation (`bicubic_filter8` / `bicubic_filter32RGB`).
pub(super) fn bicubic<const C: usize>(src: &Image<C>, dst: &mut Image<C>, m: &[f64; 6]) {
    interpolate(src, dst, m, bicubic_px::<C>);
}
