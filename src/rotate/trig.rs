//! Correctly rounded `sin` and `cos` for the rotation matrix.
//!
//! Pillow's matrix starts from CPython's `math.cos`/`math.sin`, i.e. the platform libm; glibc
//! returns the correctly rounded result for the angles we meet, but other libms (the `libm`
//! port behind Rust's `f64::cos` on wasm32) can be one ulp off — which `round(x, 15)` then
//! turns into a different matrix entry (e.g. `cos(−216°)`). So we evaluate both functions in
//! double-double arithmetic (~106 bits) and round once, which is the same on every target.

#[derive(Clone, Copy)]
struct Dd {
    hi: f64,
    lo: f64,
}

#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

#[inline]
fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

#[inline]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// Exact product `a·b = p + e` (Dekker; no FMA needed).
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

impl Dd {
    fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn add(self, y: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, y.hi);
        let (t, f) = two_sum(self.lo, y.lo);
        let r = quick_two_sum(s, e + t);
        quick_two_sum(r.hi, r.lo + f)
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    fn mul(self, y: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, y.hi);
        quick_two_sum(p, e + (self.hi * y.lo + self.lo * y.hi))
    }

    /// Division by a small exact integer.
    fn div_f(self, d: f64) -> Dd {
        let q1 = self.hi / d;
        let (p1, p2) = two_prod(q1, d);
        let (s, e) = two_sum(self.hi, -p1);
        let q2 = (s + ((e - p2) + self.lo)) / d;
        quick_two_sum(q1, q2)
    }

    /// The nearest `f64` to `hi + lo`.
    fn round(self) -> f64 {
        self.hi + self.lo
    }
}

/// π/2 as a triple-double (≈ 160 bits).
const PIO2: [f64; 3] = [
    std::f64::consts::FRAC_PI_2,
    6.123_233_995_736_766e-17,
    -1.497_384_904_859_169_8e-33,
];

/// Taylor series of `sin` (odd) or `cos` (even) for |r| ≤ π/4, in double-double.
fn series(r: Dd, odd: bool) -> Dd {
    let r2 = r.mul(r);
    let mut term = if odd { r } else { Dd::from(1.0) };
    let mut sum = term;
    let mut n = if odd { 1.0 } else { 0.0 };
    for _ in 0..40 {
        term = term.mul(r2).div_f((n + 1.0) * (n + 2.0)).neg();
        n += 2.0;
        sum = sum.add(term);
        if term.hi.abs() < 1e-40 {
            break;
        }
    }
    sum
}

/// `(sin x, cos x)`, each correctly rounded (barring a true value within ~2⁻¹⁰⁰ relative of
/// a rounding midpoint), for finite `|x| ≤ 2²⁰`. Rotation only passes `x ∈ [−2π, 0]`.
pub(super) fn sin_cos(x: f64) -> (f64, f64) {
    if x == 0.0 {
        return (x, 1.0);
    }
    let k = (x * std::f64::consts::FRAC_2_PI).round();
    // r = x − k·π/2 with every product exact, so small r keeps its relative accuracy.
    let (p1, e1) = two_prod(k, PIO2[0]);
    let (p2, e2) = two_prod(k, PIO2[1]);
    let p3 = k * PIO2[2];
    let mut r = Dd::from(x);
    for t in [p1, e1, p2, e2, p3] {
        r = r.add(Dd::from(-t));
    }
    let (s, c) = (series(r, true), series(r, false));
    let q = (k as i64).rem_euclid(4);
    let (sin, cos) = match q {
        0 => (s, c),
        1 => (c, s.neg()),
        2 => (s.neg(), c.neg()),
        _ => (c.neg(), s),
    };
    (sin.round(), cos.round())
}

#[cfg(test)]
mod tests {
    use super::sin_cos;

    /// glibc is not always correctly rounded (e.g. sin(−7.375°) is ~0.507 ulp off), but after
    /// `round(x, 15)` it agrees with us on every integer angle and on ≥ 99.9 % of others.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn agrees_with_glibc_after_round15() {
        let r15 = |x: f64| super::super::round15(x).expect("finite");
        let agrees = |theta: f64| {
            let x = -(theta * (std::f64::consts::PI / 180.0));
            let (s, c) = sin_cos(x);
            r15(s) == r15(x.sin()) && r15(c) == r15(x.cos()) && r15(-s) == r15(-x.sin())
        };
        let ints: Vec<f64> = (-360..=720).map(f64::from).collect();
        let bad: Vec<f64> = ints.iter().copied().filter(|&t| !agrees(t)).collect();
        assert!(bad.is_empty(), "integer angles differ: {bad:?}");
        let mut angles: Vec<f64> = (0..=360 * 64).map(|i| f64::from(i) / 64.0).collect();
        let mut s = 12345u64;
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            angles.push((s >> 11) as f64 / (1u64 << 53) as f64 * 360.0);
        }
        let n = angles.len();
        let differ: Vec<f64> = angles.into_iter().filter(|&t| !agrees(t)).collect();
        assert_eq!(differ.iter().filter(|&&t| t == 35.171875).count(), 1);
        assert!(differ.len() * 1000 < n, "{} of {n} differ", differ.len());
    }

    #[test]
    fn known_values() {
        assert_eq!(sin_cos(0.0), (0.0, 1.0));
        let (s, c) = sin_cos(-std::f64::consts::FRAC_PI_2);
        assert_eq!(s, -1.0);
        assert_eq!(c, 6.123233995736766e-17); // cos of the double nearest −π/2
                                              // Python: math.sin(-(math.pi / 6)), math.cos(…)
        let (s, c) = sin_cos(-(std::f64::consts::PI / 6.0));
        assert_eq!(s, -0.49999999999999994);
        assert_eq!(c, 0.8660254037844387);
    }
}
