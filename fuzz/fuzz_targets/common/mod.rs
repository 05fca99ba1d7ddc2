//! Shared generators for the pipeline targets: small images and "interesting" numbers.
#![allow(dead_code)]
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use serde_json::Value;
use superimpose_wasm::RgbaImage;

/// The pixel limit the pipeline targets run under: small, so an exec stays cheap and large
/// rescale factors hit the refusal paths.
pub const FUZZ_MAX_PIXELS: u64 = 1 << 16;

/// An RGBA image with sides in 1..=`max_side`, its pixels taken from the input (zeros when the
/// input runs out).
pub fn small_image(u: &mut Unstructured<'_>, max_side: u32) -> Result<RgbaImage> {
    let w = u.int_in_range(1..=max_side)?;
    let h = u.int_in_range(1..=max_side)?;
    let n = w as usize * h as usize * 4;
    let mut data = vec![0u8; n];
    let take = u.len().min(n);
    u.fill_buffer(&mut data[..take])?;
    // Images are built under the fuzz pixel limit, so this never fails.
    Ok(RgbaImage::from_vec(w, h, data).expect("small image"))
}

/// Edge values first, then anything.
pub fn f64_value(u: &mut Unstructured<'_>) -> Result<f64> {
    const EDGES: &[f64] = &[
        0.0, -0.0, 1e-300, 1e-9, 1e-3, 0.01, 0.5, 0.999, 1.0, 1.5, 2.0, 3.0, 7.5, 16.0, 16.0001,
        50.0, 99.999, 100.0, 100.0001, 1e9, 1e300, -1.0, -1e-9,
        f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MAX, f64::MIN_POSITIVE,
    ];
    if u.ratio(3, 4)? {
        Ok(*u.choose(EDGES)?)
    } else {
        u.arbitrary()
    }
}

/// Edge integers first, then anything.
pub fn i64_value(u: &mut Unstructured<'_>) -> Result<i64> {
    const EDGES: &[i64] = &[
        0, 1, -1, 2, 30, 45, 89, 90, 91, 135, 180, 270, 359, 360, 361, 720, 100, 101, -100,
        i32::MAX as i64, i32::MIN as i64, u32::MAX as i64, u32::MAX as i64 + 1,
        i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1, 1 << 53, -(1 << 53),
    ];
    if u.ratio(3, 4)? {
        Ok(*u.choose(EDGES)?)
    } else {
        u.arbitrary()
    }
}

/// A JSON number (or, sometimes, a value of the wrong type) for a numeric field.
pub fn json_number(u: &mut Unstructured<'_>, integer: bool) -> Result<Value> {
    Ok(match u.int_in_range(0..=15u8)? {
        0 => Value::String("1".into()),
        1 => Value::Null,
        2 => Value::Bool(true),
        3..=6 => serde_json::Number::from_f64(f64_value(u)?).map_or(Value::Null, Value::Number),
        _ if integer => Value::from(i64_value(u)?),
        _ => serde_json::Number::from_f64(f64_value(u)?).map_or(Value::Null, Value::Number),
    })
}

/// One of `names`, or rarely a string that is none of them.
pub fn name(u: &mut Unstructured<'_>, names: &[&str]) -> Result<Value> {
    if u.ratio(1, 16)? {
        Ok(Value::String(u.arbitrary::<String>()?))
    } else {
        Ok(Value::String((*u.choose(names)?).to_string()))
    }
}
