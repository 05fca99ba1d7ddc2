//! Owned 8-bit pixel buffers with checked constructors, and the global pixel limit.

use crate::error::{Error, ErrorCode, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// Default maximum number of pixels of any image the crate creates or accepts (64 MP).
pub const DEFAULT_MAX_PIXELS: u64 = 64 * 1024 * 1024;

static MAX_PIXELS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_PIXELS);

/// The current pixel limit.
pub fn max_pixels() -> u64 {
    MAX_PIXELS.load(Ordering::Relaxed)
}

/// Set the pixel limit (at least 1). Images with more pixels are refused before allocation.
///
/// # Errors
/// `E_PARAM_RANGE` when `limit` is 0.
pub fn set_max_pixels(limit: u64) -> Result<()> {
    if limit == 0 {
        return Err(Error::range("maxPixels", "`maxPixels` must be at least 1"));
    }
    MAX_PIXELS.store(limit, Ordering::Relaxed);
    Ok(())
}

/// Check that a `width × height` image is allowed: both sides ≥ 1 and within the pixel limit.
///
/// # Errors
/// `E_DIMENSIONS` for a 0-px side, `E_IMAGE_TOO_LARGE` above the limit.
pub fn check_dimensions(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::dimensions(format!(
            "image size must be at least 1×1 px; got {width}×{height}"
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    let limit = max_pixels();
    if pixels > limit {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            format!("image of {width}×{height} = {pixels} px exceeds the limit of {limit} px"),
        ));
    }
    Ok(())
}

/// Default working-memory budget of one call: 1 GiB (wasm32 memory is at most 4 GiB, and
/// browsers often refuse to grow a page's memory far beyond 2 GiB).
pub const DEFAULT_MEMORY_BUDGET: u64 = 1 << 30;

static MEMORY_BUDGET: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_BUDGET);

/// The current working-memory budget in bytes.
pub fn memory_budget() -> u64 {
    MEMORY_BUDGET.load(Ordering::Relaxed)
}

/// Set the working-memory budget of one call, in bytes (at least 1 MiB). A decode or pipeline
/// whose estimated peak (see [`estimate`]) exceeds it is refused with `E_MEMORY_BUDGET` before
/// its large buffers are allocated. The pixel limit ([`set_max_pixels`]) applies as well.
///
/// # Errors
/// `E_PARAM_RANGE` when `bytes` is below 1 MiB.
pub fn set_memory_budget(bytes: u64) -> Result<()> {
    if bytes < 1 << 20 {
        return Err(Error::range(
            "memoryBudget",
            format!("`memoryBudget` must be at least 1 MiB (1048576 bytes); got {bytes}"),
        ));
    }
    MEMORY_BUDGET.store(bytes, Ordering::Relaxed);
    Ok(())
}

/// Refuse `bytes` of estimated peak working memory for `what` when it exceeds the budget.
///
/// # Errors
/// `E_MEMORY_BUDGET`.
pub fn check_budget(what: &str, bytes: u64) -> Result<()> {
    let budget = memory_budget();
    if bytes > budget {
        return Err(Error::new(
            ErrorCode::MemoryBudget,
            format!(
                "{what} needs an estimated {} MiB of working memory, over the budget of {} MiB \
                 (setMemoryBudget); use smaller images or scale factors",
                bytes.div_ceil(1 << 20),
                budget.div_ceil(1 << 20)
            ),
        ));
    }
    Ok(())
}

/// Upper-bound estimates of the bytes an operation holds at its peak, computed from sizes only
/// (before anything is allocated). All arithmetic saturates, so absurd sizes give `u64::MAX`.
pub mod estimate {
    /// Bytes of a `w × h` buffer with `bpp` bytes per pixel.
    pub fn buffer(w: u64, h: u64, bpp: u64) -> u64 {
        w.saturating_mul(h).saturating_mul(bpp)
    }

    /// Decoding a `w × h` image: the decoder's buffer (up to 8 bytes per pixel for 16-bit RGBA)
    /// plus the RGBA8 result.
    pub fn decode(w: u32, h: u32) -> u64 {
        buffer(w.into(), h.into(), 8 + 4)
    }

    /// A separable resize of a `w × h` RGBA image to `w1 × h1`: the premultiplied copy, the
    /// horizontal pass's `w1 × h` result, the output, and the coefficient tables (at most
    /// about 6 taps per source pixel for lanczos when shrinking, 8 bytes each).
    pub fn resize(w: u32, h: u32, w1: u32, h1: u32) -> u64 {
        let (w, h, w1, h1) = (u64::from(w), u64::from(h), u64::from(w1), u64::from(h1));
        buffer(w, h, 4)
            .saturating_add(buffer(w1, h, 4))
            .saturating_add(buffer(w1, h1, 4))
            .saturating_add(
                w.saturating_add(h)
                    .saturating_mul(6)
                    .saturating_add(w1)
                    .saturating_add(h1)
                    .saturating_mul(7 * 8),
            )
    }

    /// The canvas of a `w × h` image rotated by `degrees` with `expand` (Pillow's bounding box,
    /// rounded up, plus a pixel of slack on each side).
    pub fn rotated_size(w: u32, h: u32, degrees: f64) -> (u64, u64) {
        let r = (degrees % 360.0).to_radians();
        let (s, c) = (r.sin().abs(), r.cos().abs());
        let (w, h) = (f64::from(w), f64::from(h));
        let rw = (w * c + h * s).ceil() + 2.0;
        let rh = (w * s + h * c).ceil() + 2.0;
        // `as` saturates (NaN → 0); the sides are at most about 1.42 × 2^32 anyway.
        (rw as u64, rh as u64)
    }

    /// Rotating a `w × h` RGBA image: its premultiplied copy and the expanded canvas.
    pub fn rotate(w: u32, h: u32, degrees: f64) -> u64 {
        let (rw, rh) = rotated_size(w, h, degrees);
        buffer(w.into(), h.into(), 4).saturating_add(buffer(rw, rh, 4))
    }

    /// Encoding a `w × h` image as PNG and then base64: the RGB copy, the compressed stream (at
    /// worst a little over the raw size) and the base64 text.
    pub fn encode_base64(w: u32, h: u32) -> u64 {
        buffer(w.into(), h.into(), 3 + 4 + 6)
    }
}

/// An owned image with `C` interleaved 8-bit channels per pixel, rows packed without padding.
///
/// `Image<4>` ([`RgbaImage`]) is RGBA; `Image<1>` ([`GrayImage`]) is a single plane
/// (luminance or an alpha mask).
#[derive(Clone, PartialEq, Eq)]
pub struct Image<const C: usize> {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// RGBA, 4 bytes per pixel.
pub type RgbaImage = Image<4>;
/// One 8-bit plane.
pub type GrayImage = Image<1>;

impl<const C: usize> std::fmt::Debug for Image<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image<{C}>({}×{})", self.width, self.height)
    }
}

impl<const C: usize> Image<C> {
    /// Channels per pixel.
    pub const CHANNELS: usize = C;

    /// A zero-filled image.
    ///
    /// # Errors
    /// See [`check_dimensions`].
    pub fn new(width: u32, height: u32) -> Result<Self> {
        Self::filled(width, height, [0; C])
    }

    /// An image with every pixel set to `pixel`.
    ///
    /// # Errors
    /// See [`check_dimensions`].
    pub fn filled(width: u32, height: u32, pixel: [u8; C]) -> Result<Self> {
        check_dimensions(width, height)?;
        let n = width as usize * height as usize;
        let data = if pixel.iter().all(|&v| v == pixel[0]) {
            vec![pixel[0]; n * C]
        } else {
            pixel.iter().copied().cycle().take(n * C).collect()
        };
        Ok(Image {
            width,
            height,
            data,
        })
    }

    /// Wrap an existing buffer.
    ///
    /// # Errors
    /// `E_BUFFER_SIZE` when `data.len() != width × height × C`, plus [`check_dimensions`].
    pub fn from_vec(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        check_dimensions(width, height)?;
        let expected = width as u64 * height as u64 * C as u64;
        if data.len() as u64 != expected {
            return Err(Error::new(
                ErrorCode::BufferSize,
                format!(
                    "pixel data of a {width}×{height} image with {C} channel(s) must be {expected} bytes; got {}",
                    data.len()
                ),
            ));
        }
        Ok(Image {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel bytes, row-major.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The pixel bytes, mutable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Give up the buffer.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }

    /// Row `y` (`width × C` bytes). Panics if `y >= height` (internal use with checked indices).
    pub fn row(&self, y: u32) -> &[u8] {
        let stride = self.width as usize * C;
        &self.data[y as usize * stride..(y as usize + 1) * stride]
    }

    /// Row `y`, mutable.
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        let stride = self.width as usize * C;
        &mut self.data[y as usize * stride..(y as usize + 1) * stride]
    }

    /// Pixel at (x, y). Panics when out of range (internal use with checked indices).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; C] {
        let i = (y as usize * self.width as usize + x as usize) * C;
        let mut p = [0u8; C];
        p.copy_from_slice(&self.data[i..i + C]);
        p
    }
}

impl RgbaImage {
    /// Extract channel `c` (0..4) as a plane.
    pub fn channel(&self, c: usize) -> GrayImage {
        let data = self.data.chunks_exact(4).map(|p| p[c & 3]).collect();
        Image {
            width: self.width,
            height: self.height,
            data,
        }
    }

    /// Premultiply RGB by alpha in place (SPEC 1.1: `c' = DIV255(c·a)`).
    /// Rows are split across the threads of the pool ([`crate::par`]).
    pub fn premultiply(&mut self) {
        let backend = crate::simd::backend();
        let row = self.width as usize * 4;
        crate::par::rows_mut(&mut self.data, row, |_, part| match backend {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            crate::simd::Backend::Simd128 => simd128::premultiply(part),
            _ => premultiply_scalar(part),
        });
    }

    /// Undo [`premultiply`](Self::premultiply) in place (SPEC 1.1): alpha 0 or 255 keeps the
    /// stored values, else `c = min(255, trunc(255·c'/a))`.
    /// Rows are split across the threads of the pool ([`crate::par`]).
    pub fn unpremultiply(&mut self) {
        let backend = crate::simd::backend();
        let row = self.width as usize * 4;
        crate::par::rows_mut(&mut self.data, row, |_, part| match backend {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            crate::simd::Backend::Simd128 => simd128::unpremultiply(part),
            _ => unpremultiply_scalar(part),
        });
    }

    /// Set every alpha byte to 255 (RGB kept as stored).
    /// Rows are split across the threads of the pool ([`crate::par`]).
    pub fn set_opaque(&mut self) {
        let row = self.width as usize * 4;
        crate::par::rows_mut(&mut self.data, row, |_, part| Self::set_opaque_run(part));
    }

    /// [`set_opaque`](Self::set_opaque) on the calling thread only: for a few hundred KiB
    /// already in cache (a streamed block), where handing chunks to the pool costs more than the
    /// pass.
    pub fn set_opaque_unsplit(&mut self) {
        Self::set_opaque_run(&mut self.data);
    }

    /// [`set_opaque`](Self::set_opaque) on a run of whole pixels: 64 bytes per step as four
    /// `v128.or` on wasm simd128.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn set_opaque_run(data: &mut [u8]) {
        use core::arch::wasm32::{u32x4_splat, v128, v128_load, v128_or, v128_store};
        let body = data.len() / 64 * 64;
        let (head, tail) = data.split_at_mut(body);
        let mask = u32x4_splat(0xFF00_0000);
        for c in head.chunks_exact_mut(64) {
            let p = c.as_mut_ptr().cast::<v128>();
            // SAFETY: `c` is exactly 64 bytes (four v128); wasm loads and stores need no
            // alignment.
            unsafe {
                let v = [
                    v128_load(p),
                    v128_load(p.add(1)),
                    v128_load(p.add(2)),
                    v128_load(p.add(3)),
                ];
                for (k, x) in v.into_iter().enumerate() {
                    v128_store(p.add(k), v128_or(x, mask));
                }
            }
        }
        for p in tail.chunks_exact_mut(4) {
            p[3] = 255;
        }
    }

    /// [`set_opaque`](Self::set_opaque) on a run of whole pixels.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    fn set_opaque_run(data: &mut [u8]) {
        let body = data.len() / 16 * 16;
        let (head, tail) = data.split_at_mut(body);
        // Four pixels per step as one u128 OR, the ragged tail per pixel.
        let mask = u128::from_le_bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
        for c in head.chunks_exact_mut(16) {
            let mut b = [0u8; 16];
            b.copy_from_slice(c);
            c.copy_from_slice(&(u128::from_le_bytes(b) | mask).to_le_bytes());
        }
        for p in tail.chunks_exact_mut(4) {
            p[3] = 255;
        }
    }

    /// Whether every pixel has alpha 255 (branch-free over 16-pixel blocks, so it vectorises).
    pub fn is_opaque(&self) -> bool {
        opaque_rgba(&self.data)
    }

    /// Whether any pixel has alpha < 255.
    pub fn has_transparency(&self) -> bool {
        !self.is_opaque()
    }
}

/// Whether every 4th byte (the alpha of RGBA bytes) is 255 (branch-free over 16-pixel
/// blocks, so it vectorises).
pub(crate) fn opaque_rgba(data: &[u8]) -> bool {
    // 64-byte rows for the split across the pool's threads, the ragged tail checked here.
    let body = data.len() / 64 * 64;
    crate::par::rows_all(&data[..body], 64, opaque_rgba_run) && opaque_rgba_run(&data[body..])
}

/// [`opaque_rgba`] on one run of pixels (branch-free over 16-pixel blocks).
fn opaque_rgba_run(data: &[u8]) -> bool {
    let blocks = data.chunks_exact(64);
    let tail = blocks.remainder();
    blocks
        .into_iter()
        .all(|b| b.iter().skip(3).step_by(4).fold(255u8, |a, &x| a & x) == 255)
        && tail.iter().skip(3).step_by(4).all(|&x| x == 255)
}

/// Scalar reference of [`RgbaImage::premultiply`] on RGBA bytes.
fn premultiply_scalar(data: &mut [u8]) {
    for p in data.chunks_exact_mut(4) {
        let a = p[3] as u32;
        for c in &mut p[..3] {
            *c = crate::math::div255(*c as u32 * a) as u8;
        }
    }
}

/// Scalar reference of [`RgbaImage::unpremultiply`] on RGBA bytes.
fn unpremultiply_scalar(data: &mut [u8]) {
    for p in data.chunks_exact_mut(4) {
        let a = p[3] as u32;
        if a != 0 && a != 255 {
            for c in &mut p[..3] {
                *c = (255 * *c as u32 / a).min(255) as u8;
            }
        }
    }
}

/// wasm `simd128` premultiply / un-premultiply, four pixels per step, bit-identical to the
/// scalar reference (tested equal on every (c, a) pair).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::*;

    #[inline(always)]
    fn load(b: &[u8]) -> v128 {
        // SAFETY: callers pass exactly 16 bytes; wasm loads need no alignment.
        unsafe { v128_load(b.as_ptr().cast::<v128>()) }
    }

    #[inline(always)]
    fn store(b: &mut [u8], v: v128) {
        // SAFETY: callers pass exactly 16 writable bytes; wasm stores need no alignment.
        unsafe { v128_store(b.as_mut_ptr().cast::<v128>(), v) }
    }

    /// `DIV255(c·m)` on eight u16 lanes (`c·m ≤ 65 025`, so `t` and `(t >> 8) + t` fit).
    #[inline(always)]
    fn div255_mul(c: v128, m: v128) -> v128 {
        let t = u16x8_add(u16x8_mul(c, m), u16x8_splat(128));
        u16x8_shr(u16x8_add(u16x8_shr(t, 8), t), 8)
    }

    /// `c' = DIV255(c·a)` for RGB; the alpha lane is multiplied by 255, which DIV255 returns
    /// unchanged (`DIV255(255·a) = a` for every a).
    pub(super) fn premultiply(data: &mut [u8]) {
        let body = data.len() / 16 * 16;
        let (head, tail) = data.split_at_mut(body);
        let ones = u8x16_splat(255);
        let opaque = u32x4_splat(0xFF00_0000);
        for chunk in head.chunks_exact_mut(16) {
            let v = load(chunk);
            if u32x4_all_true(i32x4_eq(v128_and(v, opaque), opaque)) {
                continue; // four opaque pixels: DIV255(c·255) = c
            }
            let m =
                i8x16_shuffle::<3, 3, 3, 16, 7, 7, 7, 16, 11, 11, 11, 16, 15, 15, 15, 16>(v, ones);
            let lo = div255_mul(u16x8_extend_low_u8x16(v), u16x8_extend_low_u8x16(m));
            let hi = div255_mul(u16x8_extend_high_u8x16(v), u16x8_extend_high_u8x16(m));
            store(chunk, u8x16_narrow_i16x8(lo, hi));
        }
        super::premultiply_scalar(tail);
    }

    /// One pixel's `min(255, trunc(255·c/a))` in f32 lanes. The quotient of two integers
    /// below 2²⁴ is correctly rounded and never reaches the next integer (its distance to it
    /// is ≥ 1/255, far above half an ulp), so the truncation equals integer division.
    #[inline(always)]
    fn unpremul_px(p: v128) -> v128 {
        let a = i32x4_shuffle::<3, 3, 3, 3>(p, p);
        let num = f32x4_mul(f32x4_convert_i32x4(p), f32x4_splat(255.0));
        let q = f32x4_div(num, f32x4_convert_i32x4(a));
        let q = i32x4_min(i32x4_trunc_sat_f32x4(q), i32x4_splat(255));
        // Keep the stored values where a ∈ {0, 255} and in the alpha lane.
        let keep = v128_or(
            v128_or(i32x4_eq(a, i32x4_splat(0)), i32x4_eq(a, i32x4_splat(255))),
            i32x4(0, 0, 0, -1),
        );
        v128_bitselect(p, q, keep)
    }

    pub(super) fn unpremultiply(data: &mut [u8]) {
        let body = data.len() / 16 * 16;
        let (head, tail) = data.split_at_mut(body);
        let alpha = u32x4_splat(0xFF00_0000);
        for chunk in head.chunks_exact_mut(16) {
            let v = load(chunk);
            let a = v128_and(v, alpha);
            if u32x4_all_true(i32x4_eq(a, alpha)) || !v128_any_true(a) {
                continue; // all opaque or all transparent: kept as stored
            }
            let lo = u16x8_extend_low_u8x16(v);
            let hi = u16x8_extend_high_u8x16(v);
            let p0 = unpremul_px(u32x4_extend_low_u16x8(lo));
            let p1 = unpremul_px(u32x4_extend_high_u16x8(lo));
            let p2 = unpremul_px(u32x4_extend_low_u16x8(hi));
            let p3 = unpremul_px(u32x4_extend_high_u16x8(hi));
            let w0 = i16x8_narrow_i32x4(p0, p1);
            let w1 = i16x8_narrow_i32x4(p2, p3);
            store(chunk, u8x16_narrow_i16x8(w0, w1));
        }
        super::unpremultiply_scalar(tail);
    }
}

impl GrayImage {
    /// Luminance of an RGBA image's RGB (SPEC 0: `(R·19595 + G·38470 + B·7471 + 32768) >> 16`).
    pub fn luminance_of(src: &RgbaImage) -> GrayImage {
        let data = src
            .data
            .chunks_exact(4)
            .map(|p| {
                ((p[0] as u32 * 19595 + p[1] as u32 * 38470 + p[2] as u32 * 7471 + 32768) >> 16)
                    as u8
            })
            .collect();
        Image {
            width: src.width,
            height: src.height,
            data,
        }
    }
}
