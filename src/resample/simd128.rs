//! wasm `simd128` kernels of the two convolution passes. Exact: the same i32 wrapping
//! arithmetic as [`super::scalar`], four lanes at a time; tested equal to it.

use super::filter::{clip8, Coefficients, PRECISION_BITS, ROUNDING};
use super::scalar;
use core::arch::wasm32::*;

/// Load 16 bytes. The slice is at least 16 bytes long (checked by the caller's slicing).
#[inline(always)]
fn load16(b: &[u8]) -> v128 {
    let b: &[u8; 16] = b[..16].try_into().unwrap_or(&[0; 16]);
    // SAFETY: `b` is a valid 16-byte array; wasm loads have no alignment requirement and
    // `read_unaligned` makes none.
    unsafe { core::ptr::read_unaligned(b.as_ptr() as *const v128) }
}

/// Load one 4-byte pixel into the low lane.
#[inline(always)]
fn load4(b: &[u8]) -> v128 {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    u32x4(v, 0, 0, 0)
}

/// `clamp(acc >> 22, 0, 255)` of four i32 lanes, packed into the low 4 bytes.
#[inline(always)]
fn pack4(acc: v128) -> u32 {
    let s = i32x4_shr(acc, PRECISION_BITS);
    let w = i16x8_narrow_i32x4(s, s);
    let b = u8x16_narrow_i16x8(w, w);
    u32x4_extract_lane::<0>(b)
}

/// Horizontal pass; `C = 4` runs four channels per pixel in one i32x4, other `C` use scalar.
pub(crate) fn horizontal<const C: usize>(
    src: &[u8],
    src_w: usize,
    row0: usize,
    col_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    if C != 4 {
        return scalar::horizontal::<C>(src, src_w, row0, col_shift, coeffs, dst);
    }
    let in_stride = src_w * 4;
    let out_stride = coeffs.out_len() * 4;
    if out_stride == 0 || in_stride == 0 {
        return;
    }
    for (y, out_row) in dst.chunks_exact_mut(out_stride).enumerate() {
        let start = (row0 + y) * in_stride;
        let row = &src[start..start + in_stride];
        for (x, out_px) in out_row.chunks_exact_mut(4).enumerate() {
            let (first, ks) = coeffs.taps(x);
            let first = first - col_shift;
            let px = &row[first * 4..(first + ks.len()) * 4];
            let mut acc = i32x4_splat(ROUNDING);
            let mut pc = px.chunks_exact(16);
            let mut kc = ks.chunks_exact(4);
            for (p, k) in (&mut pc).zip(&mut kc) {
                let v = load16(p);
                let lo = u16x8_extend_low_u8x16(v);
                let hi = u16x8_extend_high_u8x16(v);
                let p0 = u32x4_extend_low_u16x8(lo);
                let p1 = u32x4_extend_high_u16x8(lo);
                let p2 = u32x4_extend_low_u16x8(hi);
                let p3 = u32x4_extend_high_u16x8(hi);
                let s01 = i32x4_add(
                    i32x4_mul(p0, i32x4_splat(k[0])),
                    i32x4_mul(p1, i32x4_splat(k[1])),
                );
                let s23 = i32x4_add(
                    i32x4_mul(p2, i32x4_splat(k[2])),
                    i32x4_mul(p3, i32x4_splat(k[3])),
                );
                acc = i32x4_add(acc, i32x4_add(s01, s23));
            }
            for (p, &k) in pc.remainder().chunks_exact(4).zip(kc.remainder()) {
                let v = u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(load4(p)));
                acc = i32x4_add(acc, i32x4_mul(v, i32x4_splat(k)));
            }
            out_px.copy_from_slice(&pack4(acc).to_le_bytes());
        }
    }
}

/// Vertical pass over bytes, 16 byte columns per step (four i32x4 accumulators).
pub(crate) fn vertical(
    src: &[u8],
    src_stride: usize,
    col0: usize,
    row_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    let len = dst.len() / coeffs.out_len().max(1);
    if len == 0 {
        return;
    }
    let round = i32x4_splat(ROUNDING);
    for (yy, out_row) in dst.chunks_exact_mut(len).enumerate() {
        let (first, ks) = coeffs.taps(yy);
        let first = first - row_shift;
        let mut x = 0;
        while x + 16 <= len {
            let (mut a0, mut a1, mut a2, mut a3) = (round, round, round, round);
            for (j, &k) in ks.iter().enumerate() {
                let start = (first + j) * src_stride + col0 + x;
                let v = load16(&src[start..start + 16]);
                let kv = i32x4_splat(k);
                let lo = u16x8_extend_low_u8x16(v);
                let hi = u16x8_extend_high_u8x16(v);
                a0 = i32x4_add(a0, i32x4_mul(u32x4_extend_low_u16x8(lo), kv));
                a1 = i32x4_add(a1, i32x4_mul(u32x4_extend_high_u16x8(lo), kv));
                a2 = i32x4_add(a2, i32x4_mul(u32x4_extend_low_u16x8(hi), kv));
                a3 = i32x4_add(a3, i32x4_mul(u32x4_extend_high_u16x8(hi), kv));
            }
            let s = PRECISION_BITS;
            let w0 = i16x8_narrow_i32x4(i32x4_shr(a0, s), i32x4_shr(a1, s));
            let w1 = i16x8_narrow_i32x4(i32x4_shr(a2, s), i32x4_shr(a3, s));
            let b = u8x16_narrow_i16x8(w0, w1);
            let out: &mut [u8; 16] = match (&mut out_row[x..x + 16]).try_into() {
                Ok(o) => o,
                Err(_) => return,
            };
            // SAFETY: `out` is a valid, writable 16-byte array; no alignment is required.
            unsafe { core::ptr::write_unaligned(out.as_mut_ptr() as *mut v128, b) };
            x += 16;
        }
        for (i, o) in out_row.iter_mut().enumerate().skip(x) {
            let mut acc = ROUNDING;
            for (j, &k) in ks.iter().enumerate() {
                let p = src[(first + j) * src_stride + col0 + i];
                acc = acc.wrapping_add((p as i32).wrapping_mul(k));
            }
            *o = clip8(acc);
        }
    }
}
