//! Which kernel implementation runs: the scalar reference or wasm `simd128`.
//!
//! The scalar kernels are always compiled. The `simd128` kernels exist only when the crate is built
//! for wasm32 with `+simd128` (see `.cargo/config.toml`). The default is the best compiled one;
//! tests and benchmarks can force the scalar path to compare the two.

use crate::error::{Error, ErrorCode, Result};
use std::sync::atomic::{AtomicU8, Ordering};

/// A kernel implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Portable scalar Rust: the reference.
    Scalar,
    /// WebAssembly 128-bit SIMD.
    Simd128,
}

impl Backend {
    /// Whether this build contains kernels for the backend.
    pub const fn is_compiled(self) -> bool {
        match self {
            Backend::Scalar => true,
            Backend::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
        }
    }

    /// The best compiled backend.
    pub const fn best() -> Backend {
        if Backend::Simd128.is_compiled() {
            Backend::Simd128
        } else {
            Backend::Scalar
        }
    }

    /// `"scalar"` or `"simd128"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Simd128 => "simd128",
        }
    }
}

const UNSET: u8 = 0;
static FORCED: AtomicU8 = AtomicU8::new(UNSET);

/// The backend kernels use now.
pub fn backend() -> Backend {
    match FORCED.load(Ordering::Relaxed) {
        1 => Backend::Scalar,
        2 => Backend::Simd128,
        _ => Backend::best(),
    }
}

/// Force a backend (for tests and benchmarks), or `None` to go back to the best one.
///
/// # Errors
/// `E_UNSUPPORTED` when the backend is not compiled into this build.
pub fn set_backend(b: Option<Backend>) -> Result<()> {
    let v = match b {
        None => UNSET,
        Some(b) if !b.is_compiled() => {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "the {} kernels are not compiled into this build",
                    b.as_str()
                ),
            ))
        }
        Some(Backend::Scalar) => 1,
        Some(Backend::Simd128) => 2,
    };
    FORCED.store(v, Ordering::Relaxed);
    Ok(())
}
