//! Nearest resize by repeated addition (SPEC 1.2, Pillow's `ImagingScaleAffine`).

use crate::image::Image;

/// Source index of every output index: `x = 0.5·s`, `src = min(floor(x), in − 1)`, `x += s`.
pub(crate) fn index_table(in_len: u32, out_len: u32) -> Vec<usize> {
    let scale = in_len as f64 / out_len as f64;
    let last = in_len.saturating_sub(1) as usize;
    let mut x = 0.5 * scale;
    let mut table = Vec::with_capacity(out_len as usize);
    for _ in 0..out_len {
        // x ≥ 0 always, so `as usize` (truncation, saturating) is floor.
        table.push((x as usize).min(last));
        x += scale;
    }
    table
}

/// Output rows `[y0, y0 + dst.height())`, columns `[x0, x0 + dst.width())` of a nearest
/// resize of an `in_w × in_h` source to `out_w × out_h`; `src` holds source rows
/// `[row0, row0 + src.height())` (all columns). `false` if a needed row is not held (nothing is
/// then read outside `src`).
pub(crate) fn resize_region_into<const C: usize>(
    src: &Image<C>,
    row0: usize,
    in_h: u32,
    (out_w, out_h): (u32, u32),
    (x0, y0): (usize, usize),
    dst: &mut Image<C>,
) -> bool {
    let xs = index_table(src.width(), out_w);
    let ys = index_table(in_h, out_h);
    let in_stride = src.width() as usize * C;
    let out_stride = dst.width() as usize * C;
    let (Some(xs), Some(ys)) = (
        xs.get(x0..x0 + dst.width() as usize),
        ys.get(y0..y0 + dst.height() as usize),
    ) else {
        return false;
    };
    let data = src.data();
    for (out_row, &y) in dst.data_mut().chunks_exact_mut(out_stride).zip(ys) {
        let Some(row) = y
            .checked_sub(row0)
            .and_then(|r| data.get(r * in_stride..(r + 1) * in_stride))
        else {
            return false;
        };
        for (out_px, &x) in out_row.chunks_exact_mut(C).zip(xs) {
            out_px.copy_from_slice(&row[x * C..x * C + C]);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_seven_uses_repeated_addition() {
        // SPEC 1.2: the closed form floor((i + 0.5)·s) gives 1 at i = 3 for 2 → 7 (3.5·2/7 = 1.0
        // exactly), but 0.5·s + 3·s by repeated addition is 0.999…
        let t = index_table(2, 7);
        assert_eq!(t, vec![0, 0, 0, 0, 1, 1, 1]);
    }
}
