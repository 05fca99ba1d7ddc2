// The Node benches' test image: `w × h` RGBA noise from a 32-bit LCG, alpha 255 (an opaque
// photo-like worst case for the kernels: no flat areas, no transparent pixels).
export function noise(w, h, seed = 1) {
  const d = new Uint8ClampedArray(w * h * 4);
  let s = seed;
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    d[i] = (i & 3) === 3 ? 255 : s >>> 24;
  }
  return { width: w, height: h, data: d };
}
