// Mask and composite checks shared by the Node and the Chromium background-removal tests.
// Images are ImageData-like RGBA objects; `c` picks the channel compared (3 = alpha, 0 = R/grey).

/** IoU of two planes thresholded at 128. */
export function iou(a, ca, b, cb) {
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const x = a.data[i + ca] >= 128;
    const y = b.data[i + cb] >= 128;
    inter += x && y;
    uni += x || y;
  }
  return inter / Math.max(uni, 1);
}

/** Mean |a − b| over one channel of each. */
export function meanAbs(a, ca, b, cb) {
  let s = 0;
  for (let i = 0; i < a.data.length; i += 4) s += Math.abs(a.data[i + ca] - b.data[i + cb]);
  return s / (a.data.length / 4);
}

/**
 * How well a composite keeps the foreground and drops the background. `truth` (R channel, white
 * = foreground) is the overlay's known shape, the overlay covering the base exactly. Pixels at
 * least `r` px away from the shape's edge count: inside, the output must equal the overlay's RGB
 * (within `tol`); outside, the base's. Returns the fractions that do.
 */
export function compositeReport(out, overlay, base, truth, r = 3, tol = 2) {
  const { width: w, height: h } = truth;
  const fg = (x, y) => truth.data[(y * w + x) * 4] >= 128;
  let inN = 0, inOk = 0, outN = 0, outOk = 0;
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      const v = fg(x, y);
      let uniform = true;
      for (let dy = -r; dy <= r && uniform; dy++) for (let dx = -r; dx <= r; dx++) if (fg(x + dx, y + dy) !== v) { uniform = false; break; }
      if (!uniform) continue;
      const i = (y * w + x) * 4;
      const ref = v ? overlay : base;
      const ok = [0, 1, 2].every((c) => Math.abs(out.data[i + c] - ref.data[i + c]) <= tol);
      if (v) (inN++, (inOk += ok));
      else (outN++, (outOk += ok));
    }
  }
  return { foregroundKept: inOk / inN, backgroundDropped: outOk / outN, inN, outN };
}
