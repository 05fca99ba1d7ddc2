//! wasm `simd128` kernels of the two convolution passes. Exact: the same i32 wrapping
//! arithmetic as [`super::scalar`], four lanes at a time; tested equal to it.

use super::filter::{clip8, Coefficients, PRECISION_BITS, ROUNDING};
use core::arch::wasm32::*;

/// Load 16 bytes. The slice is at least 16 bytes long (checked by the caller's slicing).
#[inline(always)]
fn load16(b: &[u8]) -> v128 {
    let b: &[u8; 16] = b[..16].try_into().unwrap_or(&[0; 16]);
    // SAFETY: `b` is a valid 16-byte array; wasm loads have no alignment requirement and
    // `read_unaligned` makes none.
    unsafe { core::ptr::read_unaligned(b.as_ptr() as *const v128) }
}

/// `clamp(acc >> 22, 0, 255)` of two i32x4 accumulators: bytes 0–3 from `a`, 4–7 from `b`.
#[inline(always)]
fn pack2(a: v128, b: v128) -> v128 {
    let s = PRECISION_BITS;
    let w = i16x8_narrow_i32x4(i32x4_shr(a, s), i32x4_shr(b, s));
    u8x16_narrow_i16x8(w, w)
}

/// Coefficients of one output pixel, split for `i32x4.dot_i16x8_s` (see [`horizontal`]):
/// per pair of taps `(k₀, k₁)`, the i16 lanes `[h₀, h₁]×4` and `[l₀, l₁]×4` with
/// `k = h·2¹¹ + l`, `l ∈ [0, 2¹¹)` (a missing second tap has `h = l = 0`).
struct Split {
    /// Pairs per output pixel.
    pairs: usize,
    /// `out_len × pairs × [hi, lo]`.
    v: Vec<[v128; 2]>,
}

/// Bits of the low half of a split coefficient.
const SPLIT: u32 = 11;

impl Split {
    /// `None` if a coefficient is too large to split into two i16 halves (|k| ≥ 2²⁶, a weight
    /// above 16: no kernel here produces one, but the scalar kernel handles it if so).
    fn new(coeffs: &Coefficients) -> Option<Split> {
        if coeffs
            .values
            .iter()
            .any(|&k| !(-(1 << 26)..(1 << 26)).contains(&k))
        {
            return None;
        }
        // Whole quads of taps per pixel (zero-padded), so most pixels need no remainder path.
        let pairs = coeffs.stride.div_ceil(4).max(1) * 2;
        let zero = i16x8_splat(0);
        let mut v = vec![[zero, zero]; coeffs.out_len() * pairs];
        for (i, out) in v.chunks_exact_mut(pairs).enumerate() {
            let (_, ks) = coeffs.taps(i);
            for (pair, slot) in ks.chunks(2).zip(out.iter_mut()) {
                let k0 = pair[0];
                let k1 = pair.get(1).copied().unwrap_or(0);
                // |k| < 2²⁶ (checked above), so h = k >> 11 ∈ [−2¹⁵, 2¹⁵) and l ∈ [0, 2¹¹)
                // both fit in i16.
                let (h0, l0) = ((k0 >> SPLIT) as i16, (k0 & ((1 << SPLIT) - 1)) as i16);
                let (h1, l1) = ((k1 >> SPLIT) as i16, (k1 & ((1 << SPLIT) - 1)) as i16);
                *slot = [
                    i16x8(h0, h1, h0, h1, h0, h1, h0, h1),
                    i16x8(l0, l1, l0, l1, l0, l1, l0, l1),
                ];
            }
        }
        Some(Split { pairs, v })
    }
}

/// The horizontal pass for RGBA: the per-call part, made once and shared by every chunk of rows
/// (see `crate::par`) — the split coefficients and each output pixel's taps — and
/// [`rows`](Self::rows) to run it.
///
/// Each 22-bit coefficient is split exactly as `k = h·2¹¹ + l` ([`Split`]), and two taps of
/// all four channels go through one `i32x4.dot_i16x8_s` per half: `Σ p·k = 2¹¹·Σ p·h + Σ p·l`.
/// The products `p·h`, `p·l` (|·| < 2²³) and their pairwise sums are exact in i32; the sums
/// over taps and the final combination wrap modulo 2³² exactly like the scalar kernel's
/// wrapping i32 accumulator, so the result is bit-identical.
pub(crate) struct HorizontalPlan {
    split: Split,
    /// Per output pixel: its first input pixel, its tap count (padded to whole quads where the
    /// row allows, see [`padded`]) and those quads, or 0 quads for the few pixels at the right
    /// edge whose padded quads would pass the row's end (they take [`taps`]). Checked here
    /// once, so the hot loop reads through pointers without per-pixel slicing.
    plan: Vec<(usize, usize, usize)>,
}

impl HorizontalPlan {
    /// `None` (use the scalar kernel) unless `C = 4` and the coefficients split.
    pub(crate) fn new<const C: usize>(
        coeffs: &Coefficients,
        src_w: usize,
        col_shift: usize,
    ) -> Option<HorizontalPlan> {
        if C != 4 {
            return None;
        }
        let split = Split::new(coeffs)?;
        let plan = (0..coeffs.out_len())
            .map(|x| {
                let (first, count) = coeffs.bounds[x];
                let first = (first as usize).wrapping_sub(col_shift);
                let n = padded(first, count as usize, src_w);
                let fits = n.is_multiple_of(4)
                    && first.checked_add(n).is_some_and(|end| end <= src_w)
                    && n / 2 <= split.pairs;
                (first, n, if fits { n / 4 } else { 0 })
            })
            .collect();
        Some(HorizontalPlan { split, plan })
    }

    /// Rows `row0…` of `src` (`src_w` RGBA pixels per row) into `dst` (as many output rows of
    /// the plan's width as fit).
    pub(crate) fn rows(&self, src: &[u8], src_w: usize, row0: usize, dst: &mut [u8]) {
        let (split, plan) = (&self.split, &self.plan);
        let in_stride = src_w * 4;
        let out_stride = plan.len() * 4;
        if out_stride == 0 || in_stride == 0 {
            return;
        }
        // V8 re-materialises a `v128.const` at every use (four instructions); masks that LLVM
        // cannot see as constants stay in registers across the loop.
        let m = core::hint::black_box([
            i8x16(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1),
            i8x16(8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1),
            i32x4_splat(ROUNDING),
        ]);
        let n_rows = dst.len() / out_stride;
        let mut y = 0;
        // Two rows per step share the coefficient loads and the per-pixel bookkeeping.
        while y + 2 <= n_rows {
            let start = (row0 + y) * in_stride;
            let (ra, rb) = src[start..start + 2 * in_stride].split_at(in_stride);
            let (oa, ob) = dst[y * out_stride..(y + 2) * out_stride].split_at_mut(out_stride);
            for ((pa, pb), (ks, &(first, n, quads))) in oa
                .chunks_exact_mut(4)
                .zip(ob.chunks_exact_mut(4))
                .zip(split.v.chunks_exact(split.pairs).zip(plan.iter()))
            {
                let (a, b) = if quads > 0 {
                    // SAFETY: `plan` checked first + 4·quads ≤ src_w, so bytes [4·first,
                    // 4·first + 16·quads) lie inside `ra` and `rb` (src_w·4 bytes each), and
                    // 2·quads ≤ pairs = ks.len().
                    let [ah, al, bh, bl] = unsafe {
                        quad_sums::<true>(
                            ra.as_ptr().add(4 * first),
                            rb.as_ptr().add(4 * first),
                            ks.as_ptr(),
                            quads,
                            &m,
                        )
                    };
                    (join(ah, al), join(bh, bl))
                } else {
                    let span = first * 4..(first + n) * 4;
                    taps::<true>(&ra[span.clone()], &rb[span], ks, n, &m)
                };
                let bytes = pack2(a, b);
                pa.copy_from_slice(&u32x4_extract_lane::<0>(bytes).to_le_bytes());
                pb.copy_from_slice(&u32x4_extract_lane::<1>(bytes).to_le_bytes());
            }
            y += 2;
        }
        if y < n_rows {
            let start = (row0 + y) * in_stride;
            let row = &src[start..start + in_stride];
            let out = &mut dst[y * out_stride..(y + 1) * out_stride];
            for (po, (ks, &(first, n, _))) in out
                .chunks_exact_mut(4)
                .zip(split.v.chunks_exact(split.pairs).zip(plan.iter()))
            {
                let px = &row[first * 4..(first + n) * 4];
                let (a, _) = taps::<false>(px, px, ks, n, &m);
                po.copy_from_slice(&u32x4_extract_lane::<0>(pack2(a, a)).to_le_bytes());
            }
        }
    }
}

/// The whole-quad part of [`taps`] through raw pointers: over `quads` quads of taps of the
/// RGBA pixels at `pa` (and `pb` when `TWO`) with the split coefficients at `k`, the sums
/// `[Σ p·h, 2²¹ + Σ p·l]` of row a and the same of row b (zeros unless `TWO`).
///
/// # Safety
/// `pa` (and `pb` when `TWO`) must be readable for `16·quads` bytes and `k` for `2·quads` pairs.
#[inline(always)]
unsafe fn quad_sums<const TWO: bool>(
    pa: *const u8,
    pb: *const u8,
    k: *const [v128; 2],
    quads: usize,
    m: &[v128; 3],
) -> [v128; 4] {
    let [m_lo, m_hi, round] = *m;
    let zero = i32x4_splat(0);
    let (mut ah, mut al, mut bh, mut bl) = (zero, round, zero, round);
    for j in 0..quads {
        // SAFETY: j < quads (the caller's contract).
        let (v, k0, k1) = unsafe {
            (
                v128_load(pa.add(16 * j).cast::<v128>()),
                *k.add(2 * j),
                *k.add(2 * j + 1),
            )
        };
        let (x0, x1) = (i8x16_swizzle(v, m_lo), i8x16_swizzle(v, m_hi));
        ah = i32x4_add(
            ah,
            i32x4_add(i32x4_dot_i16x8(x0, k0[0]), i32x4_dot_i16x8(x1, k1[0])),
        );
        al = i32x4_add(
            al,
            i32x4_add(i32x4_dot_i16x8(x0, k0[1]), i32x4_dot_i16x8(x1, k1[1])),
        );
        if TWO {
            // SAFETY: as above, for `pb`.
            let w = unsafe { v128_load(pb.add(16 * j).cast::<v128>()) };
            let (y0, y1) = (i8x16_swizzle(w, m_lo), i8x16_swizzle(w, m_hi));
            bh = i32x4_add(
                bh,
                i32x4_add(i32x4_dot_i16x8(y0, k0[0]), i32x4_dot_i16x8(y1, k1[0])),
            );
            bl = i32x4_add(
                bl,
                i32x4_add(i32x4_dot_i16x8(y0, k0[1]), i32x4_dot_i16x8(y1, k1[1])),
            );
        }
    }
    [ah, al, bh, bl]
}

/// `2^11·h + l` of the two halves.
#[inline(always)]
fn join(h: v128, l: v128) -> v128 {
    i32x4_add(i32x4_shl(h, SPLIT), l)
}

/// The tap count rounded up to whole quads when those pixels exist in the row (`first + n ≤
/// width`): the extra taps have coefficient 0 ([`Split`] pads with zeros), so they add
/// exactly 0 and the remainder path is skipped. Otherwise `count` itself.
#[inline(always)]
fn padded(first: usize, count: usize, width: usize) -> usize {
    let n = count.div_ceil(4) * 4;
    if first + n <= width {
        n
    } else {
        count
    }
}

/// `2²¹ + Σ p·k` over `count` taps of RGBA pixels `pa` (and `pb` when `TWO`), each `4·count`
/// bytes, with the split coefficients `ks` (≥ ⌈count / 2⌉ pairs); `m` = the two pair masks and
/// the rounding vector. See [`horizontal`] for why this is exact.
#[inline(always)]
fn taps<const TWO: bool>(
    pa: &[u8],
    pb: &[u8],
    ks: &[[v128; 2]],
    count: usize,
    m: &[v128; 3],
) -> (v128, v128) {
    let [m_lo, _, round] = *m;
    let pairs = count.div_ceil(2);
    if pa.len() != count * 4 || pb.len() != count * 4 || ks.len() < pairs {
        return (round, round); // unreachable: the callers slice exactly these lengths
    }
    let quads = count / 4;
    // SAFETY: 16·quads ≤ 4·count bytes of `pa` / `pb` (checked above) and 2·quads ≤
    // ⌈count / 2⌉ ≤ ks.len() pairs.
    let [mut ah, mut al, mut bh, mut bl] =
        unsafe { quad_sums::<TWO>(pa.as_ptr(), pb.as_ptr(), ks.as_ptr(), quads, m) };
    // One or two pairs left (4, 8 or 12 bytes), loaded as u64 / u32 lanes (no memcpy).
    let ra = &pa[quads * 16..];
    let rb = &pb[quads * 16..];
    let mut kp = ks[quads * 2..pairs].iter();
    let two = ra.len() & !7;
    if let (Ok(x), Ok(y)) = (
        <[u8; 8]>::try_from(&ra[..two]),
        <[u8; 8]>::try_from(&rb[..two]),
    ) {
        if let Some(k) = kp.next() {
            let x0 = i8x16_swizzle(u64x2(u64::from_le_bytes(x), 0), m_lo);
            ah = i32x4_add(ah, i32x4_dot_i16x8(x0, k[0]));
            al = i32x4_add(al, i32x4_dot_i16x8(x0, k[1]));
            if TWO {
                let y0 = i8x16_swizzle(u64x2(u64::from_le_bytes(y), 0), m_lo);
                bh = i32x4_add(bh, i32x4_dot_i16x8(y0, k[0]));
                bl = i32x4_add(bl, i32x4_dot_i16x8(y0, k[1]));
            }
        }
    }
    if let (Ok(x), Ok(y), Some(k)) = (
        <[u8; 4]>::try_from(&ra[two..]),
        <[u8; 4]>::try_from(&rb[two..]),
        kp.next(),
    ) {
        let x0 = i8x16_swizzle(u32x4(u32::from_le_bytes(x), 0, 0, 0), m_lo);
        ah = i32x4_add(ah, i32x4_dot_i16x8(x0, k[0]));
        al = i32x4_add(al, i32x4_dot_i16x8(x0, k[1]));
        if TWO {
            let y0 = i8x16_swizzle(u32x4(u32::from_le_bytes(y), 0, 0, 0), m_lo);
            bh = i32x4_add(bh, i32x4_dot_i16x8(y0, k[0]));
            bl = i32x4_add(bl, i32x4_dot_i16x8(y0, k[1]));
        }
    }
    (join(ah, al), join(bh, bl))
}

/// The most taps for which the vertical pass runs [`column_pairs8`].
const PAIR_TAPS: usize = 8;

/// 8 output bytes of the vertical pass down the columns at `p` (rows `stride` apart), two
/// taps per step: the two rows' bytes interleaved into `[p₀, p₁]` i16 pairs and multiplied by
/// the split coefficient pairs `kp` ([`Split`]) with `i32x4.dot_i16x8_s` — exact for the reason
/// given at [`horizontal`]. A missing second tap of an odd count has coefficient 0 and reads
/// the first row again.
///
/// # Safety
/// `count` rows of 8 bytes from `p`, `stride` apart, must be readable, and
/// `kp.len() ≥ ⌈count / 2⌉`.
#[inline(always)]
unsafe fn column_pairs8(
    p: *const u8,
    stride: usize,
    count: usize,
    kp: &[[v128; 2]],
    round: v128,
) -> v128 {
    let zero = i32x4_splat(0);
    let (mut h0, mut h1, mut l0, mut l1) = (zero, zero, round, round);
    for (j, k) in kp.iter().enumerate() {
        let r0 = 2 * j * stride;
        let r1 = if 2 * j + 1 < count { r0 + stride } else { r0 };
        // SAFETY: rows 2j and 2j + 1 (or 2j again) < count, the caller's contract.
        let (a, b) = unsafe {
            (
                v128_load64_zero(p.add(r0).cast::<u64>()),
                v128_load64_zero(p.add(r1).cast::<u64>()),
            )
        };
        let il = i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(a, b);
        let (e0, e1) = (u16x8_extend_low_u8x16(il), u16x8_extend_high_u8x16(il));
        h0 = i32x4_add(h0, i32x4_dot_i16x8(e0, k[0]));
        h1 = i32x4_add(h1, i32x4_dot_i16x8(e1, k[0]));
        l0 = i32x4_add(l0, i32x4_dot_i16x8(e0, k[1]));
        l1 = i32x4_add(l1, i32x4_dot_i16x8(e1, k[1]));
    }
    pack2(join(h0, l0), join(h1, l1))
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
    // Only tables of at most PAIR_TAPS taps per row (`stride` is the most) use the two-row step.
    let split = (coeffs.stride <= PAIR_TAPS)
        .then(|| Split::new(coeffs))
        .flatten();
    // Kept in a register across the loop (see `horizontal`).
    let round_reg = core::hint::black_box(round);
    for (yy, out_row) in dst.chunks_exact_mut(len).enumerate() {
        let (first, ks) = coeffs.taps(yy);
        let first = first - row_shift;
        let mut x = 0;
        // Two taps (rows) per step where the split coefficients exist (tables of few taps:
        // upscales, mild downscales, where it is 10–15 % faster; with 13+ taps 8-byte steps
        // down rows a power-of-two stride apart thrash L1 and the 16-byte path below wins) and
        // every row read lies inside `src` (checked once per output row).
        let at = first * src_stride + col0;
        let last = (first + ks.len()).saturating_sub(1) * src_stride + col0 + len;
        if let Some(kp) = split
            .as_ref()
            .filter(|_| last <= src.len() && !ks.is_empty())
            .and_then(|s| s.v.get(yy * s.pairs..yy * s.pairs + ks.len().div_ceil(2)))
        {
            while x + 8 <= len {
                // SAFETY: rows first .. first + count of columns [col0 + x, col0 + x + 8) lie
                // inside `src` (last ≤ src.len() above, x + 8 ≤ len).
                let b = unsafe {
                    column_pairs8(
                        src.as_ptr().add(at + x),
                        src_stride,
                        ks.len(),
                        kp,
                        round_reg,
                    )
                };
                if let Some(o) = out_row.get_mut(x..x + 8) {
                    o.copy_from_slice(&u64x2_extract_lane::<0>(b).to_le_bytes());
                }
                x += 8;
            }
        }
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
