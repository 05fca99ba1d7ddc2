//! Scalar reference kernels of the two convolution passes (always compiled).

use super::filter::{clip8, Coefficients, ROUNDING};

/// Horizontal pass: rows `row0…` of `src` (`src_w` pixels of `C` bytes per row) into `dst`
/// (`coeffs.out_len()·C` bytes per row, as many rows as fit). Input pixel `i` of the table is
/// pixel `i − col_shift` of `src` (the source may be a column crop).
pub(crate) fn horizontal<const C: usize>(
    src: &[u8],
    src_w: usize,
    row0: usize,
    col_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    let in_stride = src_w * C;
    let out_stride = coeffs.out_len() * C;
    if out_stride == 0 || in_stride == 0 {
        return;
    }
    for (y, out_row) in dst.chunks_exact_mut(out_stride).enumerate() {
        let start = (row0 + y) * in_stride;
        let row = &src[start..start + in_stride];
        for (x, out_px) in out_row.chunks_exact_mut(C).enumerate() {
            let (first, ks) = coeffs.taps(x);
            let first = first - col_shift;
            let px = &row[first * C..(first + ks.len()) * C];
            let mut acc = [ROUNDING; C];
            for (p, &k) in px.chunks_exact(C).zip(ks) {
                for c in 0..C {
                    acc[c] = acc[c].wrapping_add((p[c] as i32).wrapping_mul(k));
                }
            }
            for c in 0..C {
                out_px[c] = clip8(acc[c]);
            }
        }
    }
}

/// Vertical pass over bytes (channel-agnostic: every byte column is independent).
///
/// Output row `yy` reads rows `taps(yy).0 − row_shift …` of `src` (row stride `src_stride`),
/// columns `[col0, col0 + len)` bytes; `dst` holds `coeffs.out_len()` rows of `len` bytes.
/// `acc` is scratch of at least `len` entries.
pub(crate) fn vertical(
    src: &[u8],
    src_stride: usize,
    col0: usize,
    row_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
    acc: &mut Vec<i32>,
) {
    let len = dst.len() / coeffs.out_len().max(1);
    if len == 0 {
        return;
    }
    acc.clear();
    acc.resize(len, 0);
    for (yy, out_row) in dst.chunks_exact_mut(len).enumerate() {
        let (first, ks) = coeffs.taps(yy);
        let first = first - row_shift;
        acc.fill(ROUNDING);
        for (j, &k) in ks.iter().enumerate() {
            let start = (first + j) * src_stride + col0;
            let row = &src[start..start + len];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a = a.wrapping_add((p as i32).wrapping_mul(k));
            }
        }
        for (o, &a) in out_row.iter_mut().zip(acc.iter()) {
            *o = clip8(a);
        }
    }
}
