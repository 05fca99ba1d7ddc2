//! The fuzz harnesses, dependency-free (only the crate and serde_json), so the very same code
//! replays the saved crash inputs in `tests/limits.rs` (`#[path]`-included there).
//!
//! Each `run_*` takes raw fuzzer bytes. Any `Err` from the crate is fine; a panic, abort, OOM or
//! timeout is a finding.
#![allow(dead_code)]
use serde_json::{Map, Value};
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{
    BgRemoveModel, Mirror, OverlayResize, ScaleFilter, SuperimposeV1, SuperimposeV2,
};
use superimpose_wasm::pipeline::{
    composite_v1, composite_v2, superimpose_v1, superimpose_v2, V1Settings, V2Settings,
};
use superimpose_wasm::resample::{Filter, V1Method};
use superimpose_wasm::schema::MODELS;
use superimpose_wasm::{codec, image, RgbaImage};

/// The pixel limit the decode target runs under.
pub const DECODE_MAX_PIXELS: u64 = 1 << 20;
/// The pixel limit the pipeline targets run under: small, so an exec stays cheap and large
/// rescale factors reach the refusal paths.
pub const PIPELINE_MAX_PIXELS: u64 = 1 << 16;

/// Decode bytes as PNG / JPEG / WebP (format sniffed), and as base64 / data: URI text.
pub fn run_decode(data: &[u8]) {
    let _ = image::set_max_pixels(DECODE_MAX_PIXELS);
    if let Ok(img) = codec::decode(data) {
        assert_eq!(
            img.data().len(),
            img.width() as usize * img.height() as usize * 4
        );
        assert!(u64::from(img.width()) * u64::from(img.height()) <= DECODE_MAX_PIXELS);
    }
    let _ = codec::peek_dimensions(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = codec::decode_data(s);
    }
}

/// Parse and validate a JSON body as Superimpose v1 and v2 requests.
pub fn run_params(data: &[u8]) {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = SuperimposeV2::from_json(&body, Vec::new());
    let _ = SuperimposeV1::from_json(&body, Vec::new());
}

/// The client's pre-flight validation of one typed model (first byte picks it).
pub fn run_schema_remote(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let schema = MODELS[pick as usize % MODELS.len()];
    if let Ok(out) = schema.validate_remote(&body) {
        // What we would send must itself pass the pre-flight.
        let again = schema.validate_remote(&out);
        assert!(
            again.is_ok(),
            "{}: re-validation failed: {again:?}",
            schema.model
        );
    }
}

/// Reads fuzzer bytes as typed values; past the end everything reads as 0.
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    /// True with probability about `n`/16.
    fn chance(&mut self, n: u8) -> bool {
        self.byte() % 16 < n
    }
    fn side(&mut self, max: u32) -> u32 {
        1 + u32::from(self.byte()) % max
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.byte() as usize % from.len()]
    }
    fn string(&mut self) -> String {
        let n = self.byte() as usize % 16;
        (0..n).map(|_| char::from(self.byte())).collect()
    }
    /// An RGBA image with sides in 1..=`max_side`; its pixels are the next bytes (zeros once
    /// the input runs out).
    fn image(&mut self, max_side: u32) -> RgbaImage {
        let (w, h) = (self.side(max_side), self.side(max_side));
        let n = w as usize * h as usize * 4;
        let take = n.min(self.0.len());
        let mut data = self.0[..take].to_vec();
        self.0 = &self.0[take..];
        data.resize(n, 0);
        RgbaImage::from_vec(w, h, data).expect("a small image is within the pixel limit")
    }
    /// Edge values mostly, else any bit pattern.
    fn f64(&mut self) -> f64 {
        const EDGES: &[f64] = &[
            0.0,
            -0.0,
            1e-300,
            1e-9,
            1e-3,
            0.01,
            0.5,
            0.999,
            1.0,
            1.5,
            2.0,
            3.0,
            7.5,
            16.0,
            16.0001,
            50.0,
            99.999,
            100.0,
            100.0001,
            1e9,
            1e300,
            -1.0,
            -1e-9,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        if self.chance(12) {
            self.pick(EDGES)
        } else {
            f64::from_bits(self.u64())
        }
    }
    /// Edge values mostly, else any i64.
    fn i64(&mut self) -> i64 {
        const EDGES: &[i64] = &[
            0,
            1,
            -1,
            2,
            30,
            45,
            89,
            90,
            91,
            135,
            180,
            270,
            359,
            360,
            361,
            720,
            100,
            101,
            -100,
            i32::MAX as i64,
            i32::MIN as i64,
            u32::MAX as i64,
            u32::MAX as i64 + 1,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            i64::MIN + 1,
            1 << 53,
            -(1 << 53),
        ];
        if self.chance(12) {
            self.pick(EDGES)
        } else {
            self.u64() as i64
        }
    }
    /// A JSON value for a numeric field (sometimes of the wrong type).
    fn json_number(&mut self, integer: bool) -> Value {
        match self.byte() % 16 {
            0 => Value::String("1".into()),
            1 => Value::Null,
            2 => Value::Bool(true),
            3..=6 => serde_json::Number::from_f64(self.f64()).map_or(Value::Null, Value::Number),
            _ if integer => Value::from(self.i64()),
            _ => serde_json::Number::from_f64(self.f64()).map_or(Value::Null, Value::Number),
        }
    }
    /// One of `names`, or rarely any string.
    fn name(&mut self, names: &[&str]) -> Value {
        if self.chance(1) {
            Value::String(self.string())
        } else {
            Value::String(self.pick(names).to_string())
        }
    }
}

/// The full Superimpose v2 pipeline on small random images with random parameters: half through
/// the JSON body (validation + pipeline), half through `composite_v2` with unvalidated settings
/// (NaN, ±inf, i64 extremes): the public Rust API must not panic either.
pub fn run_pipeline_v2(data: &[u8]) {
    let _ = image::set_max_pixels(PIPELINE_MAX_PIXELS);
    let mut u = Input(data);
    let json = u.flag();
    let base = u.image(32);
    let overlay = u.image(32);
    let mask = u.flag().then(|| u.image(32));
    let modes: Vec<&str> = BlendMode::ALL.iter().map(|m| m.as_str()).collect();
    let filters: Vec<&str> = Filter::ALL.iter().map(|f| f.as_str()).collect();
    if json {
        let mut body = Map::new();
        for (k, v) in [
            ("blend_mode", u.name(&modes)),
            ("opacity", u.json_number(false)),
            ("rescale_factor", u.json_number(false)),
            ("rotation", u.json_number(true)),
            ("x_percent", u.json_number(true)),
            ("y_percent", u.json_number(true)),
            ("resize_method", u.name(&filters)),
            ("mirror", u.name(&["None", "horizontal", "vertical"])),
            ("scale_filter", u.name(&["resize_method", "bicubic"])),
            ("bg_remove_model", u.name(&["None", "None", "None", "Bria"])),
            ("seed", u.json_number(true)),
            ("base64", Value::Bool(u.chance(2))),
        ] {
            if !u.chance(1) {
                body.insert(k.to_string(), v);
            }
        }
        let mut pixels = vec![
            ("base_image".to_string(), base),
            ("overlay_image".to_string(), overlay),
        ];
        if let Some(m) = mask {
            pixels.push(("mask".to_string(), m));
        }
        if let Ok(p) = SuperimposeV2::from_json(&body, pixels) {
            if let Ok(out) = superimpose_v2(p) {
                assert!(out.image.data().chunks_exact(4).all(|p| p[3] == 255));
            }
        }
    } else {
        let s = V2Settings {
            blend_mode: u.pick(BlendMode::ALL),
            mirror: u.pick(Mirror::ALL),
            opacity: u.f64(),
            rescale_factor: u.f64(),
            resize_method: u.pick(Filter::ALL),
            rotation: u.i64(),
            x_percent: u.i64(),
            y_percent: u.i64(),
            scale_filter: u.pick(ScaleFilter::ALL),
            seed: u.u32(),
        };
        let _ = BgRemoveModel::ALL;
        let (bw, bh) = (base.width(), base.height());
        if let Ok(out) = composite_v2(base, &overlay, mask.as_ref(), &s) {
            assert_eq!((out.width(), out.height()), (bw, bh));
        }
    }
}

/// The full Superimpose v1 pipeline, as [`run_pipeline_v2`].
pub fn run_pipeline_v1(data: &[u8]) {
    let _ = image::set_max_pixels(PIPELINE_MAX_PIXELS);
    let mut u = Input(data);
    let json = u.flag();
    let base = u.image(32);
    let overlay = u.image(32);
    let mask = u.flag().then(|| u.image(32));
    if json {
        let methods: Vec<&str> = V1Method::ALL.iter().map(|m| m.as_str()).collect();
        let mut resizes: Vec<&str> = OverlayResize::ALL.iter().map(|m| m.as_str()).collect();
        resizes.extend(["Resize to width & height", "Resize to height & width"]);
        let mut body = Map::new();
        for (k, v) in [
            ("overlay_resize", u.name(&resizes)),
            ("resize_method", u.name(&methods)),
            ("rescale_factor", u.json_number(false)),
            ("width", u.json_number(true)),
            ("height", u.json_number(true)),
            ("x_offset", u.json_number(true)),
            ("y_offset", u.json_number(true)),
            ("rotation", u.json_number(true)),
            ("opacity", u.json_number(false)),
            ("base64", Value::Bool(u.chance(2))),
        ] {
            if !u.chance(1) {
                body.insert(k.to_string(), v);
            }
        }
        let mut pixels = vec![
            ("base_image".to_string(), base),
            ("overlay_image".to_string(), overlay),
        ];
        if let Some(m) = mask {
            pixels.push(("mask".to_string(), m));
        }
        if let Ok(p) = SuperimposeV1::from_json(&body, pixels) {
            let _ = superimpose_v1(p);
        }
    } else {
        let s = V1Settings {
            overlay_resize: u.pick(OverlayResize::ALL),
            resize_method: u.pick(V1Method::ALL),
            rescale_factor: u.f64(),
            width: u.u32(),
            height: u.u32(),
            x_offset: u.i64(),
            y_offset: u.i64(),
            rotation: u.i64(),
            opacity: u.f64(),
        };
        let (bw, bh) = (base.width(), base.height());
        if let Ok(out) = composite_v1(base, &overlay, mask.as_ref(), &s) {
            assert_eq!((out.width(), out.height()), (bw, bh));
        }
    }
}
