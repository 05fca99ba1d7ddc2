//! # superimpose-wasm
//!
//! Superimpose one image on another — resample, rotate, mirror, mask and blend with 30 blend
//! modes — exactly as the Segmind `superimpose` / `superimpose-v2` APIs define it (see SPEC),
//! byte-for-byte equal to Pillow for resampling and rotation. Compiled to WebAssembly (with
//! `simd128` kernels) and shipped as an npm package; the same core runs natively.
//!
//! Module map: [`image`] (pixel buffers and limits), [`resample`] (Pillow-exact resize and the
//! v1 family), [`rotate`], [`blend`] (the 30 modes), [`params`] (the API's JSON bodies),
//! [`pipeline`] (Superimpose v1 and v2), [`bgmask`] (background-removal pre/post-processing),
//! [`codec`] (decode/encode), [`error`].
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(stdarch_wasm_atomic_wait)
)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod bgmask;
pub mod blend;
pub mod client;
pub mod codec;
pub mod error;
pub mod gpu;
pub mod image;
pub mod math;
pub mod par;
pub mod params;
pub mod pipeline;
pub mod resample;
pub mod rotate;
pub mod scene;
pub mod schema;
pub mod simd;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use image::{GrayImage, Image, RgbaImage};
