//! Limits in wasm (Node): a decompression bomb is refused from its header with no growth of the
//! wasm memory, the memory budget and the pixel limit refuse `rescale_factor: 100` before
//! allocating, and after every refused call (every error code the core can reach locally) the
//! instance still serves the next call with the same output as before.
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use superimpose_wasm::image::{self, DEFAULT_MAX_PIXELS, DEFAULT_MEMORY_BUDGET};
use superimpose_wasm::params::{SuperimposeV1, SuperimposeV2};
use superimpose_wasm::pipeline::{superimpose_v1, superimpose_v2};
use superimpose_wasm::{codec, Error, ErrorCode, RgbaImage};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

/// The wasm linear memory's size in bytes (it only ever grows).
fn memory_bytes() -> u32 {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    mem.buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

#[path = "support/png_bomb.rs"]
mod png_bomb;
use png_bomb::png_claiming;

fn pixels(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_vec(w, h, (0..w * h * 4).map(|i| (i * 37 % 256) as u8).collect()).unwrap()
}

fn reset() {
    image::set_max_pixels(DEFAULT_MAX_PIXELS).unwrap();
    image::set_memory_budget(DEFAULT_MEMORY_BUDGET).unwrap();
}

/// A fixed v2 call: its output must be the same before and after any refused call.
fn reference_call() -> Vec<u8> {
    let body = json!({"bg_remove_model": "None", "blend_mode": "overlay", "rotation": 30, "rescale_factor": 1.7});
    let p = SuperimposeV2::from_json(
        body.as_object().unwrap(),
        vec![
            ("base_image".into(), pixels(40, 30)),
            ("overlay_image".into(), pixels(12, 9)),
        ],
    )
    .unwrap();
    superimpose_v2(p).unwrap().image.into_vec()
}

#[wasm_bindgen_test]
fn png_bomb_is_refused_without_growing_memory() {
    reset();
    let bomb = png_claiming(50_000, 50_000);
    let _ = reference_call(); // let the allocator settle at a working size first
    let before = memory_bytes();
    let e = codec::decode(&bomb).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
    // The pixel limit lifted: the memory budget refuses it, still from the header.
    image::set_max_pixels(u64::from(u32::MAX)).unwrap();
    assert_eq!(
        codec::decode(&bomb).unwrap_err().code(),
        ErrorCode::MemoryBudget
    );
    let uri = codec::to_data_url(&bomb, codec::Format::Png);
    image::set_max_pixels(DEFAULT_MAX_PIXELS).unwrap();
    let e = codec::decode_data(&uri).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
    let after = memory_bytes();
    assert_eq!(
        after,
        before,
        "refusing the bomb grew wasm memory by {} bytes",
        after - before
    );
    reset();
}

#[wasm_bindgen_test]
fn rescale_100_is_refused_without_growing_memory() {
    reset();
    let expected = reference_call();
    let before = memory_bytes();
    let big = |extra: serde_json::Value| {
        let mut body = json!({"bg_remove_model": "None", "rescale_factor": 100});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        SuperimposeV2::from_json(
            body.as_object().unwrap(),
            vec![
                ("base_image".into(), pixels(16, 16)),
                ("overlay_image".into(), pixels(300, 200)),
            ],
        )
        .unwrap()
    };
    assert_eq!(
        superimpose_v2(big(json!({}))).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
    image::set_max_pixels(u64::from(u32::MAX)).unwrap();
    assert_eq!(
        superimpose_v2(big(json!({"rotation": 45})))
            .unwrap_err()
            .code(),
        ErrorCode::MemoryBudget
    );
    reset();
    // 300×200 px inputs (240 kB each) were made for the calls; nothing near the 600 MP the
    // rescale asks for.
    let grown = memory_bytes() - before;
    assert!(grown <= 2 << 20, "wasm memory grew by {grown} bytes");
    assert_eq!(reference_call(), expected);
}

/// Every error code the core can reach locally, each followed by the reference call.
#[wasm_bindgen_test]
fn instance_serves_the_next_call_after_every_error() {
    reset();
    let expected = reference_call();
    let v2 = |body: serde_json::Value, pix: Vec<(String, RgbaImage)>| -> Result<(), Error> {
        superimpose_v2(SuperimposeV2::from_json(body.as_object().unwrap(), pix)?).map(|_| ())
    };
    let both = || {
        vec![
            ("base_image".to_string(), pixels(8, 8)),
            ("overlay_image".to_string(), pixels(4, 4)),
        ]
    };
    let png = codec::encode(&pixels(3, 3), codec::Format::Png, None).unwrap();
    let uri = codec::to_data_url(&png, codec::Format::Png);
    type Call<'a> = Box<dyn Fn() -> Result<(), Error> + 'a>;
    let cases: Vec<(ErrorCode, Call<'_>)> = vec![
        (
            ErrorCode::ParamRange,
            Box::new(move || v2(json!({"opacity": 101}), both())),
        ),
        (
            ErrorCode::ParamEnum,
            Box::new(move || v2(json!({"blend_mode": "nope"}), both())),
        ),
        (
            ErrorCode::ParamType,
            Box::new(move || v2(json!({"rotation": "x"}), both())),
        ),
        (
            ErrorCode::ParamMissing,
            Box::new(move || v2(json!({}), vec![])),
        ),
        (
            ErrorCode::ParamUnknown,
            Box::new(move || v2(json!({"rotate": 3}), both())),
        ),
        (
            ErrorCode::BufferSize,
            Box::new(|| RgbaImage::from_vec(2, 2, vec![0; 15]).map(|_| ())),
        ),
        (
            ErrorCode::Dimensions,
            Box::new(move || {
                v2(
                    json!({"rescale_factor": 0.01, "bg_remove_model": "None"}),
                    both(),
                )
            }),
        ),
        (
            ErrorCode::ImageTooLarge,
            Box::new(|| codec::decode(&png_claiming(60_000, 60_000)).map(|_| ())),
        ),
        (
            ErrorCode::MemoryBudget,
            Box::new(|| {
                image::set_memory_budget(1 << 20)?;
                let r = codec::decode(&png_claiming(400, 400)).map(|_| ());
                image::set_memory_budget(DEFAULT_MEMORY_BUDGET)?;
                r
            }),
        ),
        (
            ErrorCode::ImageDecode,
            Box::new(move || codec::decode(&png[..png.len() / 2]).map(|_| ())),
        ),
        (
            ErrorCode::ImageInput,
            Box::new(|| codec::decode_data("data:image/png,xyz").map(|_| ())),
        ),
        (
            ErrorCode::ModelUnavailable,
            Box::new(move || v2(json!({"bg_remove_model": "Bria"}), both())),
        ),
        (
            ErrorCode::ImageInput,
            Box::new(move || {
                let b = json!({"base_image": "https://example.invalid/a.png", "overlay_image": uri, "bg_remove_model": "None"});
                v2(b, vec![])
            }),
        ),
        (ErrorCode::ParamRange, Box::new(|| image::set_max_pixels(0))),
        (
            ErrorCode::ParamRange,
            Box::new(|| {
                let p =
                    SuperimposeV1::from_json(json!({"opacity": 2}).as_object().unwrap(), both())?;
                superimpose_v1(p).map(|_| ())
            }),
        ),
    ];
    for (i, (code, call)) in cases.iter().enumerate() {
        let e = call().expect_err("the call must fail");
        assert_eq!(e.code(), *code, "case {i}: {e}");
        assert_eq!(
            reference_call(),
            expected,
            "case {i}: the next call differs"
        );
    }
    reset();
}
