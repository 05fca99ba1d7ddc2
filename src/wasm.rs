//! The only `#[wasm_bindgen]` surface: converts JS arguments, calls the core, maps errors.
