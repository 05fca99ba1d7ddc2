//! cargo-fuzz target: see `common::run_params` (shared with the regression replay in tests/limits.rs).
#![no_main]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run_params(data));
