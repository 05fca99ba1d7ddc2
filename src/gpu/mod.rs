//! The WebGPU backend: Superimpose v1 and v2 as WGSL compute passes (see README "WebGPU").
//!
//! - [`wgsl`]: the shader sources (generated mode header + `shaders/*.wgsl`), target-independent.
//! - [`plan`]: everything the CPU prepares for the shaders — coefficient tables from
//!   [`crate::resample::coefficients`], index tables, rotation setup, blend tables — also
//!   target-independent and unit-tested natively.
//! - `device` / `run` (wasm32 only): the raw web-sys WebGPU calls, the cached device, pipelines
//!   and buffers, and the pipelines' GPU versions.

pub mod plan;
pub mod wgsl;

#[cfg(target_arch = "wasm32")]
mod device;
#[cfg(target_arch = "wasm32")]
mod run;

#[cfg(target_arch = "wasm32")]
pub use device::AdapterInfo;
#[cfg(target_arch = "wasm32")]
pub use run::{
    hash_image, key_of, ops, superimpose_v1, superimpose_v2, v2_cpu_reason, Backend, Outcome,
    AUTO_MIN_PIXELS,
};

/// The adapter's info, or `None` when this JS context has no WebGPU adapter.
#[cfg(target_arch = "wasm32")]
pub async fn adapter_info() -> Option<AdapterInfo> {
    device::adapter_info().await
}

/// Test hook: make every WebGPU request behave as if there were no adapter (`true`).
#[cfg(target_arch = "wasm32")]
pub fn set_force_unavailable(on: bool) {
    device::set_force_unavailable(on)
}

/// Test hook: destroy the current device (a real "device lost"). The next call fails on the
/// GPU and returns the CPU result with the reason; the one after gets a new device. Returns
/// whether there was a device.
#[cfg(target_arch = "wasm32")]
pub fn lose_device() -> bool {
    device::lose_device()
}
