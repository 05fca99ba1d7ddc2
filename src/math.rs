//! Small exact integer helpers shared by every kernel (SPEC 0).

/// `DIV255(v)`: with `t = v + 128`, `((t >> 8) + t) >> 8` — exact `round(v / 255)` for
/// `v ≤ 255·255`.
#[inline(always)]
pub fn div255(v: u32) -> u32 {
    let t = v + 128;
    ((t >> 8) + t) >> 8
}

/// Mask blend `MIX(dst, src, m) = DIV255(dst·(255 − m) + src·m)`.
#[inline(always)]
pub fn mix(dst: u8, src: u8, m: u8) -> u8 {
    div255(dst as u32 * (255 - m as u32) + src as u32 * m as u32) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div255_is_rounded_division() {
        for v in 0..=255 * 255u32 {
            let exact = (v as f64 / 255.0).round() as u32;
            assert_eq!(div255(v), exact, "v = {v}");
        }
    }

    #[test]
    fn mix_edges() {
        assert_eq!(mix(10, 200, 0), 10);
        assert_eq!(mix(10, 200, 255), 200);
        assert_eq!(mix(0, 255, 128), 128);
    }
}
