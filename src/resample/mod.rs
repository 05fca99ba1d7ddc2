//! Pillow-exact resampling (SPEC 1.1–1.2) and the v1 family (SPEC 3.2).

use crate::error::{Error, Result};

/// A Pillow resampling filter, named as the API's `resize_method` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// SPEC 1.2 (repeated-addition nearest).
    Nearest,
    /// Box, support 0.5.
    Box,
    /// Triangle, support 1.
    Bilinear,
    /// Keys cubic a = −0.5, support 2.
    Bicubic,
    /// Lanczos-3.
    Lanczos,
}

impl Filter {
    /// Every filter.
    pub const ALL: &'static [Filter] = &[
        Filter::Nearest,
        Filter::Box,
        Filter::Bilinear,
        Filter::Bicubic,
        Filter::Lanczos,
    ];

    /// The API name (`"nearest"`, `"box"`, `"bilinear"`, `"bicubic"`, `"lanczos"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Filter::Nearest => "nearest",
            Filter::Box => "box",
            Filter::Bilinear => "bilinear",
            Filter::Bicubic => "bicubic",
            Filter::Lanczos => "lanczos",
        }
    }

    /// Parse an API name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<Filter> {
        Filter::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::enumeration(
                    param,
                    s,
                    &Filter::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                )
            })
    }
}

/// The Superimpose v1 `resize_method` family (SPEC 3.2), computed in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V1Method {
    /// `src = min(floor((dst + 0.5)·s), in − 1)`.
    NearestExact,
    /// Half-pixel bilinear without antialias.
    Bilinear,
    /// Box average over the covering window.
    Area,
}

impl V1Method {
    /// Every method.
    pub const ALL: &'static [V1Method] =
        &[V1Method::NearestExact, V1Method::Bilinear, V1Method::Area];

    /// The API name (`"nearest-exact"`, `"bilinear"`, `"area"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            V1Method::NearestExact => "nearest-exact",
            V1Method::Bilinear => "bilinear",
            V1Method::Area => "area",
        }
    }

    /// Parse an API name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<V1Method> {
        V1Method::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::enumeration(
                    param,
                    s,
                    &V1Method::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                )
            })
    }
}
