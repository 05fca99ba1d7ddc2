//! The remote client over real `fetch` in headless Chromium (cross-origin: needs the
//! simulator's CORS), against tests/server/segmind-sim.mjs.
//! Run: `PATH=/work/main/.tools/cargo/bin:$PATH tests/server/with-sim.sh cargo test --target
//! wasm32-unknown-unknown --test wasm_client_browser`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "server/wasm_client_cases.rs"]
mod cases;
