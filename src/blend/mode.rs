//! The one list of blend modes. Everything else (the JS list, WGSL ids, docs, the demo) derives
//! from [`BlendMode::ALL`].

use crate::error::{Error, Result};

macro_rules! blend_modes {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $name:literal, extended: $ext:literal, aliases: [$($alias:literal),*] ;)*) => {
        /// A blend mode of SPEC 2.5. The `u32` ids are stable (they are the WGSL ids too).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum BlendMode {
            $( $(#[$doc])* $variant = $id, )*
        }

        impl BlendMode {
            /// Every mode, in id order: the seed's 14 first, then the 16 extended ones.
            pub const ALL: &'static [BlendMode] = &[$(BlendMode::$variant),*];

            /// The API's own name, e.g. `"soft light"`.
            pub const fn as_str(self) -> &'static str {
                match self { $(BlendMode::$variant => $name,)* }
            }

            /// Whether this is one of SPEC 2.5's extended names (not in the remote API's enum).
            pub const fn is_extended(self) -> bool {
                match self { $(BlendMode::$variant => $ext,)* }
            }

            /// Accepted alternative spellings (CSS-style), besides the canonical name.
            pub const fn aliases(self) -> &'static [&'static str] {
                match self { $(BlendMode::$variant => &[$($alias),*],)* }
            }
        }
    };
}

blend_modes! {
    /// `F = clamp(S·B, 0, 1)`.
    Multiply = 0, "multiply", extended: false, aliases: [];
    /// Plain opacity mix.
    Normal = 1, "normal", extended: false, aliases: ["source-over"];
    /// Per-pixel random choice between source and base, seeded.
    Dissolve = 2, "dissolve", extended: false, aliases: [];
    /// `F = min(B, S)`.
    Darken = 3, "darken", extended: false, aliases: [];
    /// `F = max(B, S)`.
    Lighten = 4, "lighten", extended: false, aliases: [];
    /// `F = 1 − (1−B)(1−S)`.
    Screen = 5, "screen", extended: false, aliases: [];
    /// Tests the base: `B < 0.5 ? 2BS : 1 − 2(1−B)(1−S)`.
    Overlay = 6, "overlay", extended: false, aliases: [];
    /// SPEC's soft light (not W3C's).
    SoftLight = 7, "soft light", extended: false, aliases: ["soft-light"];
    /// Tests the source.
    HardLight = 8, "hard light", extended: false, aliases: ["hard-light"];
    /// Family C, replicated exactly (non-Photoshop).
    VividLight = 9, "vivid light", extended: false, aliases: ["vivid-light"];
    /// Family C: `G = B + 2S − 1`.
    LinearLight = 10, "linear light", extended: false, aliases: ["linear-light"];
    /// Family C.
    PinLight = 11, "pin light", extended: false, aliases: ["pin-light"];
    /// Family C, rounded half to even.
    HardMix = 12, "hard mix", extended: false, aliases: ["hard-mix"];
    /// `F = |B − S|`.
    Difference = 13, "difference", extended: false, aliases: [];
    /// Family C: `1 − (1−B)/S`.
    ColorBurn = 14, "color burn", extended: true, aliases: ["color-burn"];
    /// Family C: `B + S − 1`.
    LinearBurn = 15, "linear burn", extended: true, aliases: ["linear-burn"];
    /// Family C: `B/(1−S)`.
    ColorDodge = 16, "color dodge", extended: true, aliases: ["color-dodge"];
    /// Family C: `B + S − 2BS`.
    Exclusion = 17, "exclusion", extended: true, aliases: [];
    /// Family C: `B − S`.
    Subtract = 18, "subtract", extended: true, aliases: [];
    /// `to8(clamp((B+S)·op + B(1−op), 0, 1))`.
    LinearDodge = 19, "linear dodge(add)", extended: true, aliases: ["linear-dodge", "add"];
    /// Family A: `min(B/(1−S), 1)`.
    Dodge = 20, "dodge", extended: true, aliases: [];
    /// Family A: `min((256/255·B)/(1/255 + S), 1)`.
    Divide = 21, "divide", extended: true, aliases: [];
    /// Family A: `clamp(B − S + 0.5)`.
    GrainExtract = 22, "grain extract", extended: true, aliases: ["grain-extract"];
    /// Family A: `clamp(B + S − 0.5)`.
    GrainMerge = 23, "grain merge", extended: true, aliases: ["grain-merge"];
    /// Family C, whole pixel: source if `max(S_rgb) < max(B_rgb)`.
    DarkerColor = 24, "darker color", extended: true, aliases: ["darker-color"];
    /// Family C, whole pixel: source if `max(S_rgb) > max(B_rgb)`.
    LighterColor = 25, "lighter color", extended: true, aliases: ["lighter-color"];
    /// HSV: mix the hue.
    Hue = 26, "hue", extended: true, aliases: [];
    /// HSV: mix the saturation.
    Saturation = 27, "saturation", extended: true, aliases: [];
    /// HSV: mix hue and saturation.
    Color = 28, "color", extended: true, aliases: [];
    /// HSV: mix the value.
    Luminosity = 29, "luminosity", extended: true, aliases: [];
}

impl BlendMode {
    /// The stable numeric id (also used by the WGSL shaders).
    pub const fn id(self) -> u32 {
        self as u32
    }

    /// Parse a canonical name or an alias. Case-sensitive, as the API is.
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param` and listing the canonical names.
    pub fn parse(param: &str, s: &str) -> Result<BlendMode> {
        BlendMode::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s || m.aliases().contains(&s))
            .ok_or_else(|| {
                let names: Vec<&str> = BlendMode::ALL.iter().map(|m| m.as_str()).collect();
                Error::enumeration(param, s, &names)
            })
    }
}

impl std::fmt::Display for BlendMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BlendMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        BlendMode::parse("blend_mode", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_modes_with_dense_ids_and_unique_names() {
        assert_eq!(BlendMode::ALL.len(), 30);
        assert_eq!(
            BlendMode::ALL.iter().filter(|m| !m.is_extended()).count(),
            14
        );
        let mut names = std::collections::HashSet::new();
        for (i, m) in BlendMode::ALL.iter().enumerate() {
            assert_eq!(m.id() as usize, i);
            assert!(names.insert(m.as_str()));
            for a in m.aliases() {
                assert!(names.insert(a), "alias {a} collides");
            }
            assert_eq!(BlendMode::parse("blend_mode", m.as_str()).unwrap(), *m);
        }
    }

    #[test]
    fn aliases_and_rejections() {
        assert_eq!(
            "soft-light".parse::<BlendMode>().unwrap(),
            BlendMode::SoftLight
        );
        assert_eq!("add".parse::<BlendMode>().unwrap(), BlendMode::LinearDodge);
        let e = "Soft Light".parse::<BlendMode>().unwrap_err();
        assert_eq!(e.code().as_str(), "E_PARAM_ENUM");
        assert!(e.message().contains("\"soft light\""));
    }
}
