//! Decode arbitrary bytes as PNG / JPEG / WebP (format sniffed), and as base64 / data: URI text.
//! Any `Err` is fine; a panic, abort, OOM or timeout is a finding.
#![no_main]
use libfuzzer_sys::fuzz_target;
use superimpose_wasm::{codec, image};

fuzz_target!(|data: &[u8]| {
    // A small pixel limit keeps each execution cheap and exercises the header refusal.
    let _ = image::set_max_pixels(1 << 20);
    if let Ok(img) = codec::decode(data) {
        assert_eq!(
            img.data().len(),
            img.width() as usize * img.height() as usize * 4
        );
        assert!(u64::from(img.width()) * u64::from(img.height()) <= 1 << 20);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = codec::decode_data(s);
    }
});
