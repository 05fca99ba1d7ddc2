//! Filter kernels and the fixed-point coefficient tables of one axis (SPEC 1.1).
//!
//! The arithmetic follows Pillow's `precompute_coeffs` / `normalize_coeffs_8bpc` operation for
//! operation (f64, same evaluation order: the argument is multiplied by `1/fs`, not divided by
//! `fs`), because a 1-ulp difference can flip the rounding of a 22-bit coefficient.

use super::Filter;
use crate::error::{Error, ErrorCode, Result};
use std::sync::Mutex;

/// Fixed-point precision of the coefficients: `32 − 8 − 2` bits (Pillow's `PRECISION_BITS`).
pub const PRECISION_BITS: u32 = 22;

/// Rounding bias added to every accumulator before the final `>> PRECISION_BITS`.
pub(crate) const ROUNDING: i32 = 1 << (PRECISION_BITS - 1);

impl Filter {
    /// Base support `R` of the kernel (SPEC 1.1), or `None` for [`Filter::Nearest`].
    pub const fn support(self) -> Option<f64> {
        match self {
            Filter::Nearest => None,
            Filter::Box => Some(0.5),
            Filter::Bilinear => Some(1.0),
            Filter::Bicubic => Some(2.0),
            Filter::Lanczos => Some(3.0),
        }
    }

    /// The kernel `K(x)` (SPEC 1.1); `0` for [`Filter::Nearest`], which is not a convolution.
    pub fn kernel(self, x: f64) -> f64 {
        match self {
            Filter::Nearest => 0.0,
            Filter::Box => {
                if x > -0.5 && x <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Bicubic => {
                const A: f64 = -0.5;
                let x = x.abs();
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
            Filter::Lanczos => {
                if (-3.0..3.0).contains(&x) {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

/// The fixed-point coefficient table of one axis, `in_len → out_len`.
///
/// Output index `i` reads the `bounds[i].1` input samples starting at `bounds[i].0`, weighted by
/// `values[i * stride .. i * stride + bounds[i].1]` (scaled by 2²², Pillow's rounding). Entries
/// past a row's tap count are 0. Built once per axis; the WebGPU backend uploads the same table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coefficients {
    /// Input length of the axis.
    pub in_len: u32,
    /// Per output index: (first input index, tap count). `first + count ≤ in_len`, `count ≥ 1`.
    pub bounds: Vec<(u32, u32)>,
    /// Taps per output in [`values`](Self::values) (the largest tap count, at least 1).
    pub stride: usize,
    /// `bounds.len() × stride` coefficients, scaled by 2²² ([`PRECISION_BITS`]).
    pub values: Vec<i32>,
}

impl Coefficients {
    /// Output length of the axis.
    pub fn out_len(&self) -> usize {
        self.bounds.len()
    }

    /// The first input index and the coefficients of output `i`.
    ///
    /// # Panics
    /// If `i >= out_len()` (internal use with checked indices).
    #[inline]
    pub fn taps(&self, i: usize) -> (usize, &[i32]) {
        let (first, count) = self.bounds[i];
        let start = i * self.stride;
        (first as usize, &self.values[start..start + count as usize])
    }

    /// The table of outputs `[a, b)` only (clamped to the table), same taps and values: output
    /// `i` of the slice is output `a + i` of `self`.
    pub fn slice(&self, a: usize, b: usize) -> Coefficients {
        let b = b.min(self.bounds.len());
        let a = a.min(b);
        Coefficients {
            in_len: self.in_len,
            bounds: self.bounds[a..b].to_vec(),
            stride: self.stride,
            values: self.values[a * self.stride..b * self.stride].to_vec(),
        }
    }

    /// The input range `[first used, last used + 1)` over all outputs.
    pub fn input_span(&self) -> (usize, usize) {
        let lo = self.bounds.iter().map(|b| b.0).min().unwrap_or(0) as usize;
        let hi = self.bounds.iter().map(|b| b.0 + b.1).max().unwrap_or(0) as usize;
        (lo, hi)
    }
}

/// Build the coefficient table of one axis (SPEC 1.1, Pillow's `precompute_coeffs` followed by
/// `normalize_coeffs_8bpc`).
///
/// # Errors
/// `E_DIMENSIONS` when a length is 0; `E_PARAM_ENUM` for [`Filter::Nearest`], which is not a
/// convolution (use [`resize`](super::resize), which handles it by repeated addition, SPEC 1.2).
pub fn coefficients(in_len: u32, out_len: u32, filter: Filter) -> Result<Coefficients> {
    let key = (in_len, out_len, filter);
    if let Some(c) = cached(key) {
        return Ok(c);
    }
    let c = compute(in_len, out_len, filter)?;
    if let Ok(mut cache) = TABLES.try_lock() {
        cache.retain(|(k, _)| *k != key);
        cache.insert(0, (key, c.clone()));
        cache.truncate(CACHED_TABLES);
    }
    Ok(c)
}

/// Tables kept across calls, the most recently used first (at most [`CACHED_TABLES`]): an
/// editor resizes to the same sizes again and again, and a lanczos table costs two `sin` per tap
/// (~0.5 ms for 1024 → 410 on wasm, as long as the convolution's serial part in the threads
/// build) where a copy costs microseconds. Keyed by everything the table depends on.
static TABLES: Mutex<Vec<(TableKey, Coefficients)>> = Mutex::new(Vec::new());
/// How many tables [`TABLES`] keeps.
const CACHED_TABLES: usize = 8;
/// `(in_len, out_len, filter)`.
type TableKey = (u32, u32, Filter);

/// A copy of the cached table for `key`, moved to the front.
fn cached(key: TableKey) -> Option<Coefficients> {
    // `try_lock`: never wait (a wait on a page's main thread is not allowed in the threads
    // build); a busy cache just computes.
    let mut cache = TABLES.try_lock().ok()?;
    let i = cache.iter().position(|(k, _)| *k == key)?;
    let e = cache.remove(i);
    let c = e.1.clone();
    cache.insert(0, e);
    Some(c)
}

/// [`coefficients`] without the cache.
fn compute(in_len: u32, out_len: u32, filter: Filter) -> Result<Coefficients> {
    let Some(base_support) = filter.support() else {
        return Err(Error::param(
            ErrorCode::ParamEnum,
            "filter",
            "`nearest` has no convolution coefficients; use one of box, bilinear, bicubic, lanczos",
        ));
    };
    if in_len == 0 || out_len == 0 {
        return Err(Error::dimensions(format!(
            "resample lengths must be at least 1; got {in_len} → {out_len}"
        )));
    }
    let scale = in_len as f64 / out_len as f64;
    let filterscale = scale.max(1.0);
    let support = base_support * filterscale;
    let ss = 1.0 / filterscale;
    let out = out_len as usize;

    // Pass 1: bounds (Pillow's rounding) and the largest tap count, so the table is compact.
    let mut bounds = Vec::with_capacity(out);
    let mut stride = 1usize;
    for xx in 0..out {
        let center = (xx as f64 + 0.5) * scale;
        // `(int)` in C truncates toward zero; `as i64` does the same (and saturates).
        let xmin = ((center - support + 0.5) as i64).max(0);
        let xmax = ((center + support + 0.5) as i64).min(in_len as i64);
        // A window is never empty: center ∈ (0, in) and support ≥ 0.5. Keep at least one tap
        // anyway so later indexing is always in range.
        let xmin = xmin.min(in_len as i64 - 1);
        let count = (xmax - xmin).max(1);
        bounds.push((xmin as u32, count as u32));
        stride = stride.max(count as usize);
    }

    let mut values = vec![0i32; out * stride];
    let mut w = vec![0f64; stride];
    for (xx, (&(xmin, count), row)) in bounds
        .iter()
        .zip(values.chunks_exact_mut(stride))
        .enumerate()
    {
        let center = (xx as f64 + 0.5) * scale;
        let mut ww = 0.0;
        for (x, wx) in w.iter_mut().take(count as usize).enumerate() {
            let v = filter.kernel(((x as f64 + xmin as f64) - center + 0.5) * ss);
            *wx = v;
            ww += v;
        }
        for (wx, k) in w.iter().take(count as usize).zip(row.iter_mut()) {
            let v = if ww != 0.0 { wx / ww } else { *wx };
            let scaled = v * (1u32 << PRECISION_BITS) as f64;
            *k = if v < 0.0 {
                (-0.5 + scaled) as i32
            } else {
                (0.5 + scaled) as i32
            };
        }
    }
    Ok(Coefficients {
        in_len,
        bounds,
        stride,
        values,
    })
}

/// Clamp an accumulator to a byte: `clamp(acc >> 22, 0, 255)`.
#[inline(always)]
pub(crate) fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tables_equal_fresh_ones() {
        // More keys than the cache holds, each asked for several times in an order that evicts
        // and re-fetches: every answer is the uncached table of exactly that key.
        let keys: Vec<TableKey> = (0..(2 * CACHED_TABLES as u32))
            .map(|i| {
                let f = [
                    Filter::Lanczos,
                    Filter::Bicubic,
                    Filter::Bilinear,
                    Filter::Box,
                ][i as usize % 4];
                (97 + i, 31 + 3 * i, f)
            })
            .collect();
        for round in 0..3 {
            for (j, &(a, b, f)) in keys.iter().enumerate() {
                let k = keys[(j * 7 + round) % keys.len()];
                assert_eq!(coefficients(a, b, f).unwrap(), compute(a, b, f).unwrap());
                assert_eq!(
                    coefficients(k.0, k.1, k.2).unwrap(),
                    compute(k.0, k.1, k.2).unwrap()
                );
            }
        }
        assert!(TABLES.lock().unwrap().len() <= CACHED_TABLES);
        // Refusals are not cached as tables.
        assert!(coefficients(0, 5, Filter::Lanczos).is_err());
        assert!(coefficients(5, 5, Filter::Nearest).is_err());
    }

    #[test]
    fn bilinear_halving_is_half_half() {
        // 2 → 1: scale 2, support 2, centre 1.0, window [trunc(−0.5), min(2, trunc(3.5))) = [0, 2);
        // K((0 − 1 + 0.5)/2) = K((1 − 1 + 0.5)/2) = 0.75 → normalised 0.5 each = 2²¹.
        let c = coefficients(2, 1, Filter::Bilinear).unwrap();
        assert_eq!(c.bounds[0], (0, 2));
        assert_eq!(c.taps(0).1, &[1 << 21, 1 << 21]);
        // 4 → 2, output 0: centre 1.0, window [0, 3), raw weights 0.75, 0.75, 0.25 (sum 1.75):
        // 3/7·2²² = 1797558.86 → 1797559, 1/7·2²² = 599186.29 → 599186.
        let c = coefficients(4, 2, Filter::Bilinear).unwrap();
        assert_eq!(c.bounds[0], (0, 3));
        assert_eq!(c.taps(0).1, &[1797559, 1797559, 599186]);
    }

    #[test]
    fn box_identity_width_is_single_tap() {
        let c = coefficients(5, 5, Filter::Box).unwrap();
        for i in 0..5 {
            let (first, k) = c.taps(i);
            assert_eq!(first, i);
            assert_eq!(k, &[1 << 22]);
        }
    }

    #[test]
    fn extreme_ratios() {
        for f in [
            Filter::Box,
            Filter::Bilinear,
            Filter::Bicubic,
            Filter::Lanczos,
        ] {
            let c = coefficients(10_000, 1, f).unwrap();
            assert_eq!(c.bounds[0], (0, 10_000));
            let sum: i64 = c.taps(0).1.iter().map(|&k| k as i64).sum();
            assert!((sum - (1 << 22)).abs() < 10_000, "{f:?} {sum}");
            let c = coefficients(1, 10_000, f).unwrap();
            assert!(c.bounds.iter().all(|&b| b == (0, 1)));
        }
        assert_eq!(
            coefficients(3, 2, Filter::Nearest).unwrap_err().code(),
            ErrorCode::ParamEnum
        );
        assert_eq!(
            coefficients(0, 2, Filter::Box).unwrap_err().code(),
            ErrorCode::Dimensions
        );
    }
}
