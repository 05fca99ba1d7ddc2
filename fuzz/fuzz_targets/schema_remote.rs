//! The client's pre-flight validation (`Schema::validate_remote`) of every typed model on
//! arbitrary JSON bodies; the first byte picks the model.
#![no_main]
use libfuzzer_sys::fuzz_target;
use superimpose_wasm::schema::MODELS;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice::<serde_json::Value>(rest)
    else {
        return;
    };
    let schema = MODELS[pick as usize % MODELS.len()];
    if let Ok(out) = schema.validate_remote(&body) {
        // What we would send must itself validate (idempotent pre-flight).
        let again = schema.validate_remote(&out);
        assert!(again.is_ok(), "{}: re-validation failed: {again:?}", schema.model);
    }
    let _ = schema.to_json();
});
