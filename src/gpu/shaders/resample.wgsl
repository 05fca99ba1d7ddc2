// Separable convolution passes of SPEC 1.1 (Pillow's fixed-point resample) and the gathers of
// SPEC 1.2 (nearest) and 3.2 (Superimpose v1's f32 family).
//
// The coefficients are NOT computed here: the CPU builds them once with
// `crate::resample::coefficients` (the one definition of every filter) and uploads them, so the
// GPU does exactly the CPU's i32 arithmetic: acc = 2^21 + Σ p·k (wrapping), clamp(acc >> 22).

struct ResampleParams {
  in_w: u32,
  in_h: u32,
  out_w: u32,
  out_h: u32,
  // Taps per output index in `coeffs`.
  stride: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> P: ResampleParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
// Convolution: (first, count) per output index. Gathers: the index tables (xs then ys).
@group(0) @binding(3) var<storage, read> bounds: array<u32>;
// Convolution: out_len × stride coefficients scaled by 2^22.
@group(0) @binding(4) var<storage, read> coeffs: array<i32>;
// Gathers: a 256-entry byte map (identity for Pillow's nearest; v1's to_byte(c / 255)).
// v1 bilinear / area: the f32 value c / 255 of each byte, as f32 bits.
@group(0) @binding(5) var<storage, read> lut: array<u32>;

const ROUNDING: i32 = 2097152; // 1 << (PRECISION_BITS − 1)

fn clip8(acc: vec4<i32>) -> vec4<u32> {
  return vec4<u32>(clamp(acc >> vec4<u32>(22u), vec4<i32>(0), vec4<i32>(255)));
}

// Horizontal pass: src in_w × in_h → dst out_w × in_h (out_h == in_h).
@compute @workgroup_size(16, 16)
fn horizontal(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let first = bounds[2u * x];
  let count = bounds[2u * x + 1u];
  let row = y * P.in_w + first;
  let kb = x * P.stride;
  var acc = vec4<i32>(ROUNDING);
  for (var j = 0u; j < count; j++) {
    acc += vec4<i32>(px_unpack(src[row + j])) * coeffs[kb + j];
  }
  dst[y * P.out_w + x] = px_pack(clip8(acc));
}

// Vertical pass: src in_w × in_h → dst in_w × out_h (out_w == in_w).
@compute @workgroup_size(16, 16)
fn vertical(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let first = bounds[2u * y];
  let count = bounds[2u * y + 1u];
  let kb = y * P.stride;
  var acc = vec4<i32>(ROUNDING);
  for (var j = 0u; j < count; j++) {
    acc += vec4<i32>(px_unpack(src[(first + j) * P.in_w + x])) * coeffs[kb + j];
  }
  dst[y * P.out_w + x] = px_pack(clip8(acc));
}

fn map_bytes(c: vec4<u32>) -> vec4<u32> {
  return vec4<u32>(lut[c.x], lut[c.y], lut[c.z], lut[c.w]);
}

// Nearest gather: dst(x, y) = map(src(xs[x], ys[y])). The index tables come from the CPU
// (SPEC 1.2's repeated addition in f64; v1's nearest-exact in f32).
@compute @workgroup_size(16, 16)
fn gather(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let sx = bounds[x];
  let sy = bounds[P.out_w + y];
  dst[y * P.out_w + x] = px_pack(map_bytes(px_unpack(src[sy * P.in_w + sx])));
}

fn unit(c: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(bitcast<f32>(lut[c.x]), bitcast<f32>(lut[c.y]), bitcast<f32>(lut[c.z]),
                   bitcast<f32>(lut[c.w]));
}

// v1's to_byte: trunc(clamp(255·v, 0, 255)).
fn to_byte(v: vec4<f32>) -> vec4<u32> {
  return vec4<u32>(clamp(255.0 * v, vec4<f32>(0.0), vec4<f32>(255.0)));
}

// Superimpose v1 bilinear (SPEC 3.2): per axis (i0, i1, λ bits) from the CPU, x table first.
@compute @workgroup_size(16, 16)
fn v1_bilinear(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let xo = 3u * x;
  let yo = 3u * (P.out_w + y);
  let x0 = bounds[xo];
  let x1 = bounds[xo + 1u];
  let lx = bitcast<f32>(bounds[xo + 2u]);
  let y0 = bounds[yo];
  let y1 = bounds[yo + 1u];
  let ly = bitcast<f32>(bounds[yo + 2u]);
  let mx = 1.0 - lx;
  let my = 1.0 - ly;
  let p00 = unit(px_unpack(src[y0 * P.in_w + x0]));
  let p01 = unit(px_unpack(src[y0 * P.in_w + x1]));
  let p10 = unit(px_unpack(src[y1 * P.in_w + x0]));
  let p11 = unit(px_unpack(src[y1 * P.in_w + x1]));
  let top = p00 * mx + p01 * lx;
  let bottom = p10 * mx + p11 * lx;
  dst[y * P.out_w + x] = px_pack(to_byte(top * my + bottom * ly));
}

// Superimpose v1 area (SPEC 3.2): mean over [a, b) per axis, (a, b) pairs from the CPU, x first;
// summed in the CPU's order (rows outer, columns inner).
@compute @workgroup_size(16, 16)
fn v1_area(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let xa = bounds[2u * x];
  let xb = bounds[2u * x + 1u];
  let ya = bounds[2u * (P.out_w + y)];
  let yb = bounds[2u * (P.out_w + y) + 1u];
  let count = f32((yb - ya) * (xb - xa));
  var sum = vec4<f32>(0.0);
  for (var yy = ya; yy < yb; yy++) {
    for (var xx = xa; xx < xb; xx++) {
      sum += unit(px_unpack(src[yy * P.in_w + xx]));
    }
  }
  dst[y * P.out_w + x] = px_pack(to_byte(sum / count));
}
