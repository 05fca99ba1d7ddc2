//! The 30 blend modes of SPEC 2.5 and the blend + mask composite kernels.
//!
//! - [`blend_pixel`] is the scalar reference for one pixel: one `fn` per mode in `scalar.rs`,
//!   SPEC's formulas in their written order, f64.
//! - [`Blender`] holds validated settings and runs the composite `out = MIX(base, R, m)` over
//!   rows of pixels ([`Blender::composite_row`], [`composite_at`], [`blend`]).
//!
//! # Fast path (exact)
//! For the 23 per-channel modes the result byte depends only on the byte pair (b, s) at a fixed
//! opacity, so the [`Blender`] fills a 256 × 256 byte table from the scalar formula itself and
//! looks results up. `darker color` / `lighter color` use the same kind of table for their
//! Family C mix `(b, g) ↦ to8(clamp((1−op)·B + op·G))`, with `g` the per-pixel choice. The table
//! costs 65 536 formula evaluations, so it is built only once the work justifies it (a
//! [`Blender::prepare`] hint, or when the channels evaluated directly reach 65 536); before that
//! the formula runs per pixel. Either way the bytes are the scalar formula's.
//! The mask mix skips pixels with `m = 0`, stores `R` for `m = 255`, and in the `simd128`
//! kernel does MIX / DIV255 for 4 pixels at once in `u16x8` lanes.

mod mode;
mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

pub use mode::BlendMode;

use crate::error::{Error, Result};
use crate::image::RgbaImage;
use scalar::ChannelFn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Table entries (and the number of formula evaluations that build one).
const TABLE_LEN: usize = 256 * 256;

/// A 256 × 256 result table, indexed `(b << 8) | s`.
type Table = [u8; TABLE_LEN];

/// Tables kept across calls (an editor re-compositing with one mode and opacity rebuilds
/// nothing): the most recently used first, at most [`CACHED_TABLES`] (64 KiB each). Consulted
/// when a [`Blender`] decides to use a table (the same work threshold as without the cache).
static TABLES: Mutex<Vec<(BlendMode, u64, Arc<Table>)>> = Mutex::new(Vec::new());
/// How many tables [`TABLES`] keeps.
const CACHED_TABLES: usize = 8;

/// The cached table of `mode` at `opacity`, moved to the front.
fn cached_table(mode: BlendMode, opacity: f64) -> Option<Arc<Table>> {
    let mut c = TABLES.lock().ok()?;
    let i = c
        .iter()
        .position(|(m, op, _)| *m == mode && *op == opacity.to_bits())?;
    let e = c.remove(i);
    let t = Arc::clone(&e.2);
    c.insert(0, e);
    Some(t)
}

/// Keep `t` as the table of `mode` at `opacity` (dropping the least recently used).
fn cache_table(mode: BlendMode, opacity: f64, t: &Arc<Table>) {
    if let Ok(mut c) = TABLES.lock() {
        c.retain(|(m, op, _)| !(*m == mode && *op == opacity.to_bits()));
        c.insert(0, (mode, opacity.to_bits(), Arc::clone(t)));
        c.truncate(CACHED_TABLES);
    }
}

/// How a mode computes `R`.
#[derive(Clone, Copy)]
enum Kind {
    /// Per-channel formula `(b, s, op) → byte`.
    Channel(ChannelFn),
    /// Dissolve: the source pixel iff `(hash >> 8) < threshold`.
    Dissolve { threshold: u32 },
    /// `darker color` (`true`) / `lighter color` (`false`).
    Pick(bool),
    /// hue / saturation / color / luminosity.
    Hsv,
}

/// Validated blend settings, with any per-call tables precomputed (the 256×256 result table of
/// the per-channel modes, built when it pays off; see the module docs).
pub struct Blender {
    mode: BlendMode,
    opacity: f64,
    seed: u32,
    kind: Kind,
    table: OnceLock<Arc<Table>>,
    /// Channel values evaluated without the table so far.
    direct: AtomicU64,
}

impl std::fmt::Debug for Blender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blender")
            .field("mode", &self.mode)
            .field("opacity", &self.opacity)
            .field("seed", &self.seed)
            .field("table_built", &self.table.get().is_some())
            .finish()
    }
}

impl Blender {
    /// opacity in [0, 1] and finite, else E_PARAM_RANGE (param "opacity").
    ///
    /// # Errors
    /// `E_PARAM_RANGE` for a NaN, infinite or out-of-range `opacity`.
    pub fn new(mode: BlendMode, opacity: f64, seed: u32) -> Result<Blender> {
        if !(opacity.is_finite() && (0.0..=1.0).contains(&opacity)) {
            return Err(Error::range(
                "opacity",
                format!("`opacity` must be a finite number in [0, 1]; got {opacity}"),
            ));
        }
        let kind = match mode {
            BlendMode::Dissolve => Kind::Dissolve {
                threshold: dissolve_threshold(opacity),
            },
            BlendMode::DarkerColor => Kind::Pick(true),
            BlendMode::LighterColor => Kind::Pick(false),
            BlendMode::Hue | BlendMode::Saturation | BlendMode::Color | BlendMode::Luminosity => {
                Kind::Hsv
            }
            _ => match scalar::channel_fn(mode) {
                Some(f) => Kind::Channel(f),
                None => return Err(Error::internal("blend mode without a formula")),
            },
        };
        Ok(Blender {
            mode,
            opacity,
            seed,
            kind,
            table: OnceLock::new(),
            direct: AtomicU64::new(0),
        })
    }

    /// The blend mode.
    pub fn mode(&self) -> BlendMode {
        self.mode
    }

    /// The opacity in [0, 1].
    pub fn opacity(&self) -> f64 {
        self.opacity
    }

    /// The dissolve seed.
    pub fn seed(&self) -> u32 {
        self.seed
    }

    /// Hint that about `pixels` pixels are going to be composited: builds the result table now
    /// if that is cheaper than evaluating the formula per pixel (`3·pixels ≥ 65 536`). Only
    /// speed depends on this; the bytes do not.
    pub fn prepare(&self, pixels: u64) {
        if pixels.saturating_mul(3) >= TABLE_LEN as u64 {
            let _ = self.table_now();
        }
    }

    /// Whether the result table is built (for tests and benchmarks).
    pub fn has_table(&self) -> bool {
        self.table.get().is_some()
    }

    /// The table's formula `(b, x, op) → byte`, if this mode uses a table.
    fn table_fn(&self) -> Option<ChannelFn> {
        match self.kind {
            Kind::Channel(f) => Some(f),
            Kind::Pick(_) => Some(scalar::mix_c),
            Kind::Dissolve { .. } | Kind::Hsv => None,
        }
    }

    /// The table, built now if the mode uses one.
    fn table_now(&self) -> Option<&Table> {
        let f = self.table_fn()?;
        let op = self.opacity;
        let t = self.table.get_or_init(|| {
            if let Some(t) = cached_table(self.mode, op) {
                return t;
            }
            let mut t: Box<Table> = Box::new([0; TABLE_LEN]);
            for (b, row) in t.chunks_exact_mut(256).enumerate() {
                let bn = scalar::n(b as u8);
                for (s, out) in row.iter_mut().enumerate() {
                    *out = f(bn, scalar::n(s as u8), op);
                }
            }
            let t: Arc<Table> = Arc::from(t);
            cache_table(self.mode, op, &t);
            t
        });
        Some(t)
    }

    /// The table for a run of `pixels` pixels: the built one, or a new one once the channels
    /// evaluated directly (including this run) would reach the cost of building it; `None`
    /// means evaluate directly (and that work is counted).
    fn table_for(&self, pixels: usize) -> Option<&Table> {
        if let Some(t) = self.table.get() {
            return Some(t);
        }
        self.table_fn()?;
        let work = (pixels as u64).saturating_mul(3);
        let done = self.direct.fetch_add(work, Ordering::Relaxed);
        if done.saturating_add(work) >= TABLE_LEN as u64 {
            self.table_now()
        } else {
            None
        }
    }

    /// One run of pixels: `base` RGBA (4 bytes/px; its alpha byte untouched), `src` RGBA where RGB is the source colour and the 4th byte is the mask m. Same length (else no-op, debug_assert). (x, y) = base coordinates of the first pixel (for dissolve).
    pub fn composite_row(&self, base: &mut [u8], src: &[u8], x: u32, y: u32) {
        debug_assert_eq!(base.len(), src.len(), "composite_row: length mismatch");
        if base.len() != src.len() {
            return;
        }
        let op = self.opacity;
        let pixels = base.len() / 4;
        match self.kind {
            Kind::Channel(f) => match self.table_for(pixels) {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                Some(t) if crate::simd::backend() == crate::simd::Backend::Simd128 => {
                    simd128::composite_table(base, src, t)
                }
                Some(t) => run(base, src, |_, b, s| {
                    [0, 1, 2].map(|c| t[(usize::from(b[c]) << 8) | usize::from(s[c])])
                }),
                None => run(base, src, |_, b, s| {
                    [0, 1, 2].map(|c| f(scalar::n(b[c]), scalar::n(s[c]), op))
                }),
            },
            Kind::Pick(darker) => match self.table_for(pixels) {
                Some(t) => run(base, src, |_, b, s| {
                    let g = if scalar::picks_source(darker, b, s) {
                        s
                    } else {
                        b
                    };
                    [0, 1, 2].map(|c| t[(usize::from(b[c]) << 8) | usize::from(g[c])])
                }),
                None => run(base, src, |_, b, s| {
                    scalar::darker_lighter(darker, b, s, op)
                }),
            },
            Kind::Dissolve { threshold } => {
                let seed = self.seed;
                run(base, src, |i, b, s| {
                    let h = dissolve_hash(seed, x.wrapping_add(i as u32), y);
                    if (h >> 8) < threshold {
                        s
                    } else {
                        b
                    }
                })
            }
            Kind::Hsv => {
                let mode = self.mode;
                run(base, src, |_, b, s| scalar::hsv_mode(mode, b, s, op))
            }
        }
    }
}

/// Run the composite kernel of the current backend with a per-pixel blend `(i, base, src) → R`.
#[inline(always)]
fn run<F>(base: &mut [u8], src: &[u8], blend: F)
where
    F: Fn(usize, [u8; 3], [u8; 3]) -> [u8; 3],
{
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if crate::simd::backend() == crate::simd::Backend::Simd128 {
        return simd128::composite(base, src, blend);
    }
    scalar::composite(base, src, blend)
}

/// Scalar reference for one pixel (RGB), with the dissolve draw given explicitly.
///
/// SPEC 2.5 at opacity `opacity` (∈ [0, 1]; other values give unspecified but in-range bytes);
/// `dissolve_u` is only used by `dissolve` (source iff `dissolve_u < opacity`).
pub fn blend_pixel(
    mode: BlendMode,
    base: [u8; 3],
    src: [u8; 3],
    opacity: f64,
    dissolve_u: f64,
) -> [u8; 3] {
    scalar::pixel(mode, base, src, opacity, dissolve_u)
}

/// One round of the 32-bit integer finaliser used by [`dissolve_hash`]:
/// `h ^= h >> 16; h *= 0x7feb352d; h ^= h >> 15; h *= 0x846ca68b; h ^= h >> 16` (wrapping).
#[inline(always)]
fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x7feb_352d);
    h ^= h >> 15;
    h = h.wrapping_mul(0x846c_a68b);
    h ^= h >> 16;
    h
}

/// The stateless dissolve hash of a base pixel, u32 wrapping arithmetic only (so WGSL can
/// reproduce it bit for bit):
///
/// ```text
/// h = mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ x) ^ y)
/// mix32(h): h ^= h >> 16; h *= 0x7feb352d; h ^= h >> 15; h *= 0x846ca68b; h ^= h >> 16
/// ```
///
/// Each `mix32` is a bijection of u32, so for a fixed seed and row the draws of distinct `x`
/// are distinct hashes.
pub fn dissolve_hash(seed: u32, x: u32, y: u32) -> u32 {
    mix32(mix32(mix32(seed ^ 0x9e37_79b9) ^ x) ^ y)
}

/// The dissolve draw for a base pixel.
///
/// `u = (dissolve_hash(seed, x, y) >> 8) / 2²⁴` ∈ [0, 1), exact in f64 (and f32).
pub fn dissolve_u(seed: u32, x: u32, y: u32) -> f64 {
    f64::from(dissolve_hash(seed, x, y) >> 8) / 16_777_216.0
}

/// The integer form of `u < opacity`: `k / 2²⁴ < op ⇔ k < ceil(op · 2²⁴)` for `k = hash >> 8`
/// (exact: `op · 2²⁴` only changes the exponent). Returns that ceiling, in 0..=2²⁴.
pub fn dissolve_threshold(opacity: f64) -> u32 {
    let t = (opacity * 16_777_216.0).ceil();
    if t >= 16_777_216.0 {
        16_777_216
    } else if t >= 0.0 {
        t as u32
    } else {
        0 // negative or NaN
    }
}

/// The overlap of an overlay `w × h` at `(left, top)` with a `bw × bh` base:
/// `(x0, y0, x1, y1)` in base pixels, or `None` if empty.
pub(crate) fn overlap(
    bw: u32,
    bh: u32,
    w: u32,
    h: u32,
    left: i64,
    top: i64,
) -> Option<(u32, u32, u32, u32)> {
    let x0 = left.max(0);
    let y0 = top.max(0);
    let x1 = left.saturating_add(i64::from(w)).min(i64::from(bw));
    let y1 = top.saturating_add(i64::from(h)).min(i64::from(bh));
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    // 0 ≤ x0 < x1 ≤ bw (and likewise y), so the casts are lossless.
    Some((x0 as u32, y0 as u32, x1 as u32, y1 as u32))
}

/// Call `f(base_run, overlay_run, x0, y)` for every row of the overlap, the rows split across
/// the threads of the pool ([`crate::par`]; in order on one thread in single-threaded builds).
///
/// `base` may hold only rows `[row0, row0 + height)` of the full base: placement and the `y`
/// handed to `f` stay in full-base coordinates (dissolve hashes them).
fn for_each_overlap_row<F>(
    base: &mut RgbaImage,
    row0: u32,
    overlay: &RgbaImage,
    left: i64,
    top: i64,
    f: F,
) where
    F: Fn(&mut [u8], &[u8], u32, u32) + Sync,
{
    // In the block's own rows: the overlay's top moves up by `row0`.
    let top_in = top - i64::from(row0);
    let Some((x0, y0, x1, y1)) = overlap(
        base.width(),
        base.height(),
        overlay.width(),
        overlay.height(),
        left,
        top_in,
    ) else {
        return;
    };
    // Overlay coordinates of the overlap's left column: x0 − left ∈ [0, w).
    let ox0 = (i64::from(x0) - left) as usize;
    let n = (x1 - x0) as usize;
    let bx0 = x0 as usize;
    let stride = base.width() as usize * 4;
    let Some(rows) = base
        .data_mut()
        .get_mut(y0 as usize * stride..y1 as usize * stride)
    else {
        return;
    };
    crate::par::rows_mut(rows, stride, |ys, part| {
        for (i, brow) in part.chunks_exact_mut(stride).enumerate() {
            let y = y0 + (ys.start + i) as u32;
            let oy = (i64::from(y) - top_in) as u32;
            let orow = overlay.row(oy);
            let (Some(b), Some(o)) = (
                brow.get_mut(bx0 * 4..(bx0 + n) * 4),
                orow.get(ox0 * 4..(ox0 + n) * 4),
            ) else {
                return;
            };
            f(b, o, x0, row0 + y);
        }
    });
}

/// Composite `overlay` (RGB + mask in the 4th byte) onto `base` with its top-left at (left, top) in base pixels (may be negative or beyond the edges: clipped; nothing to do if no overlap). Only the overlapping rectangle is touched.
pub fn composite_at(
    base: &mut RgbaImage,
    overlay: &RgbaImage,
    left: i64,
    top: i64,
    blender: &Blender,
) {
    composite_at_rows(base, 0, overlay, left, top, blender);
}

/// [`composite_at`] on a block of the base: `base` holds rows `[row0, row0 + height)` of it,
/// and `(left, top)` are in full-base coordinates, so a base composited block by block gets
/// the same bytes as in one piece (dissolve included).
pub fn composite_at_rows(
    base: &mut RgbaImage,
    row0: u32,
    overlay: &RgbaImage,
    left: i64,
    top: i64,
    blender: &Blender,
) {
    if let Some((x0, y0, x1, y1)) = overlap(
        base.width(),
        base.height(),
        overlay.width(),
        overlay.height(),
        left,
        top - i64::from(row0),
    ) {
        // With a thread pool the table is built here, before the rows are split: a table built
        // lazily inside a row could make the page's main thread wait for a worker's build, and
        // waiting is not allowed there.
        let pixels = if crate::par::threads() > 1 {
            u64::MAX
        } else {
            u64::from(x1 - x0) * u64::from(y1 - y0)
        };
        blender.prepare(pixels);
    }
    for_each_overlap_row(base, row0, overlay, left, top, |b, o, x, y| {
        blender.composite_row(b, o, x, y)
    });
}

/// Superimpose v1's composite: `out = MIX(base, O, A)` with A the overlay's 4th byte, same placement rules.
pub fn mix_at(base: &mut RgbaImage, overlay: &RgbaImage, left: i64, top: i64) {
    for_each_overlap_row(base, 0, overlay, left, top, |b, o, _, _| {
        run(b, o, |_, _, s| s)
    });
}

/// Whole-image blend for the JS `blend()` call: same sizes required (else E_DIMENSIONS); the source's alpha is the mask; output alpha = base alpha.
///
/// # Errors
/// `E_DIMENSIONS` when the sizes differ, `E_PARAM_RANGE` for a bad `opacity`.
pub fn blend(
    base: &RgbaImage,
    source: &RgbaImage,
    mode: BlendMode,
    opacity: f64,
    seed: u32,
) -> Result<RgbaImage> {
    check_same_size(base, source)?;
    blend_owned(base.clone(), source, mode, opacity, seed)
}

/// [`blend`] on an owned base, composited in place (no copy of the base).
///
/// # Errors
/// As [`blend`].
pub fn blend_owned(
    mut base: RgbaImage,
    source: &RgbaImage,
    mode: BlendMode,
    opacity: f64,
    seed: u32,
) -> Result<RgbaImage> {
    check_same_size(&base, source)?;
    let blender = Blender::new(mode, opacity, seed)?;
    composite_at(&mut base, source, 0, 0, &blender);
    Ok(base)
}

fn check_same_size(base: &RgbaImage, source: &RgbaImage) -> Result<()> {
    if base.width() != source.width() || base.height() != source.height() {
        return Err(Error::dimensions(format!(
            "blend: base and source must have the same size; got {}×{} and {}×{}",
            base.width(),
            base.height(),
            source.width(),
            source.height()
        )));
    }
    Ok(())
}
