//! The Superimpose v1 `resize_method` family (SPEC 3.2 step 3), in f32 on `c/255`.
//!
//! Every value is `c as f32 / 255`, the result goes back with `trunc(clamp(255·v, 0, 255))`.
//! Operations are written in the SPEC's order without fused multiply-adds, so an independent
//! float32 reference (numpy, `tests/pillow/gen_resample.py`) reproduces every byte.

use super::V1Method;
use crate::error::Result;
use crate::image::{check_dimensions, Image};

#[inline(always)]
fn to_byte(v: f32) -> u8 {
    // `as u8` truncates toward zero; the clamp keeps it in range (NaN cannot occur here).
    (255.0f32 * v).clamp(0.0, 255.0) as u8
}

fn unit_table() -> [f32; 256] {
    let mut t = [0f32; 256];
    for (c, v) in t.iter_mut().enumerate() {
        *v = c as f32 / 255.0f32;
    }
    t
}

/// SPEC 3.2 step 3: resize with `nearest-exact`, `bilinear` (half-pixel, no antialias) or
/// `area` (box mean over `[floor(i·in/out), ceil((i+1)·in/out))` per axis), in f32.
///
/// # Errors
/// `E_DIMENSIONS` for a 0-px target side, `E_IMAGE_TOO_LARGE` above the pixel limit.
pub fn resize_v1<const C: usize>(
    src: &Image<C>,
    width: u32,
    height: u32,
    method: V1Method,
) -> Result<Image<C>> {
    check_dimensions(width, height)?;
    let mut out = Image::<C>::new(width, height)?;
    let unit = unit_table();
    let (in_w, in_h) = (src.width(), src.height());
    let in_stride = in_w as usize * C;
    let out_stride = width as usize * C;
    let data = src.data();
    match method {
        V1Method::NearestExact => {
            let xs = nearest_exact_table(in_w, width);
            let ys = nearest_exact_table(in_h, height);
            let mut lut = [0u8; 256];
            for (l, &u) in lut.iter_mut().zip(unit.iter()) {
                *l = to_byte(u);
            }
            for (out_row, &y) in out.data_mut().chunks_exact_mut(out_stride).zip(&ys) {
                let row = &data[y * in_stride..(y + 1) * in_stride];
                for (px, &x) in out_row.chunks_exact_mut(C).zip(&xs) {
                    for c in 0..C {
                        px[c] = lut[row[x * C + c] as usize];
                    }
                }
            }
        }
        V1Method::Bilinear => {
            let xs = bilinear_table(in_w, width);
            let ys = bilinear_table(in_h, height);
            for (out_row, &(y0, y1, ly)) in out.data_mut().chunks_exact_mut(out_stride).zip(&ys) {
                let r0 = &data[y0 * in_stride..(y0 + 1) * in_stride];
                let r1 = &data[y1 * in_stride..(y1 + 1) * in_stride];
                let my = 1.0f32 - ly;
                for (px, &(x0, x1, lx)) in out_row.chunks_exact_mut(C).zip(&xs) {
                    let mx = 1.0f32 - lx;
                    for c in 0..C {
                        let p00 = unit[r0[x0 * C + c] as usize];
                        let p01 = unit[r0[x1 * C + c] as usize];
                        let p10 = unit[r1[x0 * C + c] as usize];
                        let p11 = unit[r1[x1 * C + c] as usize];
                        let top = p00 * mx + p01 * lx;
                        let bottom = p10 * mx + p11 * lx;
                        px[c] = to_byte(top * my + bottom * ly);
                    }
                }
            }
        }
        V1Method::Area => {
            let xs = area_table(in_w, width);
            let ys = area_table(in_h, height);
            for (out_row, &(ya, yb)) in out.data_mut().chunks_exact_mut(out_stride).zip(&ys) {
                for (px, &(xa, xb)) in out_row.chunks_exact_mut(C).zip(&xs) {
                    let count = ((yb - ya) * (xb - xa)) as f32;
                    let mut sum = [0f32; C];
                    for y in ya..yb {
                        let row = &data[y * in_stride + xa * C..y * in_stride + xb * C];
                        for p in row.chunks_exact(C) {
                            for c in 0..C {
                                sum[c] += unit[p[c] as usize];
                            }
                        }
                    }
                    for c in 0..C {
                        px[c] = to_byte(sum[c] / count);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// `src = min(floor((dst + 0.5)·s), in − 1)` with `s = in/out` in f32.
fn nearest_exact_table(in_len: u32, out_len: u32) -> Vec<usize> {
    let s = in_len as f32 / out_len as f32;
    let last = in_len as usize - 1;
    (0..out_len)
        .map(|d| (((d as f32 + 0.5f32) * s).floor() as usize).min(last))
        .collect()
}

/// `(i0, i1, λ)` per output index: `x = max(0, (dst + 0.5)·s − 0.5)`, `i0 = floor(x)`,
/// `i1 = i0 + (i0 < in − 1)`, `λ = clamp(x − i0, 0, 1)`.
fn bilinear_table(in_len: u32, out_len: u32) -> Vec<(usize, usize, f32)> {
    let s = in_len as f32 / out_len as f32;
    let last = in_len as usize - 1;
    (0..out_len)
        .map(|d| {
            let x = ((d as f32 + 0.5f32) * s - 0.5f32).max(0.0);
            let f = x.floor();
            let i0 = (f as usize).min(last);
            let i1 = if i0 < last { i0 + 1 } else { i0 };
            (i0, i1, (x - f).clamp(0.0, 1.0))
        })
        .collect()
}

/// `[floor(i·in/out), ceil((i+1)·in/out))` per output index, in exact integer arithmetic.
fn area_table(in_len: u32, out_len: u32) -> Vec<(usize, usize)> {
    let (n, m) = (in_len as u64, out_len as u64);
    (0..m)
        .map(|i| {
            let a = i * n / m;
            let b = ((i + 1) * n).div_ceil(m);
            (a as usize, (b as usize).max(a as usize + 1))
        })
        .collect()
}
