//! Pillow-exact rotation with an expanded canvas (SPEC 1.3).

use crate::error::{Error, Result};

/// A rotation sampler (no antialiasing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sampler {
    /// 16.16 fixed-point nearest neighbour.
    Nearest,
    /// 2×2 bilinear.
    Bilinear,
    /// 4×4 bicubic (a = −0.5).
    Bicubic,
}

impl Sampler {
    /// Every sampler.
    pub const ALL: &'static [Sampler] = &[Sampler::Nearest, Sampler::Bilinear, Sampler::Bicubic];

    /// `"nearest"`, `"bilinear"` or `"bicubic"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sampler::Nearest => "nearest",
            Sampler::Bilinear => "bilinear",
            Sampler::Bicubic => "bicubic",
        }
    }

    /// Parse a name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<Sampler> {
        Sampler::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::enumeration(
                    param,
                    s,
                    &Sampler::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                )
            })
    }
}
