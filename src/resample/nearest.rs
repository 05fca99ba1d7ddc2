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

/// Resize `src` into the already allocated `dst` with nearest sampling.
pub(crate) fn resize_into<const C: usize>(src: &Image<C>, dst: &mut Image<C>) {
    let xs = index_table(src.width(), dst.width());
    let ys = index_table(src.height(), dst.height());
    let in_stride = src.width() as usize * C;
    let out_stride = dst.width() as usize * C;
    let data = src.data();
    for (out_row, &y) in dst.data_mut().chunks_exact_mut(out_stride).zip(&ys) {
        let row = &data[y * in_stride..(y + 1) * in_stride];
        for (out_px, &x) in out_row.chunks_exact_mut(C).zip(&xs) {
            out_px.copy_from_slice(&row[x * C..x * C + C]);
        }
    }
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
