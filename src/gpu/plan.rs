//! What the CPU prepares for the shaders (target-independent, unit-tested natively).
//!
//! Nothing here re-derives a filter or a formula: convolution weights come from
//! [`crate::resample::coefficients`], nearest index tables from [`crate::resample::resize`]
//! itself (run on a one-row image whose pixels are their own indices), rotation matrices from
//! [`crate::rotate::inverse_matrix`], blend results from [`crate::blend::blend_pixel`]. The only
//! re-statements are Superimpose v1's small f32 index tables and Pillow's 16.16 `FIX`/bounds
//! check, which the GPU-vs-CPU tests cover.

use crate::blend::{blend_pixel, BlendMode};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::resample::{self, Filter, V1Method};
use crate::rotate::{self, Sampler};

/// A convolution pass's tables: `(first, count)` per output index and the i32 coefficients
/// (`stride` per output index), straight from [`resample::coefficients`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvTable {
    /// `2 × out_len` entries: first input index, tap count.
    pub bounds: Vec<u32>,
    /// `out_len × stride` coefficients scaled by 2²².
    pub coeffs: Vec<i32>,
    /// Taps per output index.
    pub stride: u32,
}

/// The coefficient table of one axis.
///
/// # Errors
/// As [`resample::coefficients`].
pub fn conv_table(in_len: u32, out_len: u32, filter: Filter) -> Result<ConvTable> {
    let c = resample::coefficients(in_len, out_len, filter)?;
    let bounds = c.bounds.iter().flat_map(|&(f, n)| [f, n]).collect();
    let stride = u32::try_from(c.stride).map_err(|_| Error::internal("coefficient stride"))?;
    Ok(ConvTable {
        bounds,
        coeffs: c.values,
        stride,
    })
}

/// One GPU pass of a resize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResamplePass {
    /// Horizontal convolution to `width` (the height is unchanged).
    Horizontal {
        /// Output width.
        width: u32,
        /// The x axis's table.
        table: ConvTable,
    },
    /// Vertical convolution to `height` (the width is unchanged).
    Vertical {
        /// Output height.
        height: u32,
        /// The y axis's table.
        table: ConvTable,
    },
    /// Gather through index tables (`xs` then `ys`) and a byte map.
    Gather {
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// `width` column indices then `height` row indices.
        indices: Vec<u32>,
        /// 256-entry byte map.
        lut: Vec<u32>,
    },
}

/// The identity byte map.
pub fn identity_lut() -> Vec<u32> {
    (0..256).collect()
}

/// The passes of [`resample::resize`] (channel-independent, Pillow's pass order; nothing for
/// an unchanged size).
///
/// # Errors
/// As [`resample::resize`].
pub fn resample_passes(
    in_w: u32,
    in_h: u32,
    out_w: u32,
    out_h: u32,
    filter: Filter,
) -> Result<Vec<ResamplePass>> {
    crate::image::check_dimensions(out_w, out_h)?;
    if (in_w, in_h) == (out_w, out_h) {
        return Ok(Vec::new());
    }
    if filter == Filter::Nearest {
        let mut indices = nearest_indices(in_w, out_w)?;
        indices.extend(nearest_indices(in_h, out_h)?);
        return Ok(vec![ResamplePass::Gather {
            width: out_w,
            height: out_h,
            indices,
            lut: identity_lut(),
        }]);
    }
    let h = |t| ResamplePass::Horizontal {
        width: out_w,
        table: t,
    };
    let v = |t| ResamplePass::Vertical {
        height: out_h,
        table: t,
    };
    Ok(match (out_w != in_w, out_h != in_h) {
        (true, false) => vec![h(conv_table(in_w, out_w, filter)?)],
        (false, true) => vec![v(conv_table(in_h, out_h, filter)?)],
        _ => {
            let ht = conv_table(in_w, out_w, filter)?;
            let vt = conv_table(in_h, out_h, filter)?;
            if resample::vertical_first(in_w, in_h, out_w, out_h) {
                vec![v(vt), h(ht)]
            } else {
                vec![h(ht), v(vt)]
            }
        }
    })
}

/// SPEC 1.2's index table, taken from [`resample::resize`] itself: a one-row image whose pixel
/// `i` holds `i` (4 little-endian bytes) is resized with [`Filter::Nearest`].
///
/// # Errors
/// As [`resample::resize`].
pub fn nearest_indices(in_len: u32, out_len: u32) -> Result<Vec<u32>> {
    let bytes: Vec<u8> = (0..in_len).flat_map(u32::to_le_bytes).collect();
    let row = Image::<4>::from_vec(in_len, 1, bytes)?;
    let out = resample::resize(&row, out_len, 1, Filter::Nearest)?;
    Ok(out
        .data()
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// `c as f32 / 255` for every byte, as f32 bits (Superimpose v1's unit values).
pub fn unit_lut_bits() -> Vec<u32> {
    (0..256u32)
        .map(|c| (c as f32 / 255.0f32).to_bits())
        .collect()
}

/// Superimpose v1's `to_byte(c / 255)` for every byte (not the identity in f32).
pub fn v1_byte_lut() -> Vec<u32> {
    (0..256u32)
        .map(|c| (255.0f32 * (c as f32 / 255.0f32)).clamp(0.0, 255.0) as u32)
        .collect()
}

/// The one pass of [`resample::resize_v1`] on the GPU: `(entry point, tables, lut)`.
#[derive(Debug, Clone, PartialEq)]
pub struct V1Pass {
    /// `"gather"`, `"v1_bilinear"` or `"v1_area"`.
    pub entry: &'static str,
    /// x table then y table (layout per entry point, see `resample.wgsl`).
    pub tables: Vec<u32>,
    /// The byte map (gather) or unit values (bilinear, area).
    pub lut: Vec<u32>,
}

/// SPEC 3.2 step 3 as one GPU pass. The f32 index arithmetic is `src/resample/v1.rs`'s, done
/// here on the CPU (WGSL's f32 division is not correctly rounded).
pub fn v1_pass(in_w: u32, in_h: u32, out_w: u32, out_h: u32, method: V1Method) -> V1Pass {
    match method {
        V1Method::NearestExact => {
            let t = |i: u32, o: u32| {
                let s = i as f32 / o as f32;
                (0..o).map(move |d| (((d as f32 + 0.5f32) * s).floor() as u32).min(i - 1))
            };
            V1Pass {
                entry: "gather",
                tables: t(in_w, out_w).chain(t(in_h, out_h)).collect(),
                lut: v1_byte_lut(),
            }
        }
        V1Method::Bilinear => {
            let t = |i: u32, o: u32| {
                let s = i as f32 / o as f32;
                let last = i - 1;
                (0..o).flat_map(move |d| {
                    let x = ((d as f32 + 0.5f32) * s - 0.5f32).max(0.0);
                    let f = x.floor();
                    let i0 = (f as u32).min(last);
                    let i1 = if i0 < last { i0 + 1 } else { i0 };
                    [i0, i1, (x - f).clamp(0.0, 1.0).to_bits()]
                })
            };
            V1Pass {
                entry: "v1_bilinear",
                tables: t(in_w, out_w).chain(t(in_h, out_h)).collect(),
                lut: unit_lut_bits(),
            }
        }
        V1Method::Area => {
            let t = |i: u32, o: u32| {
                let (n, m) = (u64::from(i), u64::from(o));
                (0..m).flat_map(move |k| {
                    let a = k * n / m;
                    let b = ((k + 1) * n).div_ceil(m).max(a + 1);
                    [a as u32, b as u32]
                })
            };
            V1Pass {
                entry: "v1_area",
                tables: t(in_w, out_w).chain(t(in_h, out_h)).collect(),
                lut: unit_lut_bits(),
            }
        }
    }
}

/// `mirror.wgsl`'s ops.
pub mod geo {
    /// Flip left ↔ right.
    pub const FLIP_H: u32 = 0;
    /// Flip top ↔ bottom.
    pub const FLIP_V: u32 = 1;
    /// Rotate 180°.
    pub const ROT180: u32 = 2;
    /// Rotate 90° counter-clockwise (size swapped).
    pub const ROT90: u32 = 3;
    /// Rotate 270° counter-clockwise (size swapped).
    pub const ROT270: u32 = 4;
}

/// How a rotation runs on the GPU.
#[derive(Debug, Clone, PartialEq)]
pub enum RotationPlan {
    /// Unchanged.
    Identity,
    /// An exact flip / transpose (`geo` op) into `width × height`.
    Transpose {
        /// A [`geo`] op.
        op: u32,
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
    },
    /// 16.16 nearest: `[A0, A1, A3, A4, X0, Y0]`.
    Nearest {
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// The fixed-point walk's constants.
        fixed: [i32; 6],
    },
    /// Bilinear / bicubic with the sample-point terms (see `rotate.wgsl`).
    Interpolate {
        /// The sampler.
        sampler: Sampler,
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// `(u_hi, u_lo, v_hi, v_lo)` per column, then per row.
        terms: Vec<[f32; 4]>,
    },
    /// A path the GPU does not implement (the CPU runs the call): why.
    CpuOnly(&'static str),
}

/// Pillow's `FIX(v)`.
fn fix(v: f64) -> i32 {
    (v * 65536.0 + 0.5).floor() as i32
}

fn split(v: f64) -> [f32; 2] {
    let hi = v as f32;
    [hi, (v - f64::from(hi)) as f32]
}

/// The GPU plan of [`rotate::rotate`] for a `w × h` image.
///
/// # Errors
/// As [`rotate::rotated_size`].
pub fn rotation_plan(w: u32, h: u32, degrees: f64, sampler: Sampler) -> Result<RotationPlan> {
    let (ow, oh) = rotate::rotated_size(w, h, degrees)?;
    let Some(m) = rotate::inverse_matrix(w, h, degrees)? else {
        let theta = degrees.rem_euclid(360.0);
        let op = if theta == 90.0 {
            geo::ROT90
        } else if theta == 180.0 {
            geo::ROT180
        } else if theta == 270.0 {
            geo::ROT270
        } else {
            return Ok(RotationPlan::Identity);
        };
        return Ok(RotationPlan::Transpose {
            op,
            width: ow,
            height: oh,
        });
    };
    match sampler {
        Sampler::Nearest => {
            if m[1] == 0.0 && m[3] == 0.0 {
                return Ok(RotationPlan::CpuOnly("rotation without shear (scale path)"));
            }
            let inside = |x: f64, y: f64| {
                (x * m[0] + y * m[1] + m[2]).abs() < 32768.0
                    && (x * m[3] + y * m[4] + m[5]).abs() < 32768.0
            };
            let (fw, fh) = (f64::from(ow), f64::from(oh));
            if !(inside(0.0, 0.0) && inside(fw, fh) && inside(0.0, fh) && inside(fw, 0.0)) {
                return Ok(RotationPlan::CpuOnly(
                    "rotation beyond ±32768 px (Pillow's floating-point nearest walk)",
                ));
            }
            Ok(RotationPlan::Nearest {
                width: ow,
                height: oh,
                fixed: [
                    fix(m[0]),
                    fix(m[1]),
                    fix(m[3]),
                    fix(m[4]),
                    fix(m[2] + m[0] * 0.5 + m[1] * 0.5),
                    fix(m[5] + m[3] * 0.5 + m[4] * 0.5),
                ],
            })
        }
        Sampler::Bilinear | Sampler::Bicubic => {
            let mut terms = Vec::with_capacity(ow as usize + oh as usize);
            for x in 0..ow {
                let xin = f64::from(x) + 0.5;
                let [uh, ul] = split(m[0] * xin);
                let [vh, vl] = split(m[3] * xin);
                terms.push([uh, ul, vh, vl]);
            }
            for y in 0..oh {
                let yin = f64::from(y) + 0.5;
                let [uh, ul] = split(m[1] * yin + m[2]);
                let [vh, vl] = split(m[4] * yin + m[5]);
                terms.push([uh, ul, vh, vl]);
            }
            Ok(RotationPlan::Interpolate {
                sampler,
                width: ow,
                height: oh,
                terms,
            })
        }
    }
}

/// The 256 × 256 result table of a per-channel mode (and the Family C mix of darker / lighter
/// color) at `opacity`, four bytes per word, indexed `(b << 8) | s` — evaluated with the scalar
/// reference [`blend_pixel`], so it is the f64 formula itself. `None` for the modes the shader
/// computes itself (dissolve, hue, saturation, color, luminosity).
pub fn blend_table(mode: BlendMode, opacity: f64) -> Option<Vec<u32>> {
    use BlendMode as M;
    let f: Box<dyn Fn(u8, u8) -> u8> = match mode {
        M::Dissolve | M::Hue | M::Saturation | M::Color | M::Luminosity => return None,
        // The table holds MIX_C(b, g): the source wins the pick exactly when g < b (darker) or
        // g > b (lighter), and g = b gives the same value either way.
        M::DarkerColor | M::LighterColor => Box::new(move |b, g| {
            let m = if g < b {
                M::DarkerColor
            } else {
                M::LighterColor
            };
            blend_pixel(m, [b; 3], [g; 3], opacity, 0.0)[0]
        }),
        _ => Box::new(move |b, s| blend_pixel(mode, [b, 0, 0], [s, 0, 0], opacity, 0.0)[0]),
    };
    let mut words = vec![0u32; 65536 / 4];
    for b in 0..=255u8 {
        for s in 0..=255u8 {
            let i = (usize::from(b) << 8) | usize::from(s);
            words[i >> 2] |= u32::from(f(b, s)) << (8 * (i & 3));
        }
    }
    Some(words)
}

/// Superimpose v1's opacity as a byte map: `trunc(a · opacity)`.
pub fn opacity_lut(opacity: f64) -> Vec<u32> {
    if opacity < 1.0 {
        (0..256u32)
            .map(|a| (f64::from(a) * opacity).trunc() as u32)
            .collect()
    } else {
        identity_lut()
    }
}

/// The overlap of a `w × h` overlay at `(left, top)` with a `bw × bh` base:
/// `(x0, y0, x1, y1)` in base pixels, or `None` when empty (as the CPU composite clips).
pub fn overlap(bw: u32, bh: u32, w: u32, h: u32, left: i64, top: i64) -> Option<[u32; 4]> {
    let x0 = left.max(0);
    let y0 = top.max(0);
    let x1 = left.saturating_add(i64::from(w)).min(i64::from(bw));
    let y1 = top.saturating_add(i64::from(h)).min(i64::from(bh));
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    Some([x0 as u32, y0 as u32, x1 as u32, y1 as u32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_indices_match_pillow_repeated_addition() {
        // SPEC 1.2's example: 2 → 7 by repeated addition.
        assert_eq!(nearest_indices(2, 7).unwrap(), vec![0, 0, 0, 0, 1, 1, 1]);
        assert_eq!(nearest_indices(5, 5).unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(nearest_indices(10, 3).unwrap(), vec![1, 5, 8]);
    }

    #[test]
    fn pass_order_follows_pillow() {
        // Height shrinks much more than the width: vertical first.
        let p = resample_passes(100, 400, 90, 100, Filter::Bilinear).unwrap();
        assert!(matches!(p[0], ResamplePass::Vertical { .. }));
        assert!(matches!(p[1], ResamplePass::Horizontal { .. }));
        let p = resample_passes(100, 100, 50, 60, Filter::Bilinear).unwrap();
        assert!(matches!(p[0], ResamplePass::Horizontal { .. }));
        assert!(resample_passes(7, 7, 7, 7, Filter::Lanczos)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn blend_table_is_the_scalar_formula() {
        // Hand-checked points of SPEC 2.5 at op = 1: multiply 255·255 → 255, 128·128 →
        // floor(128·128/255) = 64; hard mix at op 0.5 with b + s = 255 is the 0.5 tie → G = 0.
        let t = blend_table(BlendMode::Multiply, 1.0).unwrap();
        let at = |t: &[u32], b: usize, s: usize| {
            let i = (b << 8) | s;
            (t[i >> 2] >> (8 * (i & 3))) & 0xff
        };
        assert_eq!(at(&t, 255, 255), 255);
        assert_eq!(at(&t, 128, 128), 64);
        let t = blend_table(BlendMode::HardMix, 0.5).unwrap();
        for b in [0usize, 100, 200, 255] {
            let want = blend_pixel(
                BlendMode::HardMix,
                [b as u8; 3],
                [(255 - b) as u8; 3],
                0.5,
                0.0,
            )[0];
            assert_eq!(at(&t, b, 255 - b), u32::from(want));
        }
        let t = blend_table(BlendMode::DarkerColor, 0.7).unwrap();
        for (b, g) in [(10u8, 200u8), (200, 10), (77, 77)] {
            let pick = if g < b {
                BlendMode::DarkerColor
            } else {
                BlendMode::LighterColor
            };
            let want = blend_pixel(pick, [b; 3], [g; 3], 0.7, 0.0)[0];
            assert_eq!(at(&t, b.into(), g.into()), u32::from(want));
        }
        assert!(blend_table(BlendMode::Hue, 0.5).is_none());
    }

    #[test]
    fn rotation_plans() {
        assert_eq!(
            rotation_plan(4, 3, 90.0, Sampler::Nearest).unwrap(),
            RotationPlan::Transpose {
                op: geo::ROT90,
                width: 3,
                height: 4
            }
        );
        assert_eq!(
            rotation_plan(4, 3, 360.0, Sampler::Bicubic).unwrap(),
            RotationPlan::Identity
        );
        match rotation_plan(40, 30, 30.0, Sampler::Bilinear).unwrap() {
            RotationPlan::Interpolate {
                width,
                height,
                terms,
                ..
            } => {
                assert_eq!((width, height), rotate::rotated_size(40, 30, 30.0).unwrap());
                assert_eq!(terms.len(), (width + height) as usize);
            }
            p => panic!("{p:?}"),
        }
        assert!(matches!(
            rotation_plan(40, 30, 30.0, Sampler::Nearest).unwrap(),
            RotationPlan::Nearest { .. }
        ));
        // Corners beyond ±32768 px: Pillow's floating-point walk, left to the CPU.
        assert!(matches!(
            rotation_plan(40_000, 2, 1.0, Sampler::Nearest).unwrap(),
            RotationPlan::CpuOnly(_)
        ));
    }

    #[test]
    fn overlap_clips() {
        assert_eq!(overlap(10, 10, 4, 4, -2, 8), Some([0, 8, 2, 10]));
        assert_eq!(overlap(10, 10, 4, 4, 10, 0), None);
    }
}
