//! wasm `simd128` composite kernel: the same per-pixel `R` as the scalar kernel, with the mask
//! test and `MIX` / `DIV255` done four pixels at a time.
//!
//! Per 16-byte group (4 RGBA pixels): all four masks 0 → nothing to do; otherwise `R` is
//! computed per pixel (table lookups or the formula, exactly as in `scalar.rs`; pixels with
//! `m = 0` are not evaluated since MIX ignores their `R`); all four masks 255 → store `R`;
//! else `t = b·(255−m) + r·m + 128`, `((t >> 8) + t) >> 8` in `u16x8` lanes (t ≤ 65 153 and
//! (t >> 8) + t ≤ 65 407 fit), which is `crate::math::mix` bit for bit. The alpha lane gets
//! `m = 0`, so the base alpha passes through unchanged. Leftover pixels use the scalar kernel.

use super::scalar;
use core::arch::wasm32::*;

/// `DIV255(b·(255−m) + r·m)` on eight u16 lanes.
#[inline(always)]
fn mix16(b: v128, r: v128, m: v128, im: v128) -> v128 {
    let t = u16x8_add(
        u16x8_add(u16x8_mul(b, im), u16x8_mul(r, m)),
        u16x8_splat(128),
    );
    u16x8_shr(u16x8_add(u16x8_shr(t, 8), t), 8)
}

/// MIX of 16 bytes (4 pixels): `b` base, `r` the blend result, `sv` the source whose 4th bytes
/// are the masks. The alpha lanes get `m = 0`, so the base alpha passes through unchanged.
#[inline(always)]
fn mix_group(bv: v128, rv: v128, sv: v128) -> v128 {
    let m = i8x16_shuffle::<3, 3, 3, 16, 7, 7, 7, 16, 11, 11, 11, 16, 15, 15, 15, 16>(
        sv,
        u8x16_splat(0),
    );
    let im = u8x16_sub(u8x16_splat(255), m);
    let lo = mix16(
        u16x8_extend_low_u8x16(bv),
        u16x8_extend_low_u8x16(rv),
        u16x8_extend_low_u8x16(m),
        u16x8_extend_low_u8x16(im),
    );
    let hi = mix16(
        u16x8_extend_high_u8x16(bv),
        u16x8_extend_high_u8x16(rv),
        u16x8_extend_high_u8x16(m),
        u16x8_extend_high_u8x16(im),
    );
    // Lanes are ≤ 255, so the signed saturating narrow is exact.
    u8x16_narrow_i16x8(lo, hi)
}

/// `R` of 4 RGBA pixels (`bv` base, `sv` source): per colour byte `t[(b << 8) | s]`, alpha bytes
/// from the base. The table indices are formed in registers by interleaving the two vectors'
/// bytes (u16 lane = `s | b << 8`), so each channel costs one lane extract, one byte load and
/// one lane insert.
#[inline(always)]
fn table_group(t: &[u8; 65536], bv: v128, sv: v128) -> v128 {
    let lo = i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(sv, bv);
    let hi = i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(sv, bv);
    // u16 indices are always inside the 65 536-entry table.
    let r = bv;
    let r = u8x16_replace_lane::<0>(r, t[usize::from(u16x8_extract_lane::<0>(lo))]);
    let r = u8x16_replace_lane::<1>(r, t[usize::from(u16x8_extract_lane::<1>(lo))]);
    let r = u8x16_replace_lane::<2>(r, t[usize::from(u16x8_extract_lane::<2>(lo))]);
    let r = u8x16_replace_lane::<4>(r, t[usize::from(u16x8_extract_lane::<4>(lo))]);
    let r = u8x16_replace_lane::<5>(r, t[usize::from(u16x8_extract_lane::<5>(lo))]);
    let r = u8x16_replace_lane::<6>(r, t[usize::from(u16x8_extract_lane::<6>(lo))]);
    let r = u8x16_replace_lane::<8>(r, t[usize::from(u16x8_extract_lane::<0>(hi))]);
    let r = u8x16_replace_lane::<9>(r, t[usize::from(u16x8_extract_lane::<1>(hi))]);
    let r = u8x16_replace_lane::<10>(r, t[usize::from(u16x8_extract_lane::<2>(hi))]);
    let r = u8x16_replace_lane::<12>(r, t[usize::from(u16x8_extract_lane::<4>(hi))]);
    let r = u8x16_replace_lane::<13>(r, t[usize::from(u16x8_extract_lane::<5>(hi))]);
    u8x16_replace_lane::<14>(r, t[usize::from(u16x8_extract_lane::<6>(hi))])
}

/// The composite for the per-channel modes once their table exists: as [`composite`] with
/// `R = table[(b << 8) | s]`, with no per-pixel branch (the lookups run for `m = 0` pixels too;
/// MIX ignores their `R`) and the four results built in registers.
#[inline(always)]
pub(crate) fn composite_table(base: &mut [u8], src: &[u8], t: &[u8; 65536]) {
    let len = base.len().min(src.len());
    let body = len / 16 * 16;
    let (b_body, b_tail) = base.split_at_mut(body);
    let (s_body, s_tail) = src.split_at(body);
    let alpha = u32x4_splat(0xFF00_0000);
    for (bc, sc) in b_body.chunks_exact_mut(16).zip(s_body.chunks_exact(16)) {
        // SAFETY: `sc` and `bc` are exactly 16 bytes; `v128_load` has no alignment requirement.
        let sv = unsafe { v128_load(sc.as_ptr().cast::<v128>()) };
        let mbits = v128_and(sv, alpha);
        if !v128_any_true(mbits) {
            continue;
        }
        // SAFETY: as above.
        let bv = unsafe { v128_load(bc.as_ptr().cast::<v128>()) };
        let rv = table_group(t, bv, sv);
        let out = if u32x4_all_true(i32x4_eq(mbits, alpha)) {
            rv
        } else {
            mix_group(bv, rv, sv)
        };
        // SAFETY: `bc` is exactly 16 bytes; unaligned store.
        unsafe { v128_store(bc.as_mut_ptr().cast::<v128>(), out) };
    }
    scalar::composite(b_tail, s_tail, |_, b, s| {
        [0, 1, 2].map(|c| t[(usize::from(b[c]) << 8) | usize::from(s[c])])
    });
}

/// See the module docs; `blend(i, base_rgb, src_rgb)` gives `R` of pixel `i` of the run.
#[inline(always)]
pub(crate) fn composite<F>(base: &mut [u8], src: &[u8], blend: F)
where
    F: Fn(usize, [u8; 3], [u8; 3]) -> [u8; 3],
{
    let len = base.len().min(src.len());
    let body = len / 16 * 16;
    let (b_body, b_tail) = base.split_at_mut(body);
    let (s_body, s_tail) = src.split_at(body);
    let alpha = u32x4_splat(0xFF00_0000);
    for (k, (bc, sc)) in b_body
        .chunks_exact_mut(16)
        .zip(s_body.chunks_exact(16))
        .enumerate()
    {
        // SAFETY: `sc` is exactly 16 bytes; `v128_load` has no alignment requirement.
        let sv = unsafe { v128_load(sc.as_ptr().cast::<v128>()) };
        let mbits = v128_and(sv, alpha);
        if !v128_any_true(mbits) {
            continue;
        }
        let mut r = [0u8; 16];
        for p in 0..4 {
            let o = 4 * p;
            let (Some(bp), Some(sp), Some(rp)) =
                (bc.get(o..o + 4), sc.get(o..o + 4), r.get_mut(o..o + 4))
            else {
                continue; // unreachable: o + 4 ≤ 16
            };
            let px = if sp[3] == 0 {
                [bp[0], bp[1], bp[2]]
            } else {
                blend(4 * k + p, [bp[0], bp[1], bp[2]], [sp[0], sp[1], sp[2]])
            };
            rp[..3].copy_from_slice(&px);
            rp[3] = bp[3];
        }
        // SAFETY: `r` is 16 bytes; unaligned load.
        let rv = unsafe { v128_load(r.as_ptr().cast::<v128>()) };
        let out = if u32x4_all_true(i32x4_eq(mbits, alpha)) {
            rv
        } else {
            // SAFETY: `bc` is exactly 16 bytes; unaligned load.
            let bv = unsafe { v128_load(bc.as_ptr().cast::<v128>()) };
            mix_group(bv, rv, sv)
        };
        // SAFETY: `bc` is exactly 16 bytes; unaligned store.
        unsafe { v128_store(bc.as_mut_ptr().cast::<v128>(), out) };
    }
    let first = body / 4;
    scalar::composite(b_tail, s_tail, |i, b, s| blend(first + i, b, s));
}
