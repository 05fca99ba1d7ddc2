//! Typed local request bodies for Superimpose v2 (SPEC 2.1) and v1 (SPEC 3.1).
//!
//! The same JSON body runs locally or remotely: validation goes through the
//! [`schema`](crate::schema) tables (one definition of names, ranges, enums and defaults),
//! extended only by the local-only fields of [`Schema::local_fields`]:
//! Superimpose v2's `scale_filter`, `seed` and the 16 extended blend-mode names plus aliases.
//!
//! Image fields may arrive as JSON strings (URL, `data:` URI, raw base64) or, when the JS layer
//! has already turned them into pixels (`ImageData`), in the `pixels` list; a field must not be
//! given both ways.

use crate::blend::BlendMode;
use crate::error::{Error, ErrorCode, Result};
use crate::image::RgbaImage;
use crate::resample::{Filter, V1Method};
use crate::schema::{self, Field, ImageForm, Kind, Schema, Target};
use serde_json::{Map, Value};

/// An image input.
#[derive(Clone, PartialEq)]
pub enum ImageSource {
    /// A `data:<mime>;base64,…` URI or raw base64 text.
    Data(String),
    /// An `http(s)` URL (fetched by the JS layer, not by the core).
    Url(String),
    /// Pixels already decoded by the caller.
    Pixels(RgbaImage),
}

impl std::fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageSource::Data(s) => write!(f, "Data({} chars)", s.len()),
            ImageSource::Url(u) => write!(f, "Url({u:?})"),
            ImageSource::Pixels(p) => write!(f, "Pixels({p:?})"),
        }
    }
}

impl ImageSource {
    /// Classify an image string of the field `name` (SPEC 4.7).
    ///
    /// # Errors
    /// `E_PARAM_MISSING` for an empty string, `E_IMAGE_INPUT` for anything that is not a URL,
    /// a base64 `data:` URI or raw base64.
    pub fn from_str_field(name: &str, s: &str) -> Result<ImageSource> {
        Ok(match schema::check_image_syntax(name, s)? {
            ImageForm::Url => ImageSource::Url(s.trim().to_string()),
            ImageForm::DataUri | ImageForm::Base64 => ImageSource::Data(s.to_string()),
        })
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the API's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The API's spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }

            /// Parse the API's spelling (case-sensitive).
            ///
            /// # Errors
            /// `E_PARAM_ENUM` naming `param` and listing the allowed values.
            pub fn parse(param: &str, s: &str) -> Result<$name> {
                Error::parse_enum(param, s, Self::ALL, Self::as_str)
            }
        }
    };
}

string_enum! {
    /// Superimpose v2 `bg_remove_model` (SPEC 2.4).
    BgRemoveModel {
        /// BRIA RMBG-1.4 (the API default).
        Bria = "Bria",
        /// DIS `isnet-general-use`.
        IsNet = "IsNet",
        /// No background removal.
        None = "None",
    }
}

string_enum! {
    /// Superimpose v2 `mirror` (SPEC 2.2 step 1).
    Mirror {
        /// No mirroring.
        None = "None",
        /// Flip left↔right.
        Horizontal = "horizontal",
        /// Flip top↔bottom.
        Vertical = "vertical",
    }
}

string_enum! {
    /// Superimpose v2 local `scale_filter` (SPEC 2.2 step 2 compatibility switch).
    ScaleFilter {
        /// Scale with the filter `resize_method` names (the documented meaning; default).
        ResizeMethod = "resize_method",
        /// Scale with bicubic whatever `resize_method` says (the reference node's behaviour).
        Bicubic = "bicubic",
    }
}

string_enum! {
    /// Superimpose v1 `overlay_resize` (SPEC 3.2 step 2), spelt as the API spells it.
    OverlayResize {
        /// Keep the overlay's size (no resampling).
        None = "None",
        /// Fit inside the base, aspect kept.
        Fit = "Fit",
        /// Multiply both sides by `rescale_factor`.
        RescaleFactor = "Resize by rescale_factor",
        /// Resize to `width` × `height` (the API's misspelling "heigth"; the spellings
        /// "Resize to width & height" and "Resize to height & width" are accepted too).
        WidthHeight = "Resize to width & heigth",
    }
}

/// A typed local Superimpose v2 body (SPEC 2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct SuperimposeV2 {
    /// The base image.
    pub base_image: ImageSource,
    /// The overlay image.
    pub overlay_image: ImageSource,
    /// Optional mask (SPEC 2.3).
    pub mask: Option<ImageSource>,
    /// Background-removal model (default `Bria`).
    pub bg_remove_model: BgRemoveModel,
    /// Whether the caller set `bg_remove_model` (when false, the API default applies).
    pub bg_remove_model_explicit: bool,
    /// Blend mode (locally all 30; remotely the 14 core ones).
    pub blend_mode: BlendMode,
    /// Mirror before scaling.
    pub mirror: Mirror,
    /// Opacity, 0..=100.
    pub opacity: f64,
    /// Scale factor, > 0 and ≤ 100.
    pub rescale_factor: f64,
    /// Resize filter.
    pub resize_method: Filter,
    /// Rotation in degrees, 0..=360.
    pub rotation: i64,
    /// Horizontal centre, 0..=100 %.
    pub x_percent: i64,
    /// Vertical centre, 0..=100 %.
    pub y_percent: i64,
    /// Return the encoded output as base64 text.
    pub base64: bool,
    /// Local-only: scaling filter switch.
    pub scale_filter: ScaleFilter,
    /// Local-only: dissolve seed.
    pub seed: u32,
}

/// A typed local Superimpose v1 body (SPEC 3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct SuperimposeV1 {
    /// The base image.
    pub base_image: ImageSource,
    /// The overlay image.
    pub overlay_image: ImageSource,
    /// Optional mask (white = visible).
    pub mask: Option<ImageSource>,
    /// How to size the overlay.
    pub overlay_resize: OverlayResize,
    /// Resize method.
    pub resize_method: V1Method,
    /// Scale factor, > 0 and ≤ 16.
    pub rescale_factor: f64,
    /// Target width for the width/height mode (≥ 1).
    pub width: u32,
    /// Target height for the width/height mode (≥ 1).
    pub height: u32,
    /// Left edge of the rotated overlay on the base (may be negative).
    pub x_offset: i64,
    /// Top edge of the rotated overlay on the base (may be negative).
    pub y_offset: i64,
    /// Rotation in degrees, 0..=360.
    pub rotation: i64,
    /// Opacity, 0..=1.
    pub opacity: f64,
    /// Return the encoded output as base64 text.
    pub base64: bool,
}

impl SuperimposeV2 {
    /// Refuse the call with `E_MEMORY_BUDGET` when its estimated peak working memory exceeds
    /// [`memory_budget`](crate::image::memory_budget). Reads only the images' headers (no pixel
    /// is decoded); inputs whose size cannot be read are left to the pipeline's own errors.
    ///
    /// # Errors
    /// `E_MEMORY_BUDGET`.
    pub fn check_memory_budget(&self) -> Result<()> {
        check_call_budget(
            "this superimpose-v2 call",
            &self.base_image,
            &self.overlay_image,
            self.mask.as_ref(),
            |base, overlay, mask| {
                v2_peak_bytes(
                    base,
                    overlay,
                    mask,
                    self.rescale_factor,
                    self.rotation,
                    self.base64,
                )
            },
        )
    }
}

impl SuperimposeV1 {
    /// As [`SuperimposeV2::check_memory_budget`], for v1.
    ///
    /// # Errors
    /// `E_MEMORY_BUDGET`.
    pub fn check_memory_budget(&self) -> Result<()> {
        let s = crate::pipeline::V1Settings {
            overlay_resize: self.overlay_resize,
            resize_method: self.resize_method,
            rescale_factor: self.rescale_factor,
            width: self.width,
            height: self.height,
            x_offset: self.x_offset,
            y_offset: self.y_offset,
            rotation: self.rotation,
            opacity: self.opacity,
        };
        check_call_budget(
            "this superimpose call",
            &self.base_image,
            &self.overlay_image,
            self.mask.as_ref(),
            |base, overlay, mask| v1_peak_bytes(base, overlay, mask, &s, self.base64),
        )
    }
}

/// The budget check both bodies share: the sizes read from the inputs' headers (inputs whose
/// size cannot be read are left to the pipeline's own errors), the pipeline's estimated peak
/// `steps(base, overlay, mask)`, and the inputs held while the largest of them is decoded.
fn check_call_budget(
    what: &str,
    base: &ImageSource,
    overlay: &ImageSource,
    mask: Option<&ImageSource>,
    steps: impl FnOnce((u32, u32), (u32, u32), Option<(u32, u32)>) -> u64,
) -> Result<()> {
    let (Some(base), Some(overlay)) = (
        crate::codec::source_dimensions(base),
        crate::codec::source_dimensions(overlay),
    ) else {
        return Ok(());
    };
    let mask = mask.and_then(crate::codec::source_dimensions);
    let decode = [Some(base), Some(overlay), mask]
        .into_iter()
        .flatten()
        .map(|(w, h)| crate::image::estimate::decode(w, h))
        .max()
        .unwrap_or(0);
    let peak = steps(base, overlay, mask).max(held(base, overlay, mask).saturating_add(decode));
    crate::image::check_budget(what, peak)
}

/// The decoded inputs, held through the whole call.
fn held(base: (u32, u32), overlay: (u32, u32), mask: Option<(u32, u32)>) -> u64 {
    use crate::image::estimate::buffer;
    let b = |(w, h): (u32, u32)| buffer(w.into(), h.into(), 4);
    b(base)
        .saturating_add(b(overlay))
        .saturating_add(mask.map_or(0, b))
}

/// Whether the rotated canvas can be within the pixel limit (else the rotation is refused with
/// E_IMAGE_TOO_LARGE before allocating, and costs nothing).
fn rotated_fits(w: u32, h: u32, rotation: i64) -> bool {
    let (rw, rh) = crate::image::estimate::rotated_size(w, h, rotation as f64);
    // The estimate adds 2 px of slack per side; compare the unpadded canvas with the limit.
    rw.saturating_sub(2).saturating_mul(rh.saturating_sub(2)) <= crate::image::max_pixels()
}

/// Estimated peak bytes of Superimpose v2 on decoded images of these sizes (SPEC 2.2): the
/// inputs, then the largest of the overlay steps (mask luminance and resize, scale, rotate)
/// and the PNG/base64 encoding. Saturating; sizes the pipeline refuses anyway may give huge
/// values.
pub fn v2_peak_bytes(
    base: (u32, u32),
    overlay: (u32, u32),
    mask: Option<(u32, u32)>,
    rescale_factor: f64,
    rotation: i64,
    base64: bool,
) -> u64 {
    use crate::image::estimate;
    let (ow, oh) = overlay;
    let prep = estimate::buffer(ow.into(), oh.into(), 4 + 1)
        .saturating_add(mask.map_or(0, |(mw, mh)| estimate::buffer(mw.into(), mh.into(), 1)));
    let side = |s: u32| -> u32 {
        let v = (f64::from(s) * rescale_factor).trunc();
        // Out-of-range factors fail in the pipeline before allocating; count them as no-ops.
        if v.is_finite() && (1.0..=f64::from(u32::MAX)).contains(&v) {
            v as u32
        } else {
            s
        }
    };
    let (w1, h1) = (side(ow), side(oh));
    // A size over the pixel limit is refused by the pipeline (E_IMAGE_TOO_LARGE) before it
    // allocates anything, so it costs nothing here.
    if crate::image::check_dimensions(w1, h1).is_err() {
        return held(base, overlay, mask).saturating_add(prep);
    }
    let scale = if (w1, h1) == (ow, oh) {
        0
    } else {
        estimate::resize(ow, oh, w1, h1)
    };
    let rot = if rotation.rem_euclid(360) == 0 || !rotated_fits(w1, h1, rotation) {
        0
    } else {
        estimate::buffer(w1.into(), h1.into(), 4).saturating_add(estimate::rotate(
            w1,
            h1,
            rotation as f64,
        ))
    };
    let encode = if base64 {
        estimate::encode_base64(base.0, base.1)
    } else {
        0
    };
    held(base, overlay, mask).saturating_add(prep.saturating_add(scale.max(rot)).max(encode))
}

/// Estimated peak bytes of Superimpose v1 (SPEC 3.2), as [`v2_peak_bytes`]. The v1 resampler
/// works in f32 (16 bytes per RGBA pixel).
pub fn v1_peak_bytes(
    base: (u32, u32),
    overlay: (u32, u32),
    mask: Option<(u32, u32)>,
    s: &crate::pipeline::V1Settings,
    base64: bool,
) -> u64 {
    use crate::image::estimate;
    let (ow, oh) = overlay;
    let (aw, ah) = mask.unwrap_or(overlay);
    let alpha = estimate::buffer(aw.into(), ah.into(), 1);
    let (tw, th) = crate::pipeline::v1_target_size(base.0, base.1, ow, oh, s)
        .ok()
        .flatten()
        .unwrap_or((ow, oh));
    let scale = if (tw, th) == (ow, oh) {
        estimate::buffer(ow.into(), oh.into(), 4)
    } else {
        let (w, h, w1, h1) = (u64::from(ow), u64::from(oh), u64::from(tw), u64::from(th));
        estimate::buffer(w, h, 16)
            .saturating_add(estimate::buffer(w1, h, 16))
            .saturating_add(estimate::buffer(w1, h1, 16 + 4))
            .saturating_add(estimate::resize(ow, oh, tw, th))
    };
    let alpha_resize = if (aw, ah) == (tw, th) {
        0
    } else {
        estimate::resize(aw, ah, tw, th)
    };
    let rot = if s.rotation.rem_euclid(360) == 0 || !rotated_fits(tw, th, s.rotation) {
        0
    } else {
        estimate::buffer(tw.into(), th.into(), 4).saturating_add(estimate::rotate(
            tw,
            th,
            s.rotation as f64,
        ))
    };
    let encode = if base64 {
        estimate::encode_base64(base.0, base.1)
    } else {
        0
    };
    held(base, overlay, mask).saturating_add(
        alpha
            .saturating_add(scale.max(alpha_resize).max(rot))
            .max(encode),
    )
}

/// [`crate::params::v2_peak_bytes`] of decoded images (the memory-budget pre-check).
pub fn v2_budget(
    base: (u32, u32),
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &crate::pipeline::V2Settings,
) -> u64 {
    let dims = |i: &RgbaImage| (i.width(), i.height());
    crate::params::v2_peak_bytes(
        base,
        dims(overlay),
        mask.map(dims),
        s.rescale_factor,
        s.rotation,
        false,
    )
}

/// [`crate::params::v1_peak_bytes`] of decoded images (the memory-budget pre-check).
pub fn v1_budget(
    base: &RgbaImage,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &crate::pipeline::V1Settings,
) -> u64 {
    let dims = |i: &RgbaImage| (i.width(), i.height());
    crate::params::v1_peak_bytes(dims(base), dims(overlay), mask.map(dims), s, false)
}

/// A validated local body: the schema-checked JSON plus the out-of-band pixels.
struct Body {
    schema: &'static Schema,
    json: Map<String, Value>,
    pixels: Vec<(String, RgbaImage)>,
}

impl Body {
    fn new(
        schema: &'static Schema,
        body: &Map<String, Value>,
        pixels: Vec<(String, RgbaImage)>,
    ) -> Result<Body> {
        let mut seen: Vec<&str> = Vec::with_capacity(pixels.len());
        for (name, _) in &pixels {
            match schema.local_field(name) {
                None => {
                    return Err(Error::param(
                        ErrorCode::ParamUnknown,
                        name.as_str(),
                        format!(
                            "pixels were given for `{name}`, which is not a field of {}",
                            schema.model
                        ),
                    ))
                }
                Some(f) if f.kind != Kind::Image => {
                    return Err(Error::param(
                        ErrorCode::ParamType,
                        name.as_str(),
                        format!("pixels were given for `{name}`, which is not an image field"),
                    ))
                }
                Some(_) => {}
            }
            if seen.contains(&name.as_str()) {
                return Err(Error::param(
                    ErrorCode::ParamType,
                    name.as_str(),
                    format!("pixels were given twice for `{name}`"),
                ));
            }
            if body.get(name).is_some_and(|v| !v.is_null()) {
                return Err(Error::param(
                    ErrorCode::ParamType,
                    name.as_str(),
                    format!(
                        "`{name}` was given both as pixels and in the JSON body; give it one way"
                    ),
                ));
            }
            seen.push(name);
        }
        let json = schema.validate(body, Target::Local, &seen)?;
        Ok(Body {
            schema,
            json,
            pixels,
        })
    }

    fn field(&self, name: &str) -> Result<&'static Field> {
        self.schema
            .local_field(name)
            .ok_or_else(|| Error::internal(format!("schema has no field `{name}`")))
    }

    /// The validated value, or the schema's default.
    fn value(&self, name: &str) -> Result<Value> {
        if let Some(v) = self.json.get(name) {
            return Ok(v.clone());
        }
        let f = self.field(name)?;
        f.default
            .and_then(|d| serde_json::from_str(d).ok())
            .ok_or_else(|| Error::internal(format!("schema field `{name}` has no default")))
    }

    fn str_value(&self, name: &str) -> Result<String> {
        match self.value(name)? {
            Value::String(s) => Ok(s),
            _ => Err(Error::internal(format!("`{name}` is not a string"))),
        }
    }

    fn f64_value(&self, name: &str) -> Result<f64> {
        schema::number_value(name, &self.value(name)?)
    }

    fn i64_value(&self, name: &str) -> Result<i64> {
        schema::integer_value(name, &self.value(name)?)
    }

    fn u32_value(&self, name: &str) -> Result<u32> {
        let v = self.i64_value(name)?;
        u32::try_from(v).map_err(|_| {
            Error::range(
                name,
                format!(
                    "`{name}` must be from 0 to {} for local execution; got {v}",
                    u32::MAX
                ),
            )
        })
    }

    fn bool_value(&self, name: &str) -> Result<bool> {
        match self.value(name)? {
            Value::Bool(b) => Ok(b),
            _ => Err(Error::internal(format!("`{name}` is not a boolean"))),
        }
    }

    fn explicit(&self, name: &str) -> bool {
        self.json.contains_key(name)
    }

    fn image(&mut self, name: &str) -> Result<Option<ImageSource>> {
        if let Some(i) = self.pixels.iter().position(|(n, _)| n == name) {
            let (_, img) = self.pixels.swap_remove(i);
            return Ok(Some(ImageSource::Pixels(img)));
        }
        match self.json.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => ImageSource::from_str_field(name, s).map(Some),
            Some(_) => Err(Error::internal(format!("`{name}` is not a string"))),
        }
    }

    fn required_image(&mut self, name: &str) -> Result<ImageSource> {
        self.image(name)?.ok_or_else(|| {
            Error::param(
                ErrorCode::ParamMissing,
                name,
                format!("`{name}` is required: give a URL, a data: URI, base64 text or pixels"),
            )
        })
    }
}

impl SuperimposeV2 {
    /// Parse and validate a local Superimpose v2 body. `pixels` carries image fields the JS layer
    /// already decoded; such a field must be absent from `body`.
    ///
    /// # Errors
    /// The `E_PARAM_*` codes of [`Schema::validate_remote`] (same rules and enums, plus the
    /// local-only fields), `E_IMAGE_INPUT` for a malformed image string, `E_PARAM_TYPE` for a
    /// field given both as pixels and in JSON.
    pub fn from_json(body: &Map<String, Value>, pixels: Vec<(String, RgbaImage)>) -> Result<Self> {
        let mut b = Body::new(&schema::SUPERIMPOSE_V2, body, pixels)?;
        Ok(SuperimposeV2 {
            base_image: b.required_image("base_image")?,
            overlay_image: b.required_image("overlay_image")?,
            mask: b.image("mask")?,
            bg_remove_model: BgRemoveModel::parse(
                "bg_remove_model",
                &b.str_value("bg_remove_model")?,
            )?,
            bg_remove_model_explicit: b.explicit("bg_remove_model"),
            blend_mode: BlendMode::parse("blend_mode", &b.str_value("blend_mode")?)?,
            mirror: Mirror::parse("mirror", &b.str_value("mirror")?)?,
            opacity: b.f64_value("opacity")?,
            rescale_factor: b.f64_value("rescale_factor")?,
            resize_method: Filter::parse("resize_method", &b.str_value("resize_method")?)?,
            rotation: b.i64_value("rotation")?,
            x_percent: b.i64_value("x_percent")?,
            y_percent: b.i64_value("y_percent")?,
            base64: b.bool_value("base64")?,
            scale_filter: ScaleFilter::parse("scale_filter", &b.str_value("scale_filter")?)?,
            seed: b.u32_value("seed")?,
        })
    }
}

impl SuperimposeV1 {
    /// Parse and validate a local Superimpose v1 body. `pixels` carries image fields the JS layer
    /// already decoded; such a field must be absent from `body`.
    ///
    /// # Errors
    /// As [`SuperimposeV2::from_json`]; `width`/`height` above `u32::MAX` are `E_PARAM_RANGE`.
    pub fn from_json(body: &Map<String, Value>, pixels: Vec<(String, RgbaImage)>) -> Result<Self> {
        let mut b = Body::new(&schema::SUPERIMPOSE_V1, body, pixels)?;
        Ok(SuperimposeV1 {
            base_image: b.required_image("base_image")?,
            overlay_image: b.required_image("overlay_image")?,
            mask: b.image("mask")?,
            overlay_resize: OverlayResize::parse(
                "overlay_resize",
                &b.str_value("overlay_resize")?,
            )?,
            resize_method: V1Method::parse("resize_method", &b.str_value("resize_method")?)?,
            rescale_factor: b.f64_value("rescale_factor")?,
            width: b.u32_value("width")?,
            height: b.u32_value("height")?,
            x_offset: b.i64_value("x_offset")?,
            y_offset: b.i64_value("y_offset")?,
            rotation: b.i64_value("rotation")?,
            opacity: b.f64_value("opacity")?,
            base64: b.bool_value("base64")?,
        })
    }
}
