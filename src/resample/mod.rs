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

/// A part of a larger image held in memory: pixel `(x, y)` of `pixels` is pixel
/// `(x0 + x, y0 + y)` of a `full_w × full_h` image. Banded calls read their source through one,
/// so that a band only has to hold (and compute) the rows it needs.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a, const C: usize> {
    /// The pixels held.
    pub pixels: &'a Image<C>,
    /// Column of the full image where `pixels` starts.
    pub x0: u32,
    /// Row of the full image where `pixels` starts.
    pub y0: u32,
    /// Width of the full image.
    pub full_w: u32,
    /// Height of the full image.
    pub full_h: u32,
}

impl<'a, const C: usize> Window<'a, C> {
    /// The whole of `img`.
    pub fn whole(img: &'a Image<C>) -> Self {
        Window {
            pixels: img,
            x0: 0,
            y0: 0,
            full_w: img.width(),
            full_h: img.height(),
        }
    }

    /// Whether the window holds the rectangle `[x0, x1) × [y0, y1)` of the full image.
    pub fn holds(&self, x0: u32, y0: u32, x1: u32, y1: u32) -> bool {
        let wx1 = u64::from(self.x0) + u64::from(self.pixels.width());
        let wy1 = u64::from(self.y0) + u64::from(self.pixels.height());
        x0 >= self.x0 && y0 >= self.y0 && u64::from(x1) <= wx1 && u64::from(y1) <= wy1
    }

    /// Whether the window spans every column of the full image.
    pub fn full_width(&self) -> bool {
        self.x0 == 0 && self.pixels.width() == self.full_w
    }
}

/// Check a band `[a, b)` of `len` rows (or columns) named `what`: `a < b ≤ len`.
///
/// # Errors
/// `E_PARAM_RANGE` naming `param`.
pub fn check_band(param: &str, a: u32, b: u32, len: u32) -> Result<()> {
    if a < b && b <= len {
        Ok(())
    } else {
        Err(Error::range(
            param,
            format!("`{param}`: the band [{a}, {b}) must be non-empty and inside [0, {len})"),
        ))
    }
}

/// The input rows `[first, end)` that output rows `[y0, y1)` of a resize
/// `in_w × in_h → width × height` with `filter` read (the same for [`resize`] and
/// [`resize_premultiplied`]).
///
/// # Errors
/// `E_DIMENSIONS` for a 0-px side, `E_PARAM_RANGE` (param `band`) for a band outside
/// `[0, height)`.
pub fn input_rows(
    in_w: u32,
    in_h: u32,
    width: u32,
    height: u32,
    filter: Filter,
    y0: u32,
    y1: u32,
) -> Result<(u32, u32)> {
    check_dimensions(width, height)?;
    check_dimensions(in_w, in_h)?;
    check_band("band", y0, y1, height)?;
    if height == in_h && (filter != Filter::Nearest || width == in_w) {
        return Ok((y0, y1));
    }
    if filter == Filter::Nearest {
        let ys = nearest::index_table(in_h, height);
        let lo = ys.get(y0 as usize).copied().unwrap_or(0);
        let hi = ys.get(y1 as usize - 1).copied().unwrap_or(0);
        return Ok((lo as u32, hi as u32 + 1));
    }
    let vc = coefficients(in_h, height, filter)?.slice(y0 as usize, y1 as usize);
    let (lo, hi) = vc.input_span();
    Ok((lo as u32, hi as u32))
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
    if (src.width(), src.height()) == (width, height) {
        return Ok(src.clone());
    }
    resize_region(
        Window::whole(src),
        width,
        height,
        filter,
        (0, 0, width, height),
    )
}

/// Output rows `[y0, y1)` of [`resize`]`(src, width, height, filter)`, byte for byte, computing
/// only what those rows need (the first pass runs over the input rows the band reads).
///
/// # Errors
/// As [`resize`]; `E_PARAM_RANGE` (param `band`) unless `y0 < y1 ≤ height`.
pub fn resize_rows<const C: usize>(
    src: &Image<C>,
    width: u32,
    height: u32,
    filter: Filter,
    y0: u32,
    y1: u32,
) -> Result<Image<C>> {
    check_dimensions(width, height)?;
    check_band("band", y0, y1, height)?;
    resize_region(
        Window::whole(src),
        width,
        height,
        filter,
        (0, y0, width, y1),
    )
}

/// The rectangle `rect = (x0, y0, x1, y1)` of the resize of the full image behind `src`
/// (`src.full_w × src.full_h → width × height`), byte for byte what [`resize`] gives there. The
/// window must span every column and hold the rows [`input_rows`] names for `[y0, y1)`.
///
/// # Errors
/// As [`resize`]; `E_PARAM_RANGE` (param `band`) for a rectangle outside the output;
/// `E_INTERNAL` when the window does not hold what the rectangle needs.
pub fn resize_region<const C: usize>(
    src: Window<'_, C>,
    width: u32,
    height: u32,
    filter: Filter,
    rect: (u32, u32, u32, u32),
) -> Result<Image<C>> {
    let (x0, y0, x1, y1) = rect;
    check_dimensions(width, height)?;
    check_band("band", y0, y1, height)?;
    check_band("band", x0, x1, width)?;
    let (in_w, in_h) = (src.full_w, src.full_h);
    let (ry0, ry1) = input_rows(in_w, in_h, width, height, filter, y0, y1)?;
    if !src.full_width() || !src.holds(0, ry0, in_w, ry1) {
        return Err(Error::internal(
            "resize_region: the source window does not hold the rows the band reads",
        ));
    }
    let row0 = src.y0 as usize;
    let data = src.pixels.data();
    let mut out = Image::<C>::new(x1 - x0, y1 - y0)?;
    let (bw, bh) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let (x0, y0) = (x0 as usize, y0 as usize);
    let stride = in_w as usize * C;
    if (in_w, in_h) == (width, height) {
        for (y, o) in out.data_mut().chunks_exact_mut(bw * C).enumerate() {
            let start = (y0 + y - row0) * stride + x0 * C;
            match data.get(start..start + bw * C) {
                Some(r) => o.copy_from_slice(r),
                None => return Err(Error::internal("resize_region: copy out of range")),
            }
        }
        return Ok(out);
    }
    if filter == Filter::Nearest {
        if !nearest::resize_region_into(src.pixels, row0, in_h, (width, height), (x0, y0), &mut out)
        {
            return Err(Error::internal(
                "resize_region: nearest row out of the window",
            ));
        }
        return Ok(out);
    }
    let need_h = width != in_w;
    let need_v = height != in_h;
    let full_x = x0 == 0 && bw == width as usize;
    let full_y = y0 == 0 && bh == height as usize;
    // Column and row tables of the rectangle only (the full tables for a full call).
    let table =
        |len_in: u32, len_out: u32, a: usize, n: usize, full: bool| -> Result<Coefficients> {
            let c = coefficients(len_in, len_out, filter)?;
            Ok(if full { c } else { c.slice(a, a + n) })
        };
    match (need_h, need_v) {
        (true, false) => {
            let hc = table(in_w, width, x0, bw, full_x)?;
            horizontal::<C>(data, in_w as usize, y0 - row0, 0, &hc, out.data_mut());
        }
        (false, true) => {
            let vc = table(in_h, height, y0, bh, full_y)?;
            vertical(data, stride, x0 * C, row0, &vc, out.data_mut());
        }
        (true, true) => {
            let hc = table(in_w, width, x0, bw, full_x)?;
            // A square scale (the same lengths and band on both axes) has one table.
            let vc_own;
            let vc = if (in_h, height, y0, bh) == (in_w, width, x0, bw) {
                &hc
            } else {
                vc_own = table(in_h, height, y0, bh, full_y)?;
                &vc_own
            };
            if vertical_first(in_w, in_h, width, height) {
                // Vertical pass over the columns the horizontal pass reads.
                let (cx0, cx1) = hc.input_span();
                let tw = cx1 - cx0;
                let mut tmp = vec![0u8; tw * C * bh];
                vertical(data, stride, cx0 * C, row0, vc, &mut tmp);
                horizontal::<C>(&tmp, tw, 0, cx0, &hc, out.data_mut());
            } else {
                // Horizontal pass over the rows the vertical pass reads.
                let (ty0, ty1) = vc.input_span();
                let tstride = bw * C;
                let mut tmp = vec![0u8; tstride * (ty1 - ty0)];
                horizontal::<C>(data, in_w as usize, ty0 - row0, 0, &hc, &mut tmp);
                vertical(&tmp, tstride, 0, ty0, vc, out.data_mut());
            }
        }
        // Same size: copied above.
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
    if src.is_opaque() {
        // Premultiplying by 255 is the identity (DIV255(c·255) = c for every byte): resample
        // the image as is, without the copy and the pass.
        let mut out = resize(src, width, height, filter)?;
        out.unpremultiply();
        return Ok(out);
    }
    let mut pre = src.clone();
    pre.premultiply();
    let mut out = resize(&pre, width, height, filter)?;
    out.unpremultiply();
    Ok(out)
}

/// Output rows `[y0, y1)` of [`resize_premultiplied`], byte for byte: only the input rows the
/// band reads are premultiplied and resampled.
///
/// # Errors
/// As [`resize_rows`].
pub fn resize_premultiplied_rows(
    src: &RgbaImage,
    width: u32,
    height: u32,
    filter: Filter,
    y0: u32,
    y1: u32,
) -> Result<RgbaImage> {
    check_dimensions(width, height)?;
    check_band("band", y0, y1, height)?;
    if filter == Filter::Nearest || (src.width(), src.height()) == (width, height) {
        return resize_rows(src, width, height, filter, y0, y1);
    }
    let (ry0, ry1) = input_rows(src.width(), src.height(), width, height, filter, y0, y1)?;
    resize_premultiplied_window(
        rows_of(src, ry0, ry1)?,
        ry0,
        src.height(),
        (width, height),
        filter,
        (y0, y1),
    )
}

/// Output rows `[y0, y1)` of [`resize_premultiplied`] of a `rows.width() × full_h` image of
/// which `rows` holds rows `[row0, row0 + rows.height())` (consumed: premultiplied in place).
/// The rows [`input_rows`] names for the band must be held.
///
/// # Errors
/// As [`resize_region`].
pub fn resize_premultiplied_window(
    mut rows: RgbaImage,
    row0: u32,
    full_h: u32,
    (width, height): (u32, u32),
    filter: Filter,
    (y0, y1): (u32, u32),
) -> Result<RgbaImage> {
    let full_w = rows.width();
    let plain = filter == Filter::Nearest || (full_w, full_h) == (width, height);
    if !plain {
        rows.premultiply();
    }
    let win = Window {
        pixels: &rows,
        x0: 0,
        y0: row0,
        full_w,
        full_h,
    };
    let mut out = resize_region(win, width, height, filter, (0, y0, width, y1))?;
    if !plain {
        out.unpremultiply();
    }
    Ok(out)
}

/// A copy of rows `[y0, y1)` of `img`.
///
/// # Errors
/// `E_PARAM_RANGE` (param `band`) for rows outside the image.
pub fn rows_of<const C: usize>(img: &Image<C>, y0: u32, y1: u32) -> Result<Image<C>> {
    check_band("band", y0, y1, img.height())?;
    let stride = img.width() as usize * C;
    let bytes = img
        .data()
        .get(y0 as usize * stride..y1 as usize * stride)
        .ok_or_else(|| Error::internal("rows_of: rows out of range"))?;
    Image::<C>::from_vec(img.width(), y1 - y0, bytes.to_vec())
}

/// Horizontal pass dispatched to the current [`Backend`], output rows split across the
/// threads of the pool ([`crate::par`]; one call in single-threaded builds).
fn horizontal<const C: usize>(
    src: &[u8],
    src_w: usize,
    row0: usize,
    col_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if backend() == Backend::Simd128 {
        // Planned once, shared by the chunks.
        if let Some(hp) = simd128::HorizontalPlan::new::<C>(coeffs, src_w, col_shift) {
            crate::par::rows_mut(dst, coeffs.out_len() * C, |rows, dst| {
                hp.rows(src, src_w, row0 + rows.start, dst)
            });
            return;
        }
    }
    // The scalar backend, and what the SIMD plan does not take (C ≠ 4, unsplittable tables).
    crate::par::rows_mut(dst, coeffs.out_len() * C, |rows, dst| {
        scalar::horizontal::<C>(src, src_w, row0 + rows.start, col_shift, coeffs, dst)
    });
}

/// Vertical pass dispatched to the current [`Backend`], output rows split across the threads
/// of the pool ([`crate::par`]; one call in single-threaded builds).
fn vertical(
    src: &[u8],
    src_stride: usize,
    col0: usize,
    row_shift: usize,
    coeffs: &Coefficients,
    dst: &mut [u8],
) {
    let backend = backend();
    let len = dst.len() / coeffs.out_len().max(1);
    crate::par::rows_mut(dst, len, |rows, dst| {
        let part;
        let coeffs = if rows.len() == coeffs.out_len() {
            coeffs
        } else {
            part = coeffs.slice(rows.start, rows.end);
            &part
        };
        match backend {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => simd128::vertical(src, src_stride, col0, row_shift, coeffs, dst),
            _ => scalar::vertical(
                src,
                src_stride,
                col0,
                row_shift,
                coeffs,
                dst,
                &mut Vec::new(),
            ),
        }
    });
}
