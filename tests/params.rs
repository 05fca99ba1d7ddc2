//! Local Superimpose v1/v2 body parsing: seeds, defaults, local-only keys, aliases, pixels.

use serde_json::{json, Map, Value};
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{
    BgRemoveModel, ImageSource, Mirror, OverlayResize, ScaleFilter, SuperimposeV1, SuperimposeV2,
};
use superimpose_wasm::resample::{Filter, V1Method};
use superimpose_wasm::schema::{self, json_number, Kind};
use superimpose_wasm::{ErrorCode, RgbaImage};

const BASE: &str =
    "https://segmind-sd-models.s3.amazonaws.com/display_images/superimpose-v2-model.jpeg";
const OVER: &str = "https://segmind-sd-models.s3.amazonaws.com/display_images/tshirt-logo-2.png";
const B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn v2(v: Value) -> superimpose_wasm::Result<SuperimposeV2> {
    SuperimposeV2::from_json(&obj(v), vec![])
}

fn v1(v: Value) -> superimpose_wasm::Result<SuperimposeV1> {
    SuperimposeV1::from_json(&obj(v), vec![])
}

fn minimal_v2() -> Map<String, Value> {
    obj(json!({"base_image": BASE, "overlay_image": OVER}))
}

fn with(mut m: Map<String, Value>, k: &str, v: Value) -> Map<String, Value> {
    m.insert(k.into(), v);
    m
}

fn px(w: u32, h: u32) -> RgbaImage {
    RgbaImage::filled(w, h, [1, 2, 3, 255]).unwrap()
}

#[track_caller]
fn err_v2(
    body: Map<String, Value>,
    pixels: Vec<(String, RgbaImage)>,
    field: &str,
    code: ErrorCode,
) {
    let e = SuperimposeV2::from_json(&body, pixels).unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.param_name(), Some(field), "{e}");
    assert!(e.message().contains(field), "{e}");
}

#[test]
fn seed_v2_example_parses() {
    let p = v2(json!({
        "base_image": BASE, "overlay_image": OVER, "rescale_factor": 0.4,
        "resize_method": "nearest", "bg_remove_model": "Bria", "blend_mode": "screen",
        "opacity": 90, "x_percent": 50, "y_percent": 65, "rotation": 0, "base64": false
    }))
    .unwrap();
    assert_eq!(p.base_image, ImageSource::Url(BASE.into()));
    assert_eq!(p.overlay_image, ImageSource::Url(OVER.into()));
    assert_eq!(p.mask, None);
    assert_eq!(p.rescale_factor, 0.4);
    assert_eq!(p.resize_method, Filter::Nearest);
    assert_eq!(p.bg_remove_model, BgRemoveModel::Bria);
    assert!(p.bg_remove_model_explicit);
    assert_eq!(p.blend_mode, BlendMode::Screen);
    assert_eq!(
        (p.opacity, p.x_percent, p.y_percent, p.rotation),
        (90.0, 50, 65, 0)
    );
    assert!(!p.base64);
}

#[test]
fn seed_v1_example_parses() {
    let p = v1(json!({
        "base_image": B64, "overlay_image": format!("data:image/png;base64,{B64}"),
        "rescale_factor": 0.4, "resize_method": "nearest-exact",
        "overlay_resize": "Resize by rescale_factor", "opacity": 1, "height": 1024,
        "width": 1024, "x_offset": 320, "y_offset": 620, "rotation": 0, "base64": false
    }))
    .unwrap();
    assert_eq!(p.base_image, ImageSource::Data(B64.into()));
    assert!(matches!(p.overlay_image, ImageSource::Data(ref s) if s.starts_with("data:image/png")));
    assert_eq!(p.overlay_resize, OverlayResize::RescaleFactor);
    assert_eq!(p.resize_method, V1Method::NearestExact);
    assert_eq!((p.rescale_factor, p.opacity), (0.4, 1.0));
    assert_eq!(
        (p.width, p.height, p.x_offset, p.y_offset, p.rotation),
        (1024, 1024, 320, 620, 0)
    );
}

#[test]
fn v2_defaults() {
    let p = SuperimposeV2::from_json(&minimal_v2(), vec![]).unwrap();
    assert_eq!(p.bg_remove_model, BgRemoveModel::Bria);
    assert!(!p.bg_remove_model_explicit);
    assert_eq!(p.blend_mode, BlendMode::Multiply);
    assert_eq!(p.mirror, Mirror::None);
    assert_eq!(p.opacity, 90.0);
    assert_eq!(p.rescale_factor, 1.0);
    assert_eq!(p.resize_method, Filter::Nearest);
    assert_eq!((p.rotation, p.x_percent, p.y_percent), (0, 50, 80));
    assert!(!p.base64);
    assert_eq!(p.scale_filter, ScaleFilter::ResizeMethod);
    assert_eq!(p.seed, 0);
    assert_eq!(p.mask, None);
}

#[test]
fn v1_defaults() {
    let p = v1(json!({"base_image": BASE, "overlay_image": OVER})).unwrap();
    assert_eq!(p.overlay_resize, OverlayResize::RescaleFactor);
    assert_eq!(p.resize_method, V1Method::NearestExact);
    assert_eq!(p.rescale_factor, 1.0);
    assert_eq!((p.width, p.height), (1024, 1024));
    assert_eq!((p.x_offset, p.y_offset), (0, 0));
    assert_eq!(p.rotation, 0);
    assert_eq!(p.opacity, 1.0);
    assert!(!p.base64);
}

#[test]
fn v2_local_only_keys() {
    let p = SuperimposeV2::from_json(
        &obj(json!({"base_image": BASE, "overlay_image": OVER, "scale_filter": "bicubic", "seed": 4294967295u64})),
        vec![],
    )
    .unwrap();
    assert_eq!(p.scale_filter, ScaleFilter::Bicubic);
    assert_eq!(p.seed, u32::MAX);
    err_v2(
        with(minimal_v2(), "seed", json!(-1)),
        vec![],
        "seed",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "seed", json!(4294967296u64)),
        vec![],
        "seed",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "seed", json!(1.5)),
        vec![],
        "seed",
        ErrorCode::ParamType,
    );
    err_v2(
        with(minimal_v2(), "scale_filter", json!("lanczos")),
        vec![],
        "scale_filter",
        ErrorCode::ParamEnum,
    );
    // v1 has no local-only keys.
    let e = v1(json!({"base_image": BASE, "overlay_image": OVER, "seed": 1})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamUnknown);
    // The same body is refused remotely.
    let s = schema::for_model("superimpose-v2").unwrap();
    assert_eq!(
        s.validate_remote(&with(minimal_v2(), "scale_filter", json!("bicubic")))
            .unwrap_err()
            .code(),
        ErrorCode::ParamUnknown
    );
}

#[test]
fn local_blend_modes_all_thirty_and_aliases() {
    for m in BlendMode::ALL {
        let p =
            SuperimposeV2::from_json(&with(minimal_v2(), "blend_mode", json!(m.as_str())), vec![])
                .unwrap();
        assert_eq!(p.blend_mode, *m);
        for a in m.aliases() {
            let p = SuperimposeV2::from_json(&with(minimal_v2(), "blend_mode", json!(a)), vec![])
                .unwrap();
            assert_eq!(p.blend_mode, *m, "{a}");
        }
    }
    err_v2(
        with(minimal_v2(), "blend_mode", json!("Multiply")),
        vec![],
        "blend_mode",
        ErrorCode::ParamEnum,
    );
    err_v2(
        with(minimal_v2(), "blend_mode", json!("plus")),
        vec![],
        "blend_mode",
        ErrorCode::ParamEnum,
    );
    err_v2(
        with(minimal_v2(), "blend_mode", json!(3)),
        vec![],
        "blend_mode",
        ErrorCode::ParamType,
    );
}

#[test]
fn every_enum_value_is_accepted() {
    for m in BgRemoveModel::ALL {
        let p = SuperimposeV2::from_json(
            &with(minimal_v2(), "bg_remove_model", json!(m.as_str())),
            vec![],
        )
        .unwrap();
        assert_eq!(p.bg_remove_model, *m);
        assert!(p.bg_remove_model_explicit);
    }
    for m in Mirror::ALL {
        let p = SuperimposeV2::from_json(&with(minimal_v2(), "mirror", json!(m.as_str())), vec![])
            .unwrap();
        assert_eq!(p.mirror, *m);
    }
    for f in Filter::ALL {
        let p = SuperimposeV2::from_json(
            &with(minimal_v2(), "resize_method", json!(f.as_str())),
            vec![],
        )
        .unwrap();
        assert_eq!(p.resize_method, *f);
    }
    for f in ScaleFilter::ALL {
        let p = SuperimposeV2::from_json(
            &with(minimal_v2(), "scale_filter", json!(f.as_str())),
            vec![],
        )
        .unwrap();
        assert_eq!(p.scale_filter, *f);
    }
    let v1b = obj(json!({"base_image": BASE, "overlay_image": OVER}));
    for o in OverlayResize::ALL {
        let p = SuperimposeV1::from_json(
            &with(v1b.clone(), "overlay_resize", json!(o.as_str())),
            vec![],
        )
        .unwrap();
        assert_eq!(p.overlay_resize, *o);
    }
    for m in V1Method::ALL {
        let p = SuperimposeV1::from_json(
            &with(v1b.clone(), "resize_method", json!(m.as_str())),
            vec![],
        )
        .unwrap();
        assert_eq!(p.resize_method, *m);
    }
}

#[test]
fn typed_enums_match_the_schema_tables() {
    // One definition: the schema's enum lists and the typed enums name the same values.
    let allowed = |model: &str, field: &str| -> Vec<&'static str> {
        match schema::for_model(model).unwrap().field(field).unwrap().kind {
            Kind::String { allowed: Some(a) } => a.to_vec(),
            k => panic!("{field}: {k:?}"),
        }
    };
    let names = |v: Vec<&'static str>| v;
    assert_eq!(
        allowed("superimpose-v2", "bg_remove_model"),
        names(BgRemoveModel::ALL.iter().map(|m| m.as_str()).collect())
    );
    assert_eq!(
        allowed("superimpose-v2", "mirror"),
        names(Mirror::ALL.iter().map(|m| m.as_str()).collect())
    );
    assert_eq!(
        allowed("superimpose-v2", "resize_method"),
        names(Filter::ALL.iter().map(|m| m.as_str()).collect())
    );
    assert_eq!(
        allowed("superimpose", "overlay_resize"),
        names(OverlayResize::ALL.iter().map(|m| m.as_str()).collect())
    );
    assert_eq!(
        allowed("superimpose", "resize_method"),
        names(V1Method::ALL.iter().map(|m| m.as_str()).collect())
    );
}

#[test]
fn v1_overlay_resize_aliases() {
    for a in [
        "Resize to width & height",
        "Resize to height & width",
        "Resize to width & heigth",
    ] {
        let p =
            v1(json!({"base_image": BASE, "overlay_image": OVER, "overlay_resize": a})).unwrap();
        assert_eq!(p.overlay_resize, OverlayResize::WidthHeight, "{a}");
    }
    let e = v1(json!({"base_image": BASE, "overlay_image": OVER, "overlay_resize": "resize to width & height"})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamEnum);
    assert_eq!(e.param_name(), Some("overlay_resize"));
}

#[test]
fn pixels_replace_json_image_fields() {
    let body = obj(json!({"overlay_image": OVER}));
    let p = SuperimposeV2::from_json(
        &body,
        vec![("base_image".into(), px(4, 3)), ("mask".into(), px(2, 2))],
    )
    .unwrap();
    assert_eq!(p.base_image, ImageSource::Pixels(px(4, 3)));
    assert_eq!(p.mask, Some(ImageSource::Pixels(px(2, 2))));
    assert_eq!(p.overlay_image, ImageSource::Url(OVER.into()));
    let p = SuperimposeV1::from_json(
        &Map::new(),
        vec![
            ("base_image".into(), px(4, 3)),
            ("overlay_image".into(), px(1, 1)),
        ],
    )
    .unwrap();
    assert_eq!(p.overlay_image, ImageSource::Pixels(px(1, 1)));
    // A null JSON value next to pixels is "not given in JSON".
    let body = obj(json!({"base_image": null, "overlay_image": OVER}));
    assert!(SuperimposeV2::from_json(&body, vec![("base_image".into(), px(1, 1))]).is_ok());
}

#[test]
fn pixels_and_json_conflicts() {
    // Both ways.
    err_v2(
        minimal_v2(),
        vec![("base_image".into(), px(1, 1))],
        "base_image",
        ErrorCode::ParamType,
    );
    // Twice.
    err_v2(
        obj(json!({"overlay_image": OVER})),
        vec![
            ("base_image".into(), px(1, 1)),
            ("base_image".into(), px(1, 1)),
        ],
        "base_image",
        ErrorCode::ParamType,
    );
    // Pixels for a non-image field, or an unknown one.
    err_v2(
        minimal_v2(),
        vec![("opacity".into(), px(1, 1))],
        "opacity",
        ErrorCode::ParamType,
    );
    err_v2(
        minimal_v2(),
        vec![("overlay".into(), px(1, 1))],
        "overlay",
        ErrorCode::ParamUnknown,
    );
    // Required image missing both ways.
    err_v2(
        obj(json!({"base_image": BASE})),
        vec![],
        "overlay_image",
        ErrorCode::ParamMissing,
    );
}

#[test]
fn non_finite_numbers_are_range_errors() {
    for field in [
        "opacity",
        "rescale_factor",
        "rotation",
        "x_percent",
        "y_percent",
        "seed",
    ] {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            err_v2(
                with(minimal_v2(), field, json_number(x)),
                vec![],
                field,
                ErrorCode::ParamRange,
            );
        }
    }
    for field in ["opacity", "rescale_factor", "width", "x_offset"] {
        let e =
            v1(json!({"base_image": BASE, "overlay_image": OVER, field: json_number(f64::NAN)}))
                .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamRange, "{field}");
        assert_eq!(e.param_name(), Some(field));
    }
    assert_eq!(json_number(2.0), json!(2));
    assert_eq!(json_number(0.25), json!(0.25));
}

#[test]
fn ranges_and_types_locally_match_the_schema() {
    err_v2(
        with(minimal_v2(), "opacity", json!(100.5)),
        vec![],
        "opacity",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "opacity", json!(-1)),
        vec![],
        "opacity",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "rescale_factor", json!(0)),
        vec![],
        "rescale_factor",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "rotation", json!(361)),
        vec![],
        "rotation",
        ErrorCode::ParamRange,
    );
    err_v2(
        with(minimal_v2(), "rotation", json!(12.5)),
        vec![],
        "rotation",
        ErrorCode::ParamType,
    );
    err_v2(
        with(minimal_v2(), "base64", json!("false")),
        vec![],
        "base64",
        ErrorCode::ParamType,
    );
    err_v2(
        with(minimal_v2(), "x_percnt", json!(5)),
        vec![],
        "x_percnt",
        ErrorCode::ParamUnknown,
    );
    let p =
        SuperimposeV2::from_json(&with(minimal_v2(), "rotation", json!(360.0)), vec![]).unwrap();
    assert_eq!(p.rotation, 360);
    let p = SuperimposeV2::from_json(&with(minimal_v2(), "rescale_factor", json!(100)), vec![])
        .unwrap();
    assert_eq!(p.rescale_factor, 100.0);
    let e = v1(json!({"base_image": BASE, "overlay_image": OVER, "opacity": 1.01})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    let e = v1(json!({"base_image": BASE, "overlay_image": OVER, "width": 0})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    let e =
        v1(json!({"base_image": BASE, "overlay_image": OVER, "width": 4294967296u64})).unwrap_err();
    assert_eq!(
        (e.code(), e.param_name()),
        (ErrorCode::ParamRange, Some("width"))
    );
    let e =
        v1(json!({"base_image": BASE, "overlay_image": OVER, "rescale_factor": 16.5})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    let p =
        v1(json!({"base_image": BASE, "overlay_image": OVER, "x_offset": -5000, "y_offset": -1}))
            .unwrap();
    assert_eq!((p.x_offset, p.y_offset), (-5000, -1));
}

#[test]
fn empty_and_malformed_image_strings() {
    for field in ["base_image", "overlay_image", "mask"] {
        err_v2(
            with(minimal_v2(), field, json!("")),
            vec![],
            field,
            ErrorCode::ParamMissing,
        );
        err_v2(
            with(minimal_v2(), field, json!("not an image!")),
            vec![],
            field,
            ErrorCode::ImageInput,
        );
    }
    let p = SuperimposeV2::from_json(&with(minimal_v2(), "mask", json!(B64)), vec![]).unwrap();
    assert_eq!(p.mask, Some(ImageSource::Data(B64.into())));
    let p = SuperimposeV2::from_json(&with(minimal_v2(), "mask", Value::Null), vec![]).unwrap();
    assert_eq!(p.mask, None);
}

#[test]
fn strings_are_case_sensitive() {
    err_v2(
        with(minimal_v2(), "bg_remove_model", json!("bria")),
        vec![],
        "bg_remove_model",
        ErrorCode::ParamEnum,
    );
    err_v2(
        with(minimal_v2(), "mirror", json!("none")),
        vec![],
        "mirror",
        ErrorCode::ParamEnum,
    );
    err_v2(
        with(minimal_v2(), "mirror", json!("Horizontal")),
        vec![],
        "mirror",
        ErrorCode::ParamEnum,
    );
    err_v2(
        with(minimal_v2(), "resize_method", json!("Bicubic")),
        vec![],
        "resize_method",
        ErrorCode::ParamEnum,
    );
}

#[test]
fn bodies_are_portable_between_local_and_remote() {
    // Every body the remote validator accepts (core blend modes, no local keys) parses locally.
    let s = schema::for_model("superimpose-v2").unwrap();
    for m in BlendMode::ALL.iter().filter(|m| !m.is_extended()) {
        let body = obj(json!({
            "base_image": BASE, "overlay_image": OVER, "mask": B64, "blend_mode": m.as_str(),
            "mirror": "vertical", "opacity": 12.5, "rescale_factor": 0.29, "resize_method": "lanczos",
            "rotation": 45, "x_percent": 0, "y_percent": 100, "base64": true, "bg_remove_model": "None"
        }));
        assert_eq!(s.validate_remote(&body).unwrap(), body);
        let p = SuperimposeV2::from_json(&body, vec![]).unwrap();
        assert_eq!(p.blend_mode, *m);
        assert_eq!(p.rescale_factor, 0.29);
    }
}
