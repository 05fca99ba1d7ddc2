//! Declarative request-body schemas for the five models (SPEC 2.1, 3.1, 4.8).
//!
//! One data table per model lists every field's name, [`Kind`] (type, range, enum), whether it
//! is required, its default (as JSON text) and its documentation. The same tables drive
//!
//! * [`Schema::validate_remote`] — pre-submit validation for the Segmind client (SPEC 4.8),
//! * the local Superimpose v1/v2 parameter parsing in [`crate::params`] (which adds only the
//!   local-only fields listed in [`Schema::local_fields`]), and
//! * [`Schema::to_json`] — the machine-readable description used for generated forms and types.
//!
//! Non-finite numbers cannot travel in JSON. A JS caller's `NaN`, `Infinity` and `-Infinity` are
//! carried as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (see [`json_number`]); a number
//! or integer field holding one of them is refused with `E_PARAM_RANGE` ("must be finite").

use crate::blend::BlendMode;
use crate::error::{Error, ErrorCode, Result};
use crate::resample::{Filter, V1Method};
use serde_json::{Map, Value};

/// The type (and range or allowed values) of a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// An image input: an `http(s)` URL, a `data:<mime>;base64,…` URI or raw base64 (SPEC 4.7).
    Image,
    /// A string; when `allowed` is set, exactly one of those values (case-sensitive).
    String {
        /// The allowed values, or `None` for free text.
        allowed: Option<&'static [&'static str]>,
    },
    /// An integral JSON number within `min..=max` (either bound optional).
    Integer {
        /// Inclusive lower bound.
        min: Option<i64>,
        /// Inclusive upper bound.
        max: Option<i64>,
    },
    /// A finite JSON number within the bounds (inclusive unless `exclusive_min`).
    Number {
        /// Lower bound.
        min: Option<f64>,
        /// Inclusive upper bound.
        max: Option<f64>,
        /// The lower bound itself is not allowed (`> min`).
        exclusive_min: bool,
    },
    /// `true` or `false`.
    Boolean,
}

impl Kind {
    /// The kind's name in [`Schema::to_json`]: `image`, `string`, `integer`, `number`, `boolean`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::String { .. } => "string",
            Kind::Integer { .. } => "integer",
            Kind::Number { .. } => "number",
            Kind::Boolean => "boolean",
        }
    }
}

/// One field of a request body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The JSON key.
    pub name: &'static str,
    /// Type and range.
    pub kind: Kind,
    /// Whether the field must be present (required fields with a default are filled in).
    pub required: bool,
    /// The default as JSON text (`"90"`, `"\"Bria\""`), `None` when there is none.
    pub default: Option<&'static str>,
    /// Human-readable description.
    pub doc: &'static str,
}

/// An accepted alternative spelling of an enum value, replaced by `canonical` before use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// The field the alias applies to.
    pub field: &'static str,
    /// The accepted alternative.
    pub alias: &'static str,
    /// The API's own value that is sent / used instead.
    pub canonical: &'static str,
}

/// The request-body schema of one model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schema {
    /// The model slug, e.g. `"superimpose-v2"`.
    pub model: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// The API's fields, in documentation order.
    pub fields: &'static [Field],
    /// Accepted alternative enum spellings (remote and local).
    pub aliases: &'static [Alias],
    /// Fields only the local implementation knows. A field here with the same name as an API
    /// field replaces it for local execution (e.g. `blend_mode` with all 30 modes); the others
    /// are refused by [`Schema::validate_remote`] because they are not API fields.
    pub local_fields: &'static [Field],
}

// ---------------------------------------------------------------------------------------------
// Enum lists derived from the crate's one definition of each enum.

const fn count_core_blend_modes() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < BlendMode::ALL.len() {
        if !BlendMode::ALL[i].is_extended() {
            n += 1;
        }
        i += 1;
    }
    n
}

const N_CORE_BLEND: usize = count_core_blend_modes();

/// The remote API's blend modes: the non-extended names of [`BlendMode::ALL`], in id order.
pub const REMOTE_BLEND_MODES: [&str; N_CORE_BLEND] = {
    let mut out = [""; N_CORE_BLEND];
    let mut i = 0;
    let mut j = 0;
    while i < BlendMode::ALL.len() {
        if !BlendMode::ALL[i].is_extended() {
            out[j] = BlendMode::ALL[i].as_str();
            j += 1;
        }
        i += 1;
    }
    out
};

const N_BLEND: usize = BlendMode::ALL.len();

/// Every blend mode's canonical name (the local `blend_mode` enum; aliases are accepted too).
pub const LOCAL_BLEND_MODES: [&str; N_BLEND] = {
    let mut out = [""; N_BLEND];
    let mut i = 0;
    while i < N_BLEND {
        out[i] = BlendMode::ALL[i].as_str();
        i += 1;
    }
    out
};

const N_FILTER: usize = Filter::ALL.len();
const FILTER_NAMES: [&str; N_FILTER] = {
    let mut out = [""; N_FILTER];
    let mut i = 0;
    while i < N_FILTER {
        out[i] = Filter::ALL[i].as_str();
        i += 1;
    }
    out
};

const N_V1: usize = V1Method::ALL.len();
const V1_METHOD_NAMES: [&str; N_V1] = {
    let mut out = [""; N_V1];
    let mut i = 0;
    while i < N_V1 {
        out[i] = V1Method::ALL[i].as_str();
        i += 1;
    }
    out
};

/// Superimpose v1 `overlay_resize` values as the API spells them (note the API's "heigth").
pub const OVERLAY_RESIZE_VALUES: &[&str] = &[
    "None",
    "Fit",
    "Resize by rescale_factor",
    "Resize to width & heigth",
];

/// Superimpose v2 local `scale_filter` values (SPEC 2.2 compatibility switch).
pub const SCALE_FILTER_VALUES: &[&str] = &["resize_method", "bicubic"];

// ---------------------------------------------------------------------------------------------
// Table helpers.

const fn image(name: &'static str, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Image,
        required,
        default: None,
        doc,
    }
}

const fn enumeration(
    name: &'static str,
    allowed: &'static [&'static str],
    required: bool,
    default: Option<&'static str>,
    doc: &'static str,
) -> Field {
    Field {
        name,
        kind: Kind::String {
            allowed: Some(allowed),
        },
        required,
        default,
        doc,
    }
}

const fn text(
    name: &'static str,
    required: bool,
    default: Option<&'static str>,
    doc: &'static str,
) -> Field {
    Field {
        name,
        kind: Kind::String { allowed: None },
        required,
        default,
        doc,
    }
}

const fn int(
    name: &'static str,
    min: Option<i64>,
    max: Option<i64>,
    default: Option<&'static str>,
    doc: &'static str,
) -> Field {
    Field {
        name,
        kind: Kind::Integer { min, max },
        required: false,
        default,
        doc,
    }
}

const fn num(
    name: &'static str,
    min: f64,
    max: f64,
    exclusive_min: bool,
    default: &'static str,
    doc: &'static str,
) -> Field {
    Field {
        name,
        kind: Kind::Number {
            min: Some(min),
            max: Some(max),
            exclusive_min,
        },
        required: false,
        default: Some(default),
        doc,
    }
}

const fn boolean(name: &'static str, default: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Boolean,
        required: false,
        default: Some(default),
        doc,
    }
}

/// The largest integer a JS number carries exactly (2⁵³ − 1).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

// ---------------------------------------------------------------------------------------------
// The five tables.

/// `superimpose-v2` (SPEC 2.1).
pub static SUPERIMPOSE_V2: Schema = Schema {
    model: "superimpose-v2",
    title: "Image Superimpose V2",
    fields: &[
        image("base_image", true, "Base image: URL, data: URI or raw base64."),
        image("overlay_image", true, "Overlay image: URL, data: URI or raw base64."),
        image("mask", false, "Alpha mask for the overlay (luminance; white = overlay visible)."),
        enumeration(
            "bg_remove_model",
            &["Bria", "IsNet", "None"],
            false,
            Some("\"Bria\""),
            "Background-removal model for the overlay (ignored when a mask is given).",
        ),
        enumeration(
            "blend_mode",
            &REMOTE_BLEND_MODES,
            false,
            Some("\"multiply\""),
            "Blend mode.",
        ),
        enumeration(
            "mirror",
            &["None", "horizontal", "vertical"],
            false,
            Some("\"None\""),
            "Mirror the overlay before scaling.",
        ),
        num("opacity", 0.0, 100.0, false, "90", "Opacity of the overlay, 0–100."),
        num(
            "rescale_factor",
            0.0,
            100.0,
            true,
            "1",
            "Scale factor for the overlay (> 0, ≤ 100).",
        ),
        enumeration(
            "resize_method",
            &FILTER_NAMES,
            false,
            Some("\"nearest\""),
            "Resize method for the overlay image.",
        ),
        int(
            "rotation",
            Some(0),
            Some(360),
            Some("0"),
            "Counter-clockwise rotation of the overlay in degrees, 0–360.",
        ),
        int(
            "x_percent",
            Some(0),
            Some(100),
            Some("50"),
            "Horizontal position of the overlay's centre, % of the base width.",
        ),
        int(
            "y_percent",
            Some(0),
            Some(100),
            Some("80"),
            "Vertical position of the overlay's centre, % of the base height.",
        ),
        boolean("base64", "false", "Return the encoded output as base64 text."),
    ],
    aliases: &[],
    local_fields: &[
        Field {
            name: "blend_mode",
            kind: Kind::String {
                allowed: Some(&LOCAL_BLEND_MODES),
            },
            required: false,
            default: Some("\"multiply\""),
            doc: "Blend mode: the API's 14 plus 16 extended modes, and their CSS-style aliases (local only).",
        },
        enumeration(
            "scale_filter",
            SCALE_FILTER_VALUES,
            false,
            Some("\"resize_method\""),
            "Scaling filter: \"resize_method\" (the documented meaning) or \"bicubic\" (the reference node's behaviour) (local only).",
        ),
        Field {
            name: "seed",
            kind: Kind::Integer {
                min: Some(0),
                max: Some(u32::MAX as i64),
            },
            required: false,
            default: Some("0"),
            doc: "Random seed of the dissolve blend mode (local only).",
        },
    ],
};

/// `superimpose` (v1, SPEC 3.1).
pub static SUPERIMPOSE_V1: Schema = Schema {
    model: "superimpose",
    title: "Superimpose (v1)",
    fields: &[
        image(
            "base_image",
            true,
            "Base image: URL, data: URI or raw base64.",
        ),
        image(
            "overlay_image",
            true,
            "Overlay image: URL, data: URI or raw base64.",
        ),
        image(
            "mask",
            false,
            "Mask for the overlay (luminance; white = visible).",
        ),
        enumeration(
            "overlay_resize",
            OVERLAY_RESIZE_VALUES,
            false,
            Some("\"Resize by rescale_factor\""),
            "How to size the overlay.",
        ),
        enumeration(
            "resize_method",
            &V1_METHOD_NAMES,
            false,
            Some("\"nearest-exact\""),
            "Resize method for the overlay image.",
        ),
        num(
            "rescale_factor",
            0.0,
            16.0,
            true,
            "1",
            "Scale factor (> 0, ≤ 16) for \"Resize by rescale_factor\".",
        ),
        int(
            "width",
            Some(1),
            None,
            Some("1024"),
            "Overlay width for \"Resize to width & heigth\".",
        ),
        int(
            "height",
            Some(1),
            None,
            Some("1024"),
            "Overlay height for \"Resize to width & heigth\".",
        ),
        int(
            "x_offset",
            None,
            None,
            Some("0"),
            "Left edge of the (rotated) overlay on the base, px; may be negative.",
        ),
        int(
            "y_offset",
            None,
            None,
            Some("0"),
            "Top edge of the (rotated) overlay on the base, px; may be negative.",
        ),
        int(
            "rotation",
            Some(0),
            Some(360),
            Some("0"),
            "Counter-clockwise rotation in degrees, 0–360.",
        ),
        num(
            "opacity",
            0.0,
            1.0,
            false,
            "1",
            "Opacity, 0–1 (1 = opaque).",
        ),
        boolean(
            "base64",
            "false",
            "Return the encoded output as base64 text.",
        ),
    ],
    aliases: &[
        Alias {
            field: "overlay_resize",
            alias: "Resize to width & height",
            canonical: "Resize to width & heigth",
        },
        Alias {
            field: "overlay_resize",
            alias: "Resize to height & width",
            canonical: "Resize to width & heigth",
        },
    ],
    local_fields: &[],
};

/// `seg-swap` (SPEC 4.8).
pub static SEG_SWAP: Schema = Schema {
    model: "seg-swap",
    title: "Segmind SegSwap v0.1",
    fields: &[
        image("main_image", true, "The main image."),
        image("object_image", true, "The object (overlay) image."),
        image("mask_image", true, "The main image's mask."),
        text(
            "prompt",
            false,
            Some("\"photo of a wooden table in center of living room\""),
            "The main prompt describing the scene or subject.",
        ),
        int(
            "steps",
            Some(10),
            Some(100),
            Some("30"),
            "Number of processing steps.",
        ),
        int(
            "seed",
            Some(-MAX_SAFE_INTEGER),
            Some(MAX_SAFE_INTEGER),
            Some("42"),
            "Random seed (range unpublished; kept within ±(2⁵³−1)).",
        ),
        int(
            "growmask",
            Some(0),
            Some(20),
            Some("5"),
            "Grow the mask by this much.",
        ),
        num(
            "fashion_strength",
            0.0,
            1.0,
            false,
            "1",
            "Fashion strength.",
        ),
        num(
            "subject_strength",
            0.0,
            1.0,
            false,
            "1",
            "Subject strength.",
        ),
        int(
            "horizontal_repeat",
            Some(1),
            Some(10),
            Some("1"),
            "Horizontal tiling of the object (for patterns).",
        ),
        int(
            "vertical_repeat",
            Some(1),
            Some(10),
            Some("1"),
            "Vertical tiling of the object (for patterns).",
        ),
        enumeration(
            "image_format",
            &["jpeg", "png", "webp"],
            false,
            Some("\"png\""),
            "Output image format.",
        ),
        int(
            "image_quality",
            Some(10),
            Some(100),
            Some("95"),
            "Output image quality.",
        ),
        boolean("base64", "false", "Return the image as base64 text."),
    ],
    aliases: &[],
    local_fields: &[],
};

/// `bg-replace` (SPEC 4.8).
pub static BG_REPLACE: Schema = Schema {
    model: "bg-replace",
    title: "Background Replace",
    fields: &[
        image("image", true, "Input image."),
        image("ref_image", true, "Reference image."),
        text("prompt", true, None, "Prompt to render (non-empty)."),
        text("negative_prompt", false, None, "What to exclude."),
        int("samples", Some(1), Some(4), Some("1"), "Number of samples."),
        enumeration(
            "scheduler",
            &[
                "DDIM",
                "DPM Multi",
                "DPM Single",
                "Euler a",
                "Euler",
                "Heun",
                "DPM2 a Karras",
                "DPM2 Karras",
                "LMS",
                "PNDM",
                "DDPM",
                "UniPC",
            ],
            false,
            Some("\"DPM2 Karras\""),
            "Scheduler (\"DDPM\" and \"UniPC\" inferred).",
        ),
        int(
            "num_inference_steps",
            Some(20),
            Some(100),
            Some("25"),
            "Number of denoising steps.",
        ),
        num(
            "guidance_scale",
            1.0,
            25.0,
            false,
            "7.5",
            "Classifier-free guidance scale.",
        ),
        int(
            "seed",
            Some(-1),
            Some(999_999_999_999_999),
            Some("-1"),
            "Seed (−1 = random).",
        ),
        num("strength", 0.0, 1.0, false, "1", "Strength."),
        num("cn_weight", 0.0, 1.0, false, "0.9", "ControlNet weight."),
        num(
            "ip_adapter_weight",
            0.0,
            1.0,
            false,
            "0.5",
            "IP-Adapter weight.",
        ),
        boolean("base64", "false", "Return the image as base64 text."),
    ],
    aliases: &[],
    local_fields: &[],
};

/// `segmind-relighting-v2` (SPEC 4.8; no `base64` field).
pub static RELIGHTING_V2: Schema = Schema {
    model: "segmind-relighting-v2",
    title: "Segmind Relighting V2",
    fields: &[
        image(
            "image",
            true,
            "The image to relight (the API asks for a URL).",
        ),
        enumeration(
            "light_direction",
            &["left", "right", "top", "back"],
            true,
            Some("\"back\""),
            "Direction of the light.",
        ),
        enumeration(
            "light_intensity",
            &["mood", "bright", "medium", "strong"],
            true,
            Some("\"strong\""),
            "Light brightness.",
        ),
        enumeration(
            "light_temperature",
            &["warm", "cool", "neutral", "sunset"],
            true,
            Some("\"warm\""),
            "Light colour.",
        ),
        enumeration(
            "light_type",
            &["softbox", "sunlight", "spotlight", "ambient"],
            true,
            Some("\"spotlight\""),
            "Light source.",
        ),
        enumeration(
            "background",
            &["transparent", "opaque"],
            false,
            Some("\"opaque\""),
            "Transparent or opaque background (transparent needs png or webp).",
        ),
        int(
            "output_compression",
            Some(0),
            Some(100),
            Some("100"),
            "Compression level (range inferred).",
        ),
        enumeration(
            "output_format",
            &["png", "jpeg", "webp"],
            false,
            Some("\"png\""),
            "Output format.",
        ),
        enumeration(
            "quality",
            &["low", "medium", "high"],
            false,
            Some("\"high\""),
            "Visual quality.",
        ),
        enumeration(
            "size",
            &["1024x1024", "1536x1024", "1024x1536", "auto"],
            false,
            Some("\"auto\""),
            "Output resolution.",
        ),
        text(
            "use_case_config",
            false,
            None,
            "Passed through verbatim (undocumented upstream).",
        ),
    ],
    aliases: &[],
    local_fields: &[],
};

/// Every model's schema.
pub const MODELS: &[&Schema] = &[
    &SUPERIMPOSE_V2,
    &SUPERIMPOSE_V1,
    &SEG_SWAP,
    &BG_REPLACE,
    &RELIGHTING_V2,
];

/// The schema of `model` (its slug, e.g. `"seg-swap"`).
pub fn for_model(model: &str) -> Option<&'static Schema> {
    MODELS.iter().copied().find(|s| s.model == model)
}

/// A JS number as a JSON value: finite numbers as numbers (integral values as integers), and
/// `NaN`, `Infinity`, `-Infinity` — which JSON cannot carry — as those strings, which every number
/// and integer field refuses with `E_PARAM_RANGE`.
pub fn json_number(x: f64) -> Value {
    if x.is_nan() {
        Value::from("NaN")
    } else if x.is_infinite() {
        Value::from(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

/// Which field set a validation runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Remote,
    Local,
}

impl Schema {
    /// The API field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field called `name` as the local implementation sees it.
    pub fn local_field(&self, name: &str) -> Option<&'static Field> {
        self.local_fields
            .iter()
            .find(|f| f.name == name)
            .or_else(|| self.field(name))
    }

    fn lookup(&self, name: &str, target: Target) -> Option<&'static Field> {
        match target {
            Target::Remote => self.field(name),
            Target::Local => self.local_field(name),
        }
    }

    /// Every field name for `target`, API fields first.
    fn names(&self, target: Target) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.fields.iter().map(|f| f.name).collect();
        if target == Target::Local {
            for f in self.local_fields {
                if !v.contains(&f.name) {
                    v.push(f.name);
                }
            }
        }
        v
    }

    /// Validate a remote body per SPEC 4.8 common rules: required present and non-empty,
    /// integers integral, numbers finite and in range (inclusive unless exclusive_min), enums
    /// exact (plus the schema's [`Alias`]es, sent as the canonical value), image fields are an
    /// http(s) URL, a `data:` URI or raw base64 (syntactic check), unknown field names →
    /// `E_PARAM_UNKNOWN` (with a "did you mean" when close; local-only fields are unknown here),
    /// model-specific rules (relighting: `background: "transparent"` with
    /// `output_format: "jpeg"` is refused).
    ///
    /// Returns the body to send: values normalised (integral floats as integers, aliases
    /// replaced), defaults filled ONLY for required fields (relighting's four `light_*` fields),
    /// optional unset (absent or `null`) fields omitted.
    ///
    /// # Errors
    /// `E_PARAM_MISSING`, `E_PARAM_TYPE`, `E_PARAM_RANGE`, `E_PARAM_ENUM`, `E_PARAM_UNKNOWN`
    /// and `E_IMAGE_INPUT` (an image string that is none of the accepted forms), each naming
    /// the field and saying what is allowed.
    pub fn validate_remote(&self, body: &Map<String, Value>) -> Result<Map<String, Value>> {
        self.validate(body, Target::Remote, &[])
    }

    /// The shared validator. `preset` names image fields supplied out of band (as pixels) that
    /// count as present.
    pub(crate) fn validate(
        &self,
        body: &Map<String, Value>,
        target: Target,
        preset: &[&str],
    ) -> Result<Map<String, Value>> {
        // Unknown keys first: a typo is the most likely cause of every other error.
        for key in body.keys() {
            if self.lookup(key, target).is_none() {
                return Err(self.unknown(key, target));
            }
        }
        let mut out = Map::new();
        for name in self.names(target) {
            let Some(field) = self.lookup(name, target) else {
                continue;
            };
            match body.get(name) {
                None | Some(Value::Null) => {
                    if preset.contains(&name) {
                        continue;
                    }
                    if field.required {
                        match field.default.and_then(|d| serde_json::from_str(d).ok()) {
                            Some(v) => {
                                out.insert(name.to_string(), v);
                            }
                            None => return Err(missing(field)),
                        }
                    }
                }
                Some(v) => {
                    let v = self.check_value(field, v, target)?;
                    out.insert(name.to_string(), v);
                }
            }
        }
        self.cross_rules(&out)?;
        Ok(out)
    }

    fn unknown(&self, key: &str, target: Target) -> Error {
        if target == Target::Remote && self.local_fields.iter().any(|f| f.name == key) {
            return Error::param(
                ErrorCode::ParamUnknown,
                key,
                format!(
                    "`{key}` is a local-only option of {}, not a field of the remote API; remove it for remote execution",
                    self.model
                ),
            );
        }
        let names = self.names(target);
        let mut msg = format!("`{key}` is not a field of {}", self.model);
        if let Some(s) = suggest(key, &names) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        } else {
            msg.push_str(&format!("; known fields: {}", names.join(", ")));
        }
        Error::param(ErrorCode::ParamUnknown, key, msg)
    }

    fn canonical(&self, field: &str, value: &str, target: Target) -> Option<&'static str> {
        if let Some(a) = self
            .aliases
            .iter()
            .find(|a| a.field == field && a.alias == value)
        {
            return Some(a.canonical);
        }
        if target == Target::Local && self.model == SUPERIMPOSE_V2.model && field == "blend_mode" {
            return BlendMode::parse(field, value).ok().map(BlendMode::as_str);
        }
        None
    }

    fn check_value(&self, field: &Field, v: &Value, target: Target) -> Result<Value> {
        let name = field.name;
        match field.kind {
            Kind::Image => {
                let s = v.as_str().ok_or_else(|| {
                    type_error(name, "an image (a URL, a data: URI or base64 text)", v)
                })?;
                check_image_syntax(name, s)?;
                Ok(v.clone())
            }
            Kind::String { allowed } => {
                let s = v.as_str().ok_or_else(|| type_error(name, "a string", v))?;
                if let Some(allowed) = allowed {
                    if allowed.contains(&s) {
                        return Ok(v.clone());
                    }
                    if let Some(c) = self.canonical(name, s, target) {
                        return Ok(Value::from(c));
                    }
                    let mut e = Error::enumeration(name, s, allowed);
                    if let Some(sug) = suggest(s, allowed) {
                        e = Error::param(
                            ErrorCode::ParamEnum,
                            name,
                            format!("{} (did you mean {sug:?}?)", e.message()),
                        );
                    }
                    return Err(e);
                }
                if field.required && s.trim().is_empty() {
                    return Err(Error::param(
                        ErrorCode::ParamMissing,
                        name,
                        format!("`{name}` is required and must not be empty"),
                    ));
                }
                Ok(v.clone())
            }
            Kind::Integer { min, max } => {
                let n = integer_value(name, v)?;
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(Error::range(
                        name,
                        format!(
                            "`{name}` must be an integer {}; got {n}",
                            int_range(min, max)
                        ),
                    ));
                }
                Ok(Value::from(n))
            }
            Kind::Number {
                min,
                max,
                exclusive_min,
            } => {
                let x = number_value(name, v)?;
                let below = match min {
                    Some(m) if exclusive_min => x <= m,
                    Some(m) => x < m,
                    None => false,
                };
                if below || max.is_some_and(|m| x > m) {
                    return Err(Error::range(
                        name,
                        format!(
                            "`{name}` must be a number {}; got {x}",
                            num_range(min, max, exclusive_min)
                        ),
                    ));
                }
                Ok(v.clone())
            }
            Kind::Boolean => match v {
                Value::Bool(_) => Ok(v.clone()),
                _ => Err(type_error(name, "true or false", v)),
            },
        }
    }

    fn cross_rules(&self, out: &Map<String, Value>) -> Result<()> {
        if self.model == RELIGHTING_V2.model
            && out.get("background").and_then(Value::as_str) == Some("transparent")
            && out.get("output_format").and_then(Value::as_str) == Some("jpeg")
        {
            return Err(Error::param(
                ErrorCode::ParamEnum,
                "output_format",
                "`output_format` \"jpeg\" cannot carry the alpha that `background: \"transparent\"` needs; use \"png\" or \"webp\", or `background: \"opaque\"`",
            ));
        }
        Ok(())
    }

    /// The schema as JSON, for generated forms and TypeScript types:
    /// `{"model", "title", "fields": [...], "localFields": [...], "aliases": [...]}` where each
    /// field is `{"name", "kind", "required", "doc"}` plus, where they apply, `"default"` (a JSON
    /// value), `"enum"`, `"min"`, `"max"` and `"exclusiveMin"`.
    pub fn to_json(&self) -> Value {
        let fields: Vec<Value> = self.fields.iter().map(field_json).collect();
        let local: Vec<Value> = self.local_fields.iter().map(field_json).collect();
        let aliases: Vec<Value> = self
            .aliases
            .iter()
            .map(|a| {
                serde_json::json!({"field": a.field, "alias": a.alias, "canonical": a.canonical})
            })
            .collect();
        let mut local_aliases = Vec::new();
        if self.model == SUPERIMPOSE_V2.model {
            for m in BlendMode::ALL {
                for a in m.aliases() {
                    local_aliases.push(serde_json::json!({
                        "field": "blend_mode", "alias": a, "canonical": m.as_str()
                    }));
                }
            }
        }
        serde_json::json!({
            "model": self.model,
            "title": self.title,
            "fields": fields,
            "localFields": local,
            "aliases": aliases,
            "localAliases": local_aliases,
        })
    }
}

fn field_json(f: &Field) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(f.name));
    m.insert("kind".into(), Value::from(f.kind.as_str()));
    m.insert("required".into(), Value::from(f.required));
    m.insert("doc".into(), Value::from(f.doc));
    if let Some(d) = f
        .default
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
    {
        m.insert("default".into(), d);
    }
    match f.kind {
        Kind::String { allowed: Some(a) } => {
            m.insert("enum".into(), Value::from(a.to_vec()));
        }
        Kind::Integer { min, max } => {
            if let Some(v) = min {
                m.insert("min".into(), Value::from(v));
            }
            if let Some(v) = max {
                m.insert("max".into(), Value::from(v));
            }
        }
        Kind::Number {
            min,
            max,
            exclusive_min,
        } => {
            if let Some(v) = min {
                m.insert("min".into(), json_number(v));
            }
            if let Some(v) = max {
                m.insert("max".into(), json_number(v));
            }
            m.insert("exclusiveMin".into(), Value::from(exclusive_min));
        }
        _ => {}
    }
    Value::Object(m)
}

fn missing(field: &Field) -> Error {
    let what = match field.kind {
        Kind::Image => "an image (a URL, a data: URI or base64 text)",
        Kind::String { .. } => "a non-empty string",
        Kind::Integer { .. } => "an integer",
        Kind::Number { .. } => "a number",
        Kind::Boolean => "true or false",
    };
    Error::param(
        ErrorCode::ParamMissing,
        field.name,
        format!("`{}` is required: give {what}", field.name),
    )
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() > 40 => format!("a string of {} characters", s.len()),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn type_error(name: &str, want: &str, v: &Value) -> Error {
    Error::param(
        ErrorCode::ParamType,
        name,
        format!("`{name}` must be {want}; got {}", describe(v)),
    )
}

/// The non-finite sentinel strings of [`json_number`].
fn non_finite(v: &Value) -> bool {
    matches!(v.as_str(), Some("NaN" | "Infinity" | "-Infinity"))
}

fn not_finite(name: &str, v: &Value) -> Error {
    Error::range(
        name,
        format!(
            "`{name}` must be a finite number; got {}",
            v.as_str().unwrap_or("a non-finite value")
        ),
    )
}

/// An integer field's value: an integral JSON number (an integral float such as `30.0` counts).
pub(crate) fn integer_value(name: &str, v: &Value) -> Result<i64> {
    if non_finite(v) {
        return Err(not_finite(name, v));
    }
    let Value::Number(n) = v else {
        return Err(type_error(name, "an integer", v));
    };
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Err(Error::range(
            name,
            format!("`{name}` must be an integer within ±{MAX_SAFE_INTEGER}; got {n}"),
        ));
    }
    let x = n.as_f64().unwrap_or(f64::NAN);
    if !x.is_finite() {
        return Err(not_finite(name, v));
    }
    if x.fract() != 0.0 {
        return Err(type_error(name, "an integer (no fractional part)", v));
    }
    if x.abs() > MAX_SAFE_INTEGER as f64 {
        return Err(Error::range(
            name,
            format!("`{name}` must be an integer within ±{MAX_SAFE_INTEGER}; got {n}"),
        ));
    }
    Ok(x as i64)
}

/// A number field's value: a finite JSON number.
pub(crate) fn number_value(name: &str, v: &Value) -> Result<f64> {
    if non_finite(v) {
        return Err(not_finite(name, v));
    }
    let Value::Number(n) = v else {
        return Err(type_error(name, "a number", v));
    };
    match n.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(not_finite(name, v)),
    }
}

fn int_range(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("from {a} to {b}"),
        (Some(a), None) => format!("≥ {a}"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => "(any)".into(),
    }
}

fn num_range(min: Option<f64>, max: Option<f64>, exclusive_min: bool) -> String {
    let lo = min.map(|a| {
        if exclusive_min {
            format!("> {a}")
        } else {
            format!("≥ {a}")
        }
    });
    let hi = max.map(|b| format!("≤ {b}"));
    match (lo, hi) {
        (Some(a), Some(b)) => format!("{a} and {b}"),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => "(any finite)".into(),
    }
}

/// The form an image string takes (SPEC 4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageForm {
    /// `http://` or `https://` URL.
    Url,
    /// `data:<mime>;base64,<payload>`.
    DataUri,
    /// Raw base64 text (standard or URL-safe alphabet, padding optional, whitespace ignored).
    Base64,
}

/// Classify an image string syntactically (no decoding).
///
/// # Errors
/// `E_PARAM_MISSING` for an empty string, `E_IMAGE_INPUT` (naming `name`) when the string is
/// none of the accepted forms.
pub fn check_image_syntax(name: &str, s: &str) -> Result<ImageForm> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::param(
            ErrorCode::ParamMissing,
            name,
            format!("`{name}` is empty: give an http(s) URL, a data: URI or base64 text, or omit the field"),
        ));
    }
    let lower_prefix: String = t.chars().take(8).collect::<String>().to_ascii_lowercase();
    if lower_prefix.starts_with("http://") || lower_prefix.starts_with("https://") {
        let rest = t.split_once("://").map_or("", |(_, r)| r);
        if rest.is_empty() || rest.starts_with('/') || t.chars().any(char::is_whitespace) {
            return Err(bad_image(
                name,
                "the URL has no host or contains whitespace",
            ));
        }
        return Ok(ImageForm::Url);
    }
    if lower_prefix.starts_with("data:") {
        let Some((head, payload)) = t.split_once(',') else {
            return Err(bad_image(
                name,
                "the data: URI has no ',' before its payload",
            ));
        };
        if !head.to_ascii_lowercase().ends_with(";base64") {
            return Err(bad_image(
                name,
                "only base64 data: URIs (`data:<mime>;base64,…`) are accepted",
            ));
        }
        if !is_base64(payload) {
            return Err(bad_image(
                name,
                "the data: URI's payload is not valid base64",
            ));
        }
        return Ok(ImageForm::DataUri);
    }
    if is_base64(t) {
        return Ok(ImageForm::Base64);
    }
    Err(bad_image(
        name,
        "it is neither an http(s) URL, a data: URI nor base64 text",
    ))
}

fn bad_image(name: &str, why: &str) -> Error {
    Error::param(
        ErrorCode::ImageInput,
        name,
        format!(
            "`{name}` must be an http(s) URL, a `data:<mime>;base64,…` URI or raw base64: {why}"
        ),
    )
}

/// Syntactic base64 check: standard or URL-safe alphabet, ASCII whitespace ignored, optional
/// `=` padding only at the end, a length that can be decoded (not 1 mod 4), non-empty.
pub(crate) fn is_base64(s: &str) -> bool {
    let mut n = 0usize;
    let mut pad = 0usize;
    for b in s.bytes() {
        if b.is_ascii_whitespace() {
            continue;
        }
        if b == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return false;
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')) {
            return false;
        }
        n += 1;
    }
    n > 0 && n % 4 != 1 && pad <= 2 && (pad == 0 || (n + pad).is_multiple_of(4))
}

/// The closest candidate to `s` when it is close enough to be a likely typo: equal ignoring
/// case, `-`/`_`/space, or within an edit distance of 2 (1 for short names).
pub(crate) fn suggest<'a>(s: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |x: &str| -> String {
        x.chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let ns = norm(s);
    if let Some(c) = candidates.iter().find(|c| norm(c) == ns) {
        return Some(c);
    }
    let limit = if s.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (levenshtein(&s.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_blend_modes_are_the_fourteen_core_names() {
        assert_eq!(REMOTE_BLEND_MODES.len(), 14);
        assert_eq!(REMOTE_BLEND_MODES[0], "multiply");
        assert_eq!(REMOTE_BLEND_MODES[13], "difference");
        assert_eq!(LOCAL_BLEND_MODES.len(), 30);
    }

    #[test]
    fn base64_syntax() {
        assert!(is_base64("QUJD"));
        assert!(is_base64("QUI="));
        assert!(is_base64("QUI"));
        assert!(is_base64("QU\nJD\n"));
        assert!(!is_base64("Q"));
        assert!(!is_base64("QU=I"));
        assert!(!is_base64("Q==="));
        assert!(!is_base64("hello world!"));
        assert!(!is_base64(""));
    }

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(suggest("opacty", &["opacity", "rotation"]), Some("opacity"));
        assert_eq!(suggest("xyzzy", &["opacity", "rotation"]), None);
        assert_eq!(suggest("Soft-Light", &["soft light"]), Some("soft light"));
    }
}
