//! Schema validation tests, generated from the tables: every field of every model gets a
//! wrong-type, out-of-range (both ends; integral and fractional), bad-enum and missing body.

use serde_json::{json, Map, Value};
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::schema::{self, Field, Kind, Schema, MODELS};
use superimpose_wasm::ErrorCode;

const URL: &str = "https://example.com/a.png";

/// A valid value for `f` (not necessarily its default).
fn valid(f: &Field) -> Value {
    match f.kind {
        Kind::Image => json!(URL),
        Kind::String { allowed: Some(a) } => json!(a[a.len() - 1]),
        Kind::String { allowed: None } => json!("some text"),
        Kind::Integer { min, max } => json!(min.or(max).unwrap_or(7)),
        Kind::Number { min, max, .. } => json!((min.unwrap_or(0.0) + max.unwrap_or(1.0)) / 2.0),
        Kind::Boolean => json!(true),
    }
}

/// A body with every required field set.
fn base(s: &Schema) -> Map<String, Value> {
    s.fields
        .iter()
        .filter(|f| f.required)
        .map(|f| (f.name.to_string(), valid(f)))
        .collect()
}

fn with(s: &Schema, name: &str, v: Value) -> Map<String, Value> {
    let mut b = base(s);
    b.insert(name.to_string(), v);
    b
}

#[track_caller]
fn expect(s: &Schema, body: &Map<String, Value>, field: &str, code: ErrorCode, what: &str) {
    let e = match s.validate_remote(body) {
        Ok(out) => panic!("{}: `{field}` {what}: accepted {body:?} → {out:?}", s.model),
        Err(e) => e,
    };
    assert_eq!(e.code(), code, "{}: `{field}` {what}: {e}", s.model);
    assert_eq!(e.param_name(), Some(field), "{}: {what}: {e}", s.model);
    assert!(
        e.message().contains(field),
        "{}: message does not name `{field}`: {e}",
        s.model
    );
}

#[track_caller]
fn accept(s: &Schema, body: &Map<String, Value>, what: &str) -> Map<String, Value> {
    s.validate_remote(body)
        .unwrap_or_else(|e| panic!("{}: {what}: rejected {body:?}: {e}", s.model))
}

#[test]
fn every_model_is_listed_and_found() {
    let names: Vec<&str> = MODELS.iter().map(|s| s.model).collect();
    assert_eq!(
        names,
        [
            "superimpose-v2",
            "superimpose",
            "seg-swap",
            "bg-replace",
            "segmind-relighting-v2"
        ]
    );
    for s in MODELS {
        assert_eq!(schema::for_model(s.model).unwrap().model, s.model);
    }
    assert!(schema::for_model("superimpose-v3").is_none());
}

#[test]
fn base_bodies_and_every_valid_value_are_accepted() {
    for s in MODELS {
        accept(s, &base(s), "base body");
        for f in s.fields {
            accept(s, &with(s, f.name, valid(f)), f.name);
            if let Kind::String { allowed: Some(a) } = f.kind {
                for v in a {
                    accept(s, &with(s, f.name, json!(v)), v);
                }
            }
        }
    }
}

#[test]
fn every_default_is_valid_for_its_own_field() {
    for s in MODELS {
        for f in s.fields.iter().chain(s.local_fields) {
            if let Some(d) = f.default {
                let v: Value = serde_json::from_str(d).unwrap_or_else(|e| {
                    panic!("{}: default of {} is not JSON: {e}", s.model, f.name)
                });
                if s.field(f.name) == Some(f) {
                    accept(s, &with(s, f.name, v), f.name);
                }
            }
        }
    }
}

#[test]
fn wrong_types_are_refused_for_every_field() {
    for s in MODELS {
        for f in s.fields {
            let wrong: Vec<Value> = match f.kind {
                Kind::Image | Kind::String { .. } => vec![json!(5), json!(true)],
                Kind::Integer { .. } | Kind::Number { .. } => vec![json!("5"), json!(true)],
                Kind::Boolean => vec![json!("true"), json!(1), json!(0)],
            };
            for w in wrong.into_iter().chain([json!([1]), json!({"a": 1})]) {
                expect(
                    s,
                    &with(s, f.name, w.clone()),
                    f.name,
                    ErrorCode::ParamType,
                    &format!("type {w}"),
                );
            }
        }
    }
}

#[test]
fn out_of_range_values_are_refused_at_both_ends() {
    let mut checked = 0;
    for s in MODELS {
        for f in s.fields {
            match f.kind {
                Kind::Integer { min, max } => {
                    if let Some(m) = min {
                        expect(
                            s,
                            &with(s, f.name, json!(m - 1)),
                            f.name,
                            ErrorCode::ParamRange,
                            "below min",
                        );
                        accept(s, &with(s, f.name, json!(m)), "at min");
                        checked += 1;
                    }
                    if let Some(m) = max {
                        expect(
                            s,
                            &with(s, f.name, json!(m + 1)),
                            f.name,
                            ErrorCode::ParamRange,
                            "above max",
                        );
                        accept(s, &with(s, f.name, json!(m)), "at max");
                        // An integral float is an integer (JS has one number type) and is sent
                        // as an integer.
                        let out = accept(s, &with(s, f.name, json!(m as f64)), "integral float");
                        assert!(
                            out[f.name].is_i64(),
                            "{}: {} sent as {}",
                            s.model,
                            f.name,
                            out[f.name]
                        );
                        checked += 1;
                    }
                    // A fractional value is not an integer, whatever its range.
                    let inside = min.unwrap_or(0).clamp(-1000, 1000) as f64 + 0.5;
                    expect(
                        s,
                        &with(s, f.name, json!(inside)),
                        f.name,
                        ErrorCode::ParamType,
                        "fractional",
                    );
                    // Non-finite numbers (carried as strings, see schema::json_number).
                    for nf in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                        expect(
                            s,
                            &with(s, f.name, schema::json_number(nf)),
                            f.name,
                            ErrorCode::ParamRange,
                            "non-finite",
                        );
                    }
                    // Beyond what a JS number carries exactly.
                    expect(
                        s,
                        &with(s, f.name, json!(u64::MAX)),
                        f.name,
                        ErrorCode::ParamRange,
                        "u64::MAX",
                    );
                    expect(
                        s,
                        &with(s, f.name, json!(1e300)),
                        f.name,
                        ErrorCode::ParamRange,
                        "1e300",
                    );
                }
                Kind::Number {
                    min,
                    max,
                    exclusive_min,
                } => {
                    let (lo, hi) = (min.unwrap(), max.unwrap());
                    for below in [lo - 1.0, lo - 0.5, lo - 1e-9] {
                        expect(
                            s,
                            &with(s, f.name, schema::json_number(below)),
                            f.name,
                            ErrorCode::ParamRange,
                            "below min",
                        );
                    }
                    for above in [hi + 1.0, hi + 0.5, hi + 1e-9] {
                        expect(
                            s,
                            &with(s, f.name, schema::json_number(above)),
                            f.name,
                            ErrorCode::ParamRange,
                            "above max",
                        );
                    }
                    if exclusive_min {
                        expect(
                            s,
                            &with(s, f.name, json!(lo)),
                            f.name,
                            ErrorCode::ParamRange,
                            "at exclusive min",
                        );
                        accept(
                            s,
                            &with(s, f.name, json!(lo + 1e-9)),
                            "just above exclusive min",
                        );
                    } else {
                        accept(s, &with(s, f.name, json!(lo)), "at min");
                    }
                    accept(s, &with(s, f.name, json!(hi)), "at max");
                    accept(s, &with(s, f.name, json!(hi as i64)), "integral max");
                    for nf in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                        expect(
                            s,
                            &with(s, f.name, schema::json_number(nf)),
                            f.name,
                            ErrorCode::ParamRange,
                            "non-finite",
                        );
                    }
                    checked += 1;
                }
                _ => {}
            }
        }
    }
    assert!(checked > 30, "only {checked} range checks");
}

#[test]
fn bad_enum_values_are_refused_for_every_enum_field() {
    for s in MODELS {
        for f in s.fields {
            if let Kind::String { allowed: Some(a) } = f.kind {
                let first = a[0];
                let mut bad = vec!["zzz".to_string(), String::new(), format!("{first} ")];
                let swapped: String = first
                    .chars()
                    .map(|c| {
                        if c.is_uppercase() {
                            c.to_ascii_lowercase()
                        } else {
                            c.to_ascii_uppercase()
                        }
                    })
                    .collect();
                bad.push(swapped);
                for b in bad {
                    let e = s.validate_remote(&with(s, f.name, json!(b))).unwrap_err();
                    assert_eq!(
                        e.code(),
                        ErrorCode::ParamEnum,
                        "{} {} {b:?}: {e}",
                        s.model,
                        f.name
                    );
                    assert_eq!(e.param_name(), Some(f.name));
                    // The message lists what is allowed.
                    for v in a {
                        assert!(e.message().contains(&format!("{v:?}")), "{e}");
                    }
                }
            }
        }
    }
}

#[test]
fn missing_required_fields_are_refused_or_filled() {
    for s in MODELS {
        for f in s.fields.iter().filter(|f| f.required) {
            let mut b = base(s);
            b.remove(f.name);
            let mut n = b.clone();
            n.insert(f.name.to_string(), Value::Null);
            match f.default {
                Some(d) => {
                    let want: Value = serde_json::from_str(d).unwrap();
                    assert_eq!(accept(s, &b, "absent required with default")[f.name], want);
                    assert_eq!(accept(s, &n, "null required with default")[f.name], want);
                }
                None => {
                    expect(s, &b, f.name, ErrorCode::ParamMissing, "absent");
                    expect(s, &n, f.name, ErrorCode::ParamMissing, "null");
                    if matches!(f.kind, Kind::Image | Kind::String { allowed: None }) {
                        expect(
                            s,
                            &with(s, f.name, json!("")),
                            f.name,
                            ErrorCode::ParamMissing,
                            "empty",
                        );
                        expect(
                            s,
                            &with(s, f.name, json!("  ")),
                            f.name,
                            ErrorCode::ParamMissing,
                            "blank",
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn defaults_are_filled_only_for_required_fields() {
    for s in MODELS {
        let out = accept(s, &base(s), "base");
        let required: Vec<&str> = s
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        let mut keys: Vec<&str> = out.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = required.clone();
        want.sort_unstable();
        assert_eq!(keys, want, "{}", s.model);
    }
    // Relighting: only the image given → the four light_* defaults are sent, nothing else.
    let r = schema::for_model("segmind-relighting-v2").unwrap();
    let out = accept(
        r,
        &json!({"image": URL}).as_object().unwrap().clone(),
        "relight",
    );
    assert_eq!(
        Value::Object(out),
        json!({"image": URL, "light_direction": "back", "light_intensity": "strong",
               "light_temperature": "warm", "light_type": "spotlight"})
    );
    // Null optional fields are omitted.
    let v2 = schema::for_model("superimpose-v2").unwrap();
    let out = accept(v2, &with(v2, "mask", Value::Null), "null mask");
    assert!(!out.contains_key("mask"));
}

#[test]
fn unknown_keys_are_refused_with_suggestions() {
    for s in MODELS {
        for f in s.fields {
            // Drop one letter from the middle: a typo one edit away.
            let mut typo: Vec<char> = f.name.chars().collect();
            typo.remove(typo.len() / 2);
            let typo: String = typo.into_iter().collect();
            if s.field(&typo).is_some() {
                continue;
            }
            let e = s.validate_remote(&with(s, &typo, json!(1))).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ParamUnknown, "{typo}");
            assert_eq!(e.param_name(), Some(typo.as_str()));
            assert!(
                e.message().contains(&format!("did you mean `{}`", f.name)) || f.name.len() <= 5,
                "{e}"
            );
        }
        let e = s
            .validate_remote(&with(s, "completely_unrelated", json!(1)))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamUnknown);
        assert!(e.message().contains("known fields"), "{e}");
    }
    let v2 = schema::for_model("superimpose-v2").unwrap();
    let e = v2
        .validate_remote(&with(v2, "Opacity", json!(1)))
        .unwrap_err();
    assert!(e.message().contains("did you mean `opacity`"), "{e}");
    // Local-only keys are not API fields.
    for key in ["scale_filter", "seed"] {
        let e = v2.validate_remote(&with(v2, key, json!(0))).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamUnknown);
        assert!(e.message().contains("local-only"), "{e}");
    }
    // No base64 field on relighting.
    let r = schema::for_model("segmind-relighting-v2").unwrap();
    let e = r
        .validate_remote(&with(r, "base64", json!(false)))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamUnknown);
}

#[test]
fn relighting_transparent_jpeg_is_refused() {
    let r = schema::for_model("segmind-relighting-v2").unwrap();
    let mut b = base(r);
    b.insert("background".into(), json!("transparent"));
    b.insert("output_format".into(), json!("jpeg"));
    let e = r.validate_remote(&b).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamEnum);
    assert_eq!(e.param_name(), Some("output_format"));
    assert!(e.message().contains("transparent"));
    for fmt in ["png", "webp"] {
        b.insert("output_format".into(), json!(fmt));
        accept(r, &b, fmt);
    }
    b.insert("background".into(), json!("opaque"));
    b.insert("output_format".into(), json!("jpeg"));
    accept(r, &b, "opaque jpeg");
}

#[test]
fn remote_blend_modes_are_the_fourteen_non_extended() {
    let v2 = schema::for_model("superimpose-v2").unwrap();
    let mut n = 0;
    for m in BlendMode::ALL {
        let r = v2.validate_remote(&with(v2, "blend_mode", json!(m.as_str())));
        if m.is_extended() {
            assert_eq!(r.unwrap_err().code(), ErrorCode::ParamEnum, "{m}");
        } else {
            r.unwrap();
            n += 1;
        }
        for a in m.aliases() {
            // Aliases are local conveniences; the API enum is exact.
            let e = v2
                .validate_remote(&with(v2, "blend_mode", json!(a)))
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::ParamEnum, "{a}");
        }
    }
    assert_eq!(n, 14);
}

#[test]
fn v1_overlay_resize_aliases_are_sent_canonical() {
    let v1 = schema::for_model("superimpose").unwrap();
    for a in [
        "Resize to width & height",
        "Resize to height & width",
        "Resize to width & heigth",
    ] {
        let out = accept(v1, &with(v1, "overlay_resize", json!(a)), a);
        assert_eq!(out["overlay_resize"], json!("Resize to width & heigth"));
    }
}

#[test]
fn image_fields_accept_the_three_forms_only() {
    let v2 = schema::for_model("superimpose-v2").unwrap();
    let ok = [
        "https://example.com/a.png",
        "http://127.0.0.1:8000/x?y=1",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/jpeg;base64,/9j/4AAQ",
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
        "iVBORw0KGgo\nAAAANSUhE",
    ];
    for s in ok {
        accept(v2, &with(v2, "base_image", json!(s)), s);
    }
    let bad = [
        "ftp://example.com/a.png",
        "https://",
        "https://exa mple.com/a.png",
        "data:image/png,rawbytes",
        "data:image/png;base64,!!!",
        "not an image!",
        "/home/user/a.png",
        "QUJD=QUJD",
    ];
    for s in bad {
        let e = v2
            .validate_remote(&with(v2, "base_image", json!(s)))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ImageInput, "{s}: {e}");
        assert_eq!(e.param_name(), Some("base_image"));
    }
}

#[test]
fn to_json_describes_every_field() {
    for s in MODELS {
        let j = s.to_json();
        assert_eq!(j["model"], json!(s.model));
        let fields = j["fields"].as_array().unwrap();
        assert_eq!(fields.len(), s.fields.len());
        for (fj, f) in fields.iter().zip(s.fields) {
            assert_eq!(fj["name"], json!(f.name));
            assert_eq!(fj["required"], json!(f.required));
            assert_eq!(fj["kind"], json!(f.kind.as_str()));
            assert!(!fj["doc"].as_str().unwrap().is_empty());
            match f.kind {
                Kind::String { allowed: Some(a) } => assert_eq!(fj["enum"], json!(a)),
                Kind::Integer { min: Some(m), .. } => assert_eq!(fj["min"], json!(m)),
                Kind::Number { exclusive_min, .. } => {
                    assert_eq!(fj["exclusiveMin"], json!(exclusive_min))
                }
                _ => {}
            }
            if let Some(d) = f.default {
                assert_eq!(fj["default"], serde_json::from_str::<Value>(d).unwrap());
            }
        }
    }
    let v2 = schema::for_model("superimpose-v2").unwrap().to_json();
    let blend = v2["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "blend_mode")
        .unwrap();
    assert_eq!(blend["enum"].as_array().unwrap().len(), 14);
    let local = v2["localFields"].as_array().unwrap();
    let lb = local.iter().find(|f| f["name"] == "blend_mode").unwrap();
    assert_eq!(lb["enum"].as_array().unwrap().len(), 30);
    assert!(local.iter().any(|f| f["name"] == "scale_filter"));
    assert!(v2["localAliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["alias"] == "add"));
}

#[test]
fn seed_examples_validate_remotely() {
    let bodies = [
        (
            "superimpose-v2",
            json!({
            "base_image": "https://segmind-sd-models.s3.amazonaws.com/display_images/superimpose-v2-model.jpeg",
            "overlay_image": "https://segmind-sd-models.s3.amazonaws.com/display_images/tshirt-logo-2.png",
            "rescale_factor": 0.4, "resize_method": "nearest", "bg_remove_model": "Bria",
            "blend_mode": "screen", "opacity": 90, "x_percent": 50, "y_percent": 65,
            "rotation": 0, "base64": false}),
        ),
        (
            "superimpose",
            json!({
            "base_image": "iVBORw0KGgo=", "overlay_image": "iVBORw0KGgo=",
            "rescale_factor": 0.4, "resize_method": "nearest-exact",
            "overlay_resize": "Resize by rescale_factor", "opacity": 1, "height": 1024,
            "width": 1024, "x_offset": 320, "y_offset": 620, "rotation": 0, "base64": false}),
        ),
        (
            "seg-swap",
            json!({
            "prompt": "photo of a wooden table in center of living room",
            "main_image": "https://segmind-resources.s3.amazonaws.com/others/livingroom.png",
            "object_image": "https://segmind-resources.s3.amazonaws.com/others/table2.png",
            "mask_image": "https://segmind-resources.s3.amazonaws.com/others/mask_room2.png",
            "steps": 30, "seed": 42, "growmask": 5, "fashion_strength": 1,
            "subject_strength": 1, "horizontal_repeat": 1, "vertical_repeat": 1,
            "image_format": "png", "image_quality": 95, "base64": false}),
        ),
        (
            "bg-replace",
            json!({
            "image": "https://segmind-sd-models.s3.amazonaws.com/outputs/bg_replace_input.jpg",
            "ref_image": "https://segmind-sd-models.s3.amazonaws.com/outputs/bg_input_reference.jpg",
            "prompt": "Pefume bottle placed on top of a rock, in a jungle",
            "negative_prompt": "bad quality, painting, blur", "samples": 1,
            "scheduler": "DDIM", "num_inference_steps": 25, "guidance_scale": 7.5,
            "seed": 12467, "strength": 1, "cn_weight": 0.9, "ip_adapter_weight": 0.5,
            "base64": false}),
        ),
        (
            "segmind-relighting-v2",
            json!({
            "image": "https://segmind-resources.s3.amazonaws.com/output/b9b4e651.png",
            "light_direction": "back", "light_type": "spotlight", "light_temperature": "warm",
            "light_intensity": "strong", "size": "auto", "quality": "high",
            "background": "opaque", "output_compression": 100, "output_format": "png"}),
        ),
    ];
    for (model, body) in bodies {
        let s = schema::for_model(model).unwrap();
        let body = body.as_object().unwrap().clone();
        // A complete valid body is sent unchanged.
        assert_eq!(accept(s, &body, model), body, "{model}");
    }
}
