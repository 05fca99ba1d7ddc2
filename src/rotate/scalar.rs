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

/// A row band of an affine rotation: output rows `[y0, y0 + dst.height())` of an output
/// `dst.width() × oh`, read from `src`, which holds rows `[row0, row0 + src.height())` (all
/// columns) of a source `src.width() × sh`. The kernels compute every sample point from the
/// absolute output coordinates, exactly as the full call does; they return `false` (and leave
/// the pixels concerned unwritten) if a sample needs a source row outside the window.
pub(crate) struct Band<'a, const C: usize> {
    /// The source rows held.
    pub src: &'a Image<C>,
    /// The first source row held.
    pub row0: usize,
    /// The full source height.
    pub sh: usize,
    /// The first output row.
    pub y0: usize,
    /// The full output height.
    pub oh: usize,
    /// The inverse matrix.
    pub m: [f64; 6],
}

impl<const C: usize> Band<'_, C> {
    /// Whether source row `yin` (inside `[0, sh)`) is held; its index in the window.
    #[inline(always)]
    fn row(&self, yin: i64) -> Option<usize> {
        let r = yin - self.row0 as i64;
        (r >= 0 && r < i64::from(self.src.height())).then_some(r as usize)
    }
}

/// Nearest neighbour, dispatched as `ImagingTransformAffine` does (on the full output size):
/// the scale-only path when the matrix has no shear, 16.16 fixed point when all four corners
/// map within ±32768, and the floating-point walk otherwise.
pub(super) fn nearest<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    let m = &b.m;
    let (ow, oh) = (f64::from(dst.width()), b.oh as f64);
    if m[1] == 0.0 && m[3] == 0.0 {
        nearest_scale(b, dst)
    } else if check_fixed(m, 0.0, 0.0)
        && check_fixed(m, ow, oh)
        && check_fixed(m, 0.0, oh)
        && check_fixed(m, ow, 0.0)
    {
        nearest_fixed(b, dst)
    } else {
        nearest_float(b, dst)
    }
}

fn nearest_fixed<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    let m = &b.m;
    let (sw, sh) = (i64::from(b.src.width()), b.sh as i64);
    let s = b.src.data();
    let ow = dst.width() as usize;
    let a0 = fix(m[0]);
    let a1 = fix(m[1]);
    let a3 = fix(m[3]);
    let a4 = fix(m[4]);
    // Row y0 of the walk: y0 wrapping additions of a1 / a4 (the same value modulo 2³²).
    let y0 = b.y0 as i32;
    let mut a2 = fix(m[2] + m[0] * 0.5 + m[1] * 0.5).wrapping_add(y0.wrapping_mul(a1));
    let mut a5 = fix(m[5] + m[3] * 0.5 + m[4] * 0.5).wrapping_add(y0.wrapping_mul(a4));
    let mut ok = true;
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let (mut xx, mut yy) = (a2, a5);
        for x in 0..ow {
            let xin = i64::from(xx >> 16);
            if xin >= 0 && xin < sw {
                let yin = i64::from(yy >> 16);
                if yin >= 0 && yin < sh {
                    match b.row(yin) {
                        Some(r) => {
                            copy_px::<C>(row, x * C, s, (r * sw as usize + xin as usize) * C)
                        }
                        None => ok = false,
                    }
                }
            }
            xx = xx.wrapping_add(a0);
            yy = yy.wrapping_add(a3);
        }
        a2 = a2.wrapping_add(a1);
        a5 = a5.wrapping_add(a4);
    }
    ok
}

fn nearest_float<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    let m = &b.m;
    let (sw, sh) = (i64::from(b.src.width()), b.sh as i64);
    let s = b.src.data();
    let ow = dst.width() as usize;
    let mut xo = m[2] + m[1] * 0.5 + m[0] * 0.5;
    let mut yo = m[5] + m[4] * 0.5 + m[3] * 0.5;
    // The full walk adds m[1] / m[4] once per row: repeat those additions up to row y0.
    for _ in 0..b.y0 {
        xo += m[1];
        yo += m[4];
    }
    let mut ok = true;
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let (mut xx, mut yy) = (xo, yo);
        for x in 0..ow {
            let xin = coord(xx);
            if xin >= 0 && xin < sw {
                let yin = coord(yy);
                if yin >= 0 && yin < sh {
                    match b.row(yin) {
                        Some(r) => {
                            copy_px::<C>(row, x * C, s, (r * sw as usize + xin as usize) * C)
                        }
                        None => ok = false,
                    }
                }
            }
            xx += m[0];
            yy += m[3];
        }
        xo += m[1];
        yo += m[4];
    }
    ok
}

/// `ImagingScaleAffine`: no shear, so one column table and one source row per output row.
fn nearest_scale<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    let m = &b.m;
    let (sw, sh) = (i64::from(b.src.width()), b.sh as i64);
    let s = b.src.data();
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
    for _ in 0..b.y0 {
        yo += m[4];
    }
    let mut ok = true;
    for row in dst.data_mut().chunks_exact_mut(ow * C) {
        let yi = coord(yo);
        if yi >= 0 && yi < sh {
            match b.row(yi) {
                Some(r) => {
                    let base = r * sw as usize;
                    for (x, &xin) in xintab.iter().enumerate().take(xmax).skip(xmin) {
                        copy_px::<C>(row, x * C, s, (base + xin) * C);
                    }
                }
                None => ok = false,
            }
        }
        yo += m[4];
    }
    ok
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
pub(super) fn lerp_u8(a: u8, b: u8, d: f64) -> f64 {
    f64::from(a) + f64::from(i32::from(b) - i32::from(a)) * d
}

/// One bilinear sample of every channel at source point `(u, v)`, already known to be inside
/// `[0, w) × [0, h)`.
#[inline(always)]
pub(super) fn bilinear_px<const C: usize>(
    s: &[u8],
    sw: usize,
    sh: usize,
    row0: usize,
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
    let r0 = (clampy(y) - row0) * sw * C;
    let r1 = (clampy(y + 1) - row0) * sw * C;
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
pub(super) fn cubic_u8(v1: u8, v2: u8, v3: u8, v4: u8, d: f64) -> f64 {
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
    row0: usize,
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
    let clampy = |i: isize| (i.clamp(0, sh as isize - 1) as usize - row0) * sw * C;
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

/// The sample point's source row bounds, before clamping: bilinear reads `floor(v − ½)` and
/// the next row, bicubic one more above and two below. [`source_rows`] and the band guard of
/// [`interpolate`] use the widest (bicubic) reach.
#[inline(always)]
pub(super) fn reach(v: f64) -> (i64, i64) {
    let f = (v - 0.5).floor();
    // |v| is bounded by the image sizes (far inside i64).
    (f as i64 - 1, f as i64 + 2)
}

/// Walk every output pixel of the band, compute its source point as `affine_transform` does
/// (from the absolute output coordinates), and call `sample(window, sw, sh, row0, u, v, px)`
/// for the points inside the source (the others keep the zero fill). Returns `false` if a row
/// of the band could sample a source row the window does not hold (nothing is then read
/// outside the window: that row is left unwritten).
#[inline(always)]
pub(super) fn interpolate<const C: usize>(
    b: &Band<'_, C>,
    dst: &mut Image<C>,
    sample: impl Fn(&[u8], usize, usize, usize, f64, f64, &mut [u8]) + Sync,
) -> bool {
    let m = &b.m;
    let (sw, sh) = (b.src.width() as usize, b.sh);
    let (swf, shf) = (sw as f64, sh as f64);
    let s = b.src.data();
    let ow = dst.width() as usize;
    let whole = b.row0 == 0 && b.src.height() as usize == sh;
    let (lo_row, hi_row) = (b.row0 as i64, (b.row0 + b.src.height() as usize) as i64);
    let (cu, cv) = column_products(ow, m);
    let ok = core::sync::atomic::AtomicBool::new(true);
    // Output rows split across the threads of the pool (one call in single-threaded builds).
    crate::par::rows_mut(dst.data_mut(), ow * C, |rows, part| {
        for (y, row) in rows.zip(part.chunks_exact_mut(ow * C)) {
            let yin = (b.y0 + y) as f64 + 0.5;
            let (ru, rv) = (m[1] * yin, m[4] * yin);
            if !whole && ow > 0 {
                // v is monotonic in x (same operations), so its extremes are at the end columns.
                let va = cv[0] + rv + m[5];
                let vb = cv[ow - 1] + rv + m[5];
                let (vmin, vmax) = (va.min(vb), va.max(vb));
                if vmax >= 0.0 && vmin < shf {
                    let last = sh as i64 - 1;
                    let lo = reach(vmin).0.clamp(0, last);
                    let hi = reach(vmax).1.clamp(0, last);
                    if lo < lo_row || hi >= hi_row {
                        ok.store(false, core::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                }
            }
            for (x, px) in row.chunks_exact_mut(C).enumerate() {
                let u = cu[x] + ru + m[2];
                let v = cv[x] + rv + m[5];
                if u < 0.0 || u >= swf || v < 0.0 || v >= shf {
                    continue;
                }
                sample(s, sw, sh, b.row0, u, v, px);
            }
        }
    });
    ok.into_inner()
}

/// Bilinear rotation (`bilinear_filter8` / `bilinear_filter32RGB`) over a band.
pub(super) fn bilinear<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    interpolate(b, dst, bilinear_px::<C>)
}

/// Bicubic rotation (`bicubic_filter8` / `bicubic_filter32RGB`) over a band.
pub(super) fn bicubic<const C: usize>(b: &Band<'_, C>, dst: &mut Image<C>) -> bool {
    interpolate(b, dst, bicubic_px::<C>)
}
