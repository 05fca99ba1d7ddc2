//! Image decoding and encoding (PNG, JPEG, WebP) on top of the `image` crate's decoders.
//!
//! Decoding sniffs the format from the leading bytes (the `data:` URI's mime type is not
//! trusted), reads the header's dimensions and refuses an image above the pixel limit
//! ([`crate::image::max_pixels`]) **before** any pixel buffer is allocated, so a tiny file that
//! claims 50000×50000 px costs nothing. The result is always RGBA8:
//!
//! * palette images are expanded (with their `tRNS` transparency), grey becomes R = G = B;
//! * 16-bit samples keep their high byte (`v >> 8`), as Pillow reads 16-bit RGB(A) and LA PNGs
//!   (Pillow clamps 16-bit *grey* to 255 instead; we do not copy that quirk);
//! * the EXIF orientation of JPEG inputs is applied (SPEC 0). Other formats' EXIF is ignored.
//!
//! GIF, BMP, TIFF and other formats are recognised by their signature and refused with a clear
//! `E_IMAGE_DECODE` (their decoders are not compiled in, to keep the wasm small).
//!
//! The decoders and encoders need the `codecs` feature (on by default). The npm package's core
//! module is built without it: there [`decode`] and [`encode`] answer `E_UNSUPPORTED`, and the JS
//! layer decodes and encodes with the separate, lazily loaded codec module instead. Base64 and
//! `data:` URI handling, [`Format`] and the signature sniffing are always compiled.

use crate::error::{Error, ErrorCode, Result};
#[cfg(feature = "codecs")]
use crate::image::max_pixels;
use crate::image::{check_budget, check_dimensions, estimate, RgbaImage};
use crate::params::ImageSource;
use base64::Engine as _;
#[cfg(feature = "codecs")]
use image::{DynamicImage, ImageDecoder, Limits};
#[cfg(feature = "codecs")]
use std::io::Cursor;

/// An encoded image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG (lossless).
    Png,
    /// Baseline JPEG (lossy, no alpha).
    Jpeg,
    /// WebP — encoded lossless only (the `image` crate has no lossy WebP encoder).
    Webp,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[Format::Png, Format::Jpeg, Format::Webp];

    /// Parse `"png"`, `"jpeg"`, `"jpg"` or `"webp"` (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming the parameter `format`.
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "png" => Ok(Format::Png),
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "webp" => Ok(Format::Webp),
            _ => Err(Error::enumeration(
                "format",
                s,
                &["png", "jpeg", "jpg", "webp"],
            )),
        }
    }

    /// The canonical name (`"png"`, `"jpeg"`, `"webp"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Webp => "webp",
        }
    }

    /// The MIME type, e.g. `"image/png"`.
    pub const fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    /// Recognise a supported format from its leading bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.len() >= 12
            && bytes.starts_with(b"RIFF")
            && bytes.get(8..12) == Some(b"WEBP")
        {
            Some(Format::Webp)
        } else {
            None
        }
    }
}

/// Names of formats we recognise but do not decode.
fn unsupported_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("GIF")
    } else if bytes.starts_with(b"BM") && bytes.len() >= 14 {
        Some("BMP")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.len() >= 12 && bytes.get(4..8) == Some(b"ftyp") {
        Some("AVIF/HEIF")
    } else if bytes.starts_with(&[0, 0, 1, 0]) {
        Some("ICO")
    } else {
        None
    }
}

#[cfg(feature = "codecs")]
fn decode_error(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::ImageDecode,
        format!("the image could not be decoded: {e}"),
    )
}

/// Decode PNG, JPEG or WebP bytes to RGBA8 (see the module docs for the conversions).
///
/// # Errors
/// `E_IMAGE_DECODE` for empty, truncated, corrupt or unsupported input (never a panic),
/// `E_IMAGE_TOO_LARGE` when the header's size exceeds the pixel limit (checked before decoding),
/// `E_DIMENSIONS` for a 0-px side; `E_UNSUPPORTED` for PNG/JPEG/WebP in a build without the
/// `codecs` feature.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage> {
    if bytes.is_empty() {
        return Err(Error::new(
            ErrorCode::ImageDecode,
            "the image is empty (0 bytes)",
        ));
    }
    let Some(format) = Format::sniff(bytes) else {
        return Err(Error::new(
            ErrorCode::ImageDecode,
            match unsupported_format(bytes) {
                Some(name) => format!("{name} images are not supported; use PNG, JPEG or WebP"),
                None => "the data is not a PNG, JPEG or WebP image".to_string(),
            },
        ));
    };
    if let Some((w, h)) = png_ihdr_size(bytes) {
        // The size is refused from the IHDR before any decoder (or its limits arithmetic,
        // which differs between 32- and 64-bit targets) runs.
        check_dimensions(w, h)?;
        check_budget(&format!("decoding a {w}×{h} image"), estimate::decode(w, h))?;
    }
    decode_format(bytes, format)
}

/// The build has no decoders: say where they are.
#[cfg(not(feature = "codecs"))]
fn decode_format(_bytes: &[u8], format: Format) -> Result<RgbaImage> {
    Err(Error::new(
        ErrorCode::Unsupported,
        format!(
            "this build has no {} decoder (the `codecs` feature is off); the npm package decodes with its codec module",
            format.as_str()
        ),
    ))
}

#[cfg(feature = "codecs")]
fn decode_format(bytes: &[u8], format: Format) -> Result<RgbaImage> {
    match format {
        Format::Png => {
            let d = image::codecs::png::PngDecoder::with_limits(Cursor::new(bytes), limits())
                .map_err(header_error)?;
            finish(d, false)
        }
        Format::Jpeg => {
            let d =
                image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(header_error)?;
            finish(d, true)
        }
        Format::Webp => {
            let d =
                image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(header_error)?;
            finish(d, false)
        }
    }
}

/// The `(width, height)` an encoded image's header declares, read without decoding pixels
/// (EXIF orientation not applied). Used to check memory budgets before decoding.
///
/// # Errors
/// As [`decode`] for input that is not a readable PNG, JPEG or WebP header.
pub fn peek_dimensions(bytes: &[u8]) -> Result<(u32, u32)> {
    if let Some(size) = png_ihdr_size(bytes) {
        return Ok(size);
    }
    peek_format_dimensions(bytes)
}

/// The build has no decoders: only a PNG's IHDR (read above) can be peeked.
#[cfg(not(feature = "codecs"))]
fn peek_format_dimensions(bytes: &[u8]) -> Result<(u32, u32)> {
    match Format::sniff(bytes) {
        Some(format) => Err(Error::new(
            ErrorCode::Unsupported,
            format!(
                "this build cannot read {} headers (the `codecs` feature is off)",
                format.as_str()
            ),
        )),
        None => Err(Error::new(
            ErrorCode::ImageDecode,
            "the data is not a PNG, JPEG or WebP image",
        )),
    }
}

#[cfg(feature = "codecs")]
fn peek_format_dimensions(bytes: &[u8]) -> Result<(u32, u32)> {
    match Format::sniff(bytes) {
        Some(Format::Png) => {
            image::codecs::png::PngDecoder::with_limits(Cursor::new(bytes), limits())
                .map(|d| d.dimensions())
                .map_err(header_error)
        }
        Some(Format::Jpeg) => image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes))
            .map(|d| d.dimensions())
            .map_err(header_error),
        Some(Format::Webp) => image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .map(|d| d.dimensions())
            .map_err(header_error),
        None => Err(Error::new(
            ErrorCode::ImageDecode,
            "the data is not a PNG, JPEG or WebP image",
        )),
    }
}

/// The width and height of a PNG's IHDR chunk (which the PNG spec requires to come first), read
/// straight from the bytes; `None` when the bytes do not start that way.
fn png_ihdr_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if Format::sniff(bytes) != Some(Format::Png)
        || bytes.get(8..16) != Some(b"\0\0\0\x0dIHDR".as_slice())
    {
        return None;
    }
    let be = |r: std::ops::Range<usize>| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(r)?.try_into().ok()?))
    };
    Some((be(16..20)?, be(20..24)?))
}

/// The size of an image input without decoding its pixels (`None` for URLs and unreadable
/// data: those fail later with their own error). Sizes over the pixel limit give `None` too (decoding refuses them with `E_IMAGE_TOO_LARGE`).
pub fn source_dimensions(src: &ImageSource) -> Option<(u32, u32)> {
    let (w, h) = match src {
        ImageSource::Pixels(p) => (p.width(), p.height()),
        ImageSource::Data(s) => peek_dimensions(&decode_base64_input(s).ok()?).ok()?,
        ImageSource::Url(_) => return None,
    };
    check_dimensions(w, h).ok().map(|()| (w, h))
}

/// Decoder limits derived from the pixel limit: no side longer than the limit, and at most
/// 8 bytes (16-bit RGBA) per allowed pixel plus slack for the decoder's own buffers.
#[cfg(feature = "codecs")]
fn limits() -> Limits {
    let px = max_pixels();
    let side = u32::try_from(px).unwrap_or(u32::MAX);
    let mut l = Limits::default();
    l.max_image_width = Some(side);
    l.max_image_height = Some(side);
    l.max_alloc = Some(px.saturating_mul(8).saturating_add(64 << 20));
    l
}

/// A failure while reading the header: a limit hit there is still "too large".
#[cfg(feature = "codecs")]
fn header_error(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::new(
            ErrorCode::ImageTooLarge,
            format!("the image exceeds the decoder limits: {l}"),
        ),
        other => decode_error(other),
    }
}

#[cfg(feature = "codecs")]
fn finish(mut d: impl ImageDecoder, apply_exif: bool) -> Result<RgbaImage> {
    let (w, h) = d.dimensions();
    check_dimensions(w, h)?;
    check_budget(&format!("decoding a {w}×{h} image"), estimate::decode(w, h))?;
    d.set_limits(limits()).map_err(header_error)?;
    let orientation = if apply_exif {
        // A broken EXIF block is ignored (the image itself may be fine), as browsers do.
        d.orientation()
            .unwrap_or(image::metadata::Orientation::NoTransforms)
    } else {
        image::metadata::Orientation::NoTransforms
    };
    let mut img = DynamicImage::from_decoder(d).map_err(header_error)?;
    img.apply_orientation(orientation);
    to_rgba(img)
}

#[cfg(feature = "codecs")]
fn to_rgba(img: DynamicImage) -> Result<RgbaImage> {
    let (w, h) = (img.width(), img.height());
    check_dimensions(w, h)?;
    let n = w as usize * h as usize;
    let mut out = Vec::with_capacity(n * 4);
    match img {
        DynamicImage::ImageRgba8(b) => return RgbaImage::from_vec(w, h, b.into_raw()),
        DynamicImage::ImageRgb8(b) => {
            for p in b.as_raw().chunks_exact(3) {
                out.extend_from_slice(&[p[0], p[1], p[2], 255]);
            }
        }
        DynamicImage::ImageLuma8(b) => {
            for &g in b.as_raw() {
                out.extend_from_slice(&[g, g, g, 255]);
            }
        }
        DynamicImage::ImageLumaA8(b) => {
            for p in b.as_raw().chunks_exact(2) {
                out.extend_from_slice(&[p[0], p[0], p[0], p[1]]);
            }
        }
        DynamicImage::ImageRgba16(b) => {
            out.extend(b.as_raw().iter().map(|&v| (v >> 8) as u8));
        }
        DynamicImage::ImageRgb16(b) => {
            for p in b.as_raw().chunks_exact(3) {
                out.extend_from_slice(&[
                    (p[0] >> 8) as u8,
                    (p[1] >> 8) as u8,
                    (p[2] >> 8) as u8,
                    255,
                ]);
            }
        }
        DynamicImage::ImageLuma16(b) => {
            for &g in b.as_raw() {
                let g = (g >> 8) as u8;
                out.extend_from_slice(&[g, g, g, 255]);
            }
        }
        DynamicImage::ImageLumaA16(b) => {
            for p in b.as_raw().chunks_exact(2) {
                let g = (p[0] >> 8) as u8;
                out.extend_from_slice(&[g, g, g, (p[1] >> 8) as u8]);
            }
        }
        other => return RgbaImage::from_vec(w, h, other.to_rgba8().into_raw()),
    }
    RgbaImage::from_vec(w, h, out)
}

/// Decode a `data:<mime>;base64,…` URI or raw base64 text. The mime type is not trusted: the
/// format is sniffed from the bytes. Whitespace inside the base64 is ignored, padding is
/// optional and the URL-safe alphabet (`-`, `_`) is accepted.
///
/// # Errors
/// `E_IMAGE_INPUT` for an `http(s)` URL (URLs are fetched by the JS layer), a non-base64 `data:`
/// URI or invalid base64; then as [`decode`].
pub fn decode_data(s: &str) -> Result<RgbaImage> {
    decode(&decode_base64_input(s)?)
}

/// The bytes of a `data:` URI or raw base64 text (see [`decode_data`]).
///
/// # Errors
/// `E_IMAGE_INPUT` as [`decode_data`].
pub fn decode_base64_input(s: &str) -> Result<Vec<u8>> {
    let t = s.trim();
    let head: String = t.chars().take(8).collect::<String>().to_ascii_lowercase();
    if head.starts_with("http://") || head.starts_with("https://") {
        return Err(Error::new(
            ErrorCode::ImageInput,
            "image URLs are fetched by the JS layer (fetch + decode), not by the core; pass the bytes, a data: URI or pixels",
        ));
    }
    let payload = if head.starts_with("data:") {
        let Some((meta, payload)) = t.split_once(',') else {
            return Err(Error::new(
                ErrorCode::ImageInput,
                "a data: URI needs a ',' before its payload",
            ));
        };
        if !meta.to_ascii_lowercase().ends_with(";base64") {
            return Err(Error::new(
                ErrorCode::ImageInput,
                "only base64 data: URIs (`data:<mime>;base64,…`) are accepted",
            ));
        }
        payload
    } else {
        t
    };
    let cleaned: Vec<u8> = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    if cleaned.is_empty() {
        return Err(Error::new(ErrorCode::ImageInput, "the image data is empty"));
    }
    LENIENT.decode(&cleaned).map_err(|e| {
        Error::new(
            ErrorCode::ImageInput,
            format!("the image data is not valid base64: {e}"),
        )
    })
}

const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Encode `img`.
///
/// * PNG: RGB when every alpha is 255, else RGBA.
/// * JPEG: RGB (alpha dropped, colours kept as stored), `quality` 1..=100, default 90.
/// * WebP: **lossless only** — the `image` crate has no lossy WebP encoder; `quality` is
///   ignored for WebP. RGB when every alpha is 255, else RGBA.
///
/// # Errors
/// `E_PARAM_RANGE` (param `quality`) for a JPEG quality outside 1..=100, `E_IMAGE_ENCODE` when
/// the encoder fails; `E_UNSUPPORTED` in a build without the `codecs` feature.
#[cfg(feature = "codecs")]
pub fn encode(img: &RgbaImage, format: Format, quality: Option<u8>) -> Result<Vec<u8>> {
    use image::ImageEncoder as _;
    let (w, h) = (img.width(), img.height());
    let opaque = img.data().chunks_exact(4).all(|p| p[3] == 255);
    let rgb = || -> Vec<u8> {
        img.data()
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    };
    let mut out = Vec::new();
    let res = match format {
        Format::Png => {
            let enc = image::codecs::png::PngEncoder::new(&mut out);
            if opaque {
                enc.write_image(&rgb(), w, h, image::ExtendedColorType::Rgb8)
            } else {
                enc.write_image(img.data(), w, h, image::ExtendedColorType::Rgba8)
            }
        }
        Format::Jpeg => {
            let q = quality.unwrap_or(90);
            if !(1..=100).contains(&q) {
                return Err(Error::range(
                    "quality",
                    format!("`quality` must be an integer from 1 to 100; got {q}"),
                ));
            }
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q).write_image(
                &rgb(),
                w,
                h,
                image::ExtendedColorType::Rgb8,
            )
        }
        Format::Webp => {
            let enc = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            if opaque {
                enc.write_image(&rgb(), w, h, image::ExtendedColorType::Rgb8)
            } else {
                enc.write_image(img.data(), w, h, image::ExtendedColorType::Rgba8)
            }
        }
    };
    res.map_err(|e| {
        Error::new(
            ErrorCode::ImageEncode,
            format!("{} encoding failed: {e}", format.as_str()),
        )
    })?;
    Ok(out)
}

/// Encode `img`: this build has no encoders (the `codecs` feature is off).
///
/// # Errors
/// Always `E_UNSUPPORTED`; the npm package encodes with its codec module.
#[cfg(not(feature = "codecs"))]
pub fn encode(_img: &RgbaImage, format: Format, _quality: Option<u8>) -> Result<Vec<u8>> {
    Err(Error::new(
        ErrorCode::Unsupported,
        format!(
            "this build has no {} encoder (the `codecs` feature is off); the npm package encodes with its codec module",
            format.as_str()
        ),
    ))
}

/// Standard base64 (with padding) of `bytes`.
pub fn to_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A `data:<mime>;base64,…` URL of `bytes` encoded as `format`.
pub fn to_data_url(bytes: &[u8], format: Format) -> String {
    format!("data:{};base64,{}", format.mime(), to_base64(bytes))
}

/// Resolve an [`ImageSource`] to pixels.
///
/// # Errors
/// `E_IMAGE_INPUT` for [`ImageSource::Url`] (URLs need the JS layer, which fetches them and
/// passes bytes or pixels), else as [`decode_data`].
pub fn load(src: ImageSource) -> Result<RgbaImage> {
    match src {
        ImageSource::Pixels(p) => Ok(p),
        ImageSource::Data(s) => decode_data(&s),
        ImageSource::Url(u) => Err(Error::new(
            ErrorCode::ImageInput,
            format!(
                "the image URL {u:?} must be fetched by the JS layer first (the core has no network access); pass a data: URI, base64 or pixels"
            ),
        )),
    }
}
