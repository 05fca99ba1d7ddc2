//! Parse and validate arbitrary JSON bodies as Superimpose v1 and v2 requests (SPEC 2.1, 3.1).
#![no_main]
use libfuzzer_sys::fuzz_target;
use superimpose_wasm::params::{SuperimposeV1, SuperimposeV2};

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice::<serde_json::Value>(data)
    else {
        return;
    };
    let _ = SuperimposeV2::from_json(&body, Vec::new());
    let _ = SuperimposeV1::from_json(&body, Vec::new());
});
