//! The WGSL sources, assembled: a header generated from [`BlendMode::ALL`] (so the shader's
//! mode ids cannot drift from the Rust list), `common.wgsl`, then the shader itself.
//! Target-independent, so the native test `tests/gpu_wgsl.rs` validates every source with naga.

use crate::blend::BlendMode;

/// One compute shader module of the WebGPU backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shader {
    /// Convolution passes and gathers (`resample.wgsl`).
    Resample,
    /// Flips, transposes, luminance and alpha-plane insertion (`mirror.wgsl`).
    Mirror,
    /// The three rotation samplers (`rotate.wgsl`).
    Rotate,
    /// Blend + mask composite (`blend.wgsl`).
    Blend,
}

impl Shader {
    /// Every shader module.
    pub const ALL: &'static [Shader] = &[
        Shader::Resample,
        Shader::Mirror,
        Shader::Rotate,
        Shader::Blend,
    ];

    /// The file name under `src/gpu/shaders/`.
    pub const fn file(self) -> &'static str {
        match self {
            Shader::Resample => "resample.wgsl",
            Shader::Mirror => "mirror.wgsl",
            Shader::Rotate => "rotate.wgsl",
            Shader::Blend => "blend.wgsl",
        }
    }

    /// The compute entry points the backend creates pipelines for.
    pub const fn entry_points(self) -> &'static [&'static str] {
        match self {
            Shader::Resample => &["horizontal", "vertical", "gather", "v1_bilinear", "v1_area"],
            Shader::Mirror => &["transform", "luminance", "put_alpha"],
            Shader::Rotate => &["nearest", "bilinear", "bicubic"],
            Shader::Blend => &["composite"],
        }
    }

    fn body(self) -> &'static str {
        match self {
            Shader::Resample => wgsl!("shaders/resample.wgsl"),
            Shader::Mirror => wgsl!("shaders/mirror.wgsl"),
            Shader::Rotate => wgsl!("shaders/rotate.wgsl"),
            Shader::Blend => wgsl!("shaders/blend.wgsl"),
        }
    }

    /// The complete source handed to `createShaderModule` (comments and indentation stripped
    /// at compile time, so only the code ships in the `.wasm`).
    pub fn source(self) -> String {
        let mut s = header();
        s.push_str(wgsl!("shaders/common.wgsl"));
        s.push_str(self.body());
        s
    }
}

/// A `.wgsl` file without its comments, blank lines and indentation, as a `&'static str`
/// computed at compile time. WGSL has no string literals, so `//` always starts a comment.
macro_rules! wgsl {
    ($path:literal) => {{
        const SRC: &[u8] = include_bytes!($path);
        const LEN: usize = strip(SRC, &mut []);
        const OUT: [u8; LEN] = {
            let mut out = [0u8; LEN];
            strip(SRC, &mut out);
            out
        };
        const TEXT: &str = match std::str::from_utf8(&OUT) {
            Ok(t) => t,
            Err(_) => panic!("a WGSL file is not UTF-8"),
        };
        TEXT
    }};
}
use wgsl;

/// Copy `src` into `out` without comments, indentation and blank lines (each kept line ends in
/// `\n`); returns the stripped length. With an empty `out` it only counts.
const fn strip(src: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < src.len() {
        // One line: [i, end).
        let mut end = i;
        while end < src.len() && src[end] != b'\n' {
            end += 1;
        }
        let mut a = i;
        while a < end && (src[a] == b' ' || src[a] == b'\t') {
            a += 1;
        }
        let mut b = a;
        while b < end && !(src[b] == b'/' && b + 1 < end && src[b + 1] == b'/') {
            b += 1;
        }
        while b > a && (src[b - 1] == b' ' || src[b - 1] == b'\t' || src[b - 1] == b'\r') {
            b -= 1;
        }
        if b > a {
            let mut k = a;
            while k < b {
                if n < out.len() {
                    out[n] = src[k];
                }
                n += 1;
                k += 1;
            }
            if n < out.len() {
                out[n] = b'\n';
            }
            n += 1;
        }
        i = end + 1;
    }
    n
}

/// The id the composite shader uses for Superimpose v1's plain mask mix (not a blend mode).
pub const MODE_V1_MIX: u32 = 0xffff;

/// `"linear dodge(add)"` → `"LINEAR_DODGE_ADD"`: upper case, runs of other characters → `_`.
pub fn mode_const_name(mode: BlendMode) -> String {
    let mut out = String::from("MODE_");
    let mut pending = false;
    for ch in mode.as_str().chars() {
        if ch.is_ascii_alphanumeric() {
            if pending && !out.ends_with('_') {
                out.push('_');
            }
            pending = false;
            out.push(ch.to_ascii_uppercase());
        } else {
            pending = true;
        }
    }
    out
}

/// The generated constants: one `const MODE_…: u32` per blend mode, plus `MODE_V1_MIX`.
pub fn header() -> String {
    let mut s =
        String::from("// Generated from BlendMode::ALL (src/blend/mode.rs); do not edit.\n");
    for m in BlendMode::ALL {
        s.push_str(&format!(
            "const {}: u32 = {}u;\n",
            mode_const_name(*m),
            m.id()
        ));
    }
    s.push_str(&format!("const MODE_V1_MIX: u32 = {MODE_V1_MIX}u;\n\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_names() {
        assert_eq!(
            mode_const_name(BlendMode::LinearDodge),
            "MODE_LINEAR_DODGE_ADD"
        );
        assert_eq!(mode_const_name(BlendMode::SoftLight), "MODE_SOFT_LIGHT");
        assert_eq!(mode_const_name(BlendMode::Multiply), "MODE_MULTIPLY");
        let h = header();
        let names: std::collections::HashSet<String> =
            BlendMode::ALL.iter().map(|m| mode_const_name(*m)).collect();
        assert_eq!(names.len(), 30);
        assert!(h.contains("const MODE_DISSOLVE: u32 = 2u;"));
    }

    #[test]
    fn comments_are_stripped_code_is_kept() {
        let src = b"// head\n  let a = 1; // tail\n\n\tfn f() {}\n";
        let mut out = [0u8; 64];
        let n = strip(src, &mut out);
        assert_eq!(
            std::str::from_utf8(&out[..n]).unwrap(),
            "let a = 1;\nfn f() {}\n"
        );
        assert_eq!(strip(src, &mut []), n);
        let blend = Shader::Blend.source();
        assert!(!blend[header().len()..].contains("//"));
        assert!(blend.contains("fn composite("));
    }
}
