//! The remote client over real `fetch` in Node, against tests/server/segmind-sim.mjs.
//! Run: `PATH=/work/main/.tools/cargo/bin:$PATH tests/server/with-sim.sh cargo test --target
//! wasm32-unknown-unknown --test wasm_client_node`.
#![cfg(target_arch = "wasm32")]

#[path = "server/wasm_client_cases.rs"]
mod cases;
