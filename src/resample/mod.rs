//! Pillow-exact resampling (SPEC 1.1–1.2) and the v1 family (SPEC 3.2).
//!
//! [`resize`] is Pillow 13's `Image.resize` on "L"/"RGB"-like data (channels independent),
//! [`resize_premultiplied`] its RGBA path, [`resize_v1`] the f32 family of Superimpose v1.
//!
//! Pass order (Pillow 13, checked against it on 839 size pairs where the order changes bytes):
//! when both sizes change, the **vertical** pass runs first iff the height shrinks
//! (`out_h < in_h`) and `in_h − out_h > 2·(in_w − out_w)`; otherwise the horizontal pass runs
//! first. The first pass is stored as 8-bit and only computes the rows (or columns) the second
//! pass reads, which does not change bytes. A pass whose size is unchanged is skipped; if both
//! sizes are unchanged the image is copied untouched (also for RGBA: no premultiply round trip).

mod filter;
mod nearest;
mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;
mod v1;

pub use filter::{coefficients, Coefficients, PRECISION_BITS};
pub use v1::resize_v1;

use crate::error::{Error, Result};
use crate::image::{check_dimensions, Image, RgbaImage};
#[allow(unused_imports)]
use crate::simd::{backend, Backend};

/// A Pillow resampling filter, named as the API's `resize_method` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// SPEC 1.2 (repeated-addition nearest).
    Nearest,
    /// Box, support 0.5.
    Box,
    /// Triangle, support 1.
    Bilinear,
    /// Keys cubic a = −0.5, support 2.
    Bicubic,
    /// Lanczos-3.
    Lanczos,
}

impl Filter {
    /// Every filter.
    pub const ALL: &'static [Filter] = &[
        Filter::Nearest,
        Filter::Box,
        Filter::Bilinear,
        Filter::Bicubic,
        Filter::Lanczos,
    ];

    /// The API name (`"nearest"`, `"box"`, `"bilinear"`, `"bicubic"`, `"lanczos"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Filter::Nearest => "nearest",
            Filter::Box => "box",
            Filter::Bilinear => "bilinear",
            Filter::Bicubic => "bicubic",
            Filter::Lanczos => "lanczos",
        }
    }

    /// Parse an API name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<Filter> {
        Error::parse_enum(param, s, Filter::ALL, Filter::as_str)
    }
}

/// The Superimpose v1 `resize_method` family (SPEC 3.2), computed in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V1Method {
    /// `src = min(floor((dst + 0.5)·s), in − 1)`.
    NearestExact,
    /// Half-pixel bilinear without antialias.
    Bilinear,
    /// Box average over the covering window.
    Area,
}

impl V1Method {
    /// Every method.
    pub const ALL: &'static [V1Method] =
        &[V1Method::NearestExact, V1Method::Bilinear, V1Method::Area];

    /// The API name (`"nearest-exact"`, `"bilinear"`, `"area"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            V1Method::NearestExact => "nearest-exact",
            V1Method::Bilinear => "bilinear",
            V1Method::Area => "area",
        }
    }

    /// Parse an API name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<V1Method> {
        Error::parse_enum(param, s, V1Method::ALL, V1Method::as_str)
    }
}

/// Whether Pillow 13 runs the vertical pass first for `in_w×in_h → out_w×out_h` (both passes
/// needed): the height shrinks, by more than twice as many pixels as the width shrinks.
pub fn vertical_first(in_w: u32, in_h: u32, out_w: u32, out_h: u32) -> bool {
    out_h < in_h && (in_h as i64 - out_h as i64) > 2 * (in_w as i64 - out_w as i64)
}

/// Channel-independent resize, no premultiplication (Pillow on "RGB"/"L"; for `C = 4` every
/// channel including the 4th is resampled independently). SPEC 1.1 for the convolution filters,
/// SPEC 1.2 for [`Filter::Nearest`]. The same size returns an untouched copy.
///
/// # Errors
/// `E_DIMENSIONS` for a 0-px target side, `E_IMAGE_TOO_LARGE` when the target exceeds the pixel
/// limit (checked before allocating).
pub fn resize<const C: usize>(
    src: &Image<C>,
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<Image<C>> {
    check_dimensions(width, height)?;
    let (in_w, in_h) = (src.width(), src.height());
    if (in_w, in_h) == (width, height) {
        return Ok(src.clone());
    }
    let mut out = Image::<C>::new(width, height)?;
    if filter == Filter::Nearest {
        nearest::resize_into(src, &mut out);
        return Ok(out);
    }
    let need_h = width != in_w;
    let need_v = height != in_h;
    let mut acc = Vec::new();
    match (need_h, need_v) {
        (true, false) => {
            let hc = coefficients(in_w, width, filter)?;
            horizontal::<C>(src.data(), in_w as usize, 0, 0, &hc, out.data_mut());
        }
        (false, true) => {
            let vc = coefficients(in_h, height, filter)?;
            let stride = in_w as usize * C;
            vertical(src.data(), stride, 0, 0, &vc, out.data_mut(), &mut acc);
        }
        (true, true) => {
            let hc = coefficients(in_w, width, filter)?;
            // A square scale (the same lengths on both axes) has one table.
            let vc_own;
            let vc = if (in_h, height) == (in_w, width) {
                &hc
            } else {
                vc_own = coefficients(in_h, height, filter)?;
                &vc_own
            };
            if vertical_first(in_w, in_h, width, height) {
                // Vertical pass over the columns the horizontal pass reads.
                let (x0, x1) = hc.input_span();
                let tw = x1 - x0;
                let mut tmp = vec![0u8; tw * C * height as usize];
                let stride = in_w as usize * C;
                vertical(src.data(), stride, x0 * C, 0, vc, &mut tmp, &mut acc);
                horizontal::<C>(&tmp, tw, 0, x0, &hc, out.data_mut());
            } else {
                // Horizontal pass over the rows the vertical pass reads.
                let (y0, y1) = vc.input_span();
                let stride = width as usize * C;
                let mut tmp = vec![0u8; stride * (y1 - y0)];
                horizontal::<C>(src.data(), in_w as usize, y0, 0, &hc, &mut tmp);
                vertical(&tmp, stride, 0, y0, vc, out.data_mut(), &mut acc);
            }
        }
        // Same size: returned as a copy above.
        (false, false) => {}
    }
    Ok(out)
}

/// Pillow's RGBA path (SPEC 1.1): premultiply (`c' = DIV255(c·a)`), resize all four channels,
/// un-premultiply. [`Filter::Nearest`] does no premultiplication; the same size returns an
/// untouched copy.
///
/// # Errors
/// As [`resize`].
pub fn resize_premultiplied(
    src: &RgbaImage,
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<RgbaImage> {
    check_dimensions(width, height)?;
    if filter == Filter::Nearest || (src.width(), src.height()) == (width, height) {
        return resize(src, width, height, filter);
    }
    let mut pre = src.clone();
    pre.premultiply();
    let mut out = resize(&pre, width, height, filter)?;
    out.unpremultiply();
    Ok(out)
}

/// Horizontal pass dispatched to the current [`Backend`].
fn horizontal<const C: usize>(
    src: &[u8],
    src_w: usize,
    row0: usize,
    col_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    match backend() {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::horizontal::<C>(src, src_w, row0, col_shift, coeffs, dst),
        _ => scalar::horizontal::<C>(src, src_w, row0, col_shift, coeffs, dst),
    }
}

/// Vertical pass dispatched to the current [`Backend`].
fn vertical(
    src: &[u8],
    src_stride: usize,
    col0: usize,
    row_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
    acc: &mut Vec<i32>,
) {
    match backend() {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::vertical(src, src_stride, col0, row_shift, coeffs, dst),
        _ => scalar::vertical(src, src_stride, col0, row_shift, coeffs, dst, acc),
    }
}
