// Rotation with an expanded canvas (SPEC 1.3): the three samplers of Pillow's Geometry.c.
//
// nearest: 16.16 fixed point exactly as the CPU (i32, wrapping; the CPU's repeated addition
//   a2 + y·A1 + x·A0 is the same value modulo 2^32), so it is byte-equal.
// bilinear / bicubic: the CPU samples at f64 points. WGSL has no f64, so the CPU uploads the
//   per-column products m0·(x+½), m3·(x+½) and the per-row terms m1·(y+½) + m2, m4·(y+½) + m5,
//   each split into a (hi, lo) pair of f32 (≈ 48 bits), and the shader adds them in double-f32
//   with only additions (no product can be contracted). The interpolation itself runs in f32,
//   so a result can differ from the CPU's f64 by ±1 where it lies next to an integer, and a
//   point within ~1e-11 px of the source border can fall on the other side of the bounds test.

struct RotParams {
  in_w: u32,
  in_h: u32,
  out_w: u32,
  out_h: u32,
  a0: i32,
  a1: i32,
  a3: i32,
  a4: i32,
  x0: i32,
  y0: i32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> P: RotParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
// (u_hi, u_lo, v_hi, v_lo) per output column, then per output row.
@group(0) @binding(3) var<storage, read> terms: array<vec4<f32>>;

@compute @workgroup_size(16, 16)
fn nearest(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let xx = P.x0 + i32(y) * P.a1 + i32(x) * P.a0;
  let yy = P.y0 + i32(y) * P.a4 + i32(x) * P.a3;
  let xin = xx >> 16u;
  let yin = yy >> 16u;
  var out = 0u;
  if (xin >= 0 && xin < i32(P.in_w) && yin >= 0 && yin < i32(P.in_h)) {
    out = src[u32(yin) * P.in_w + u32(xin)];
  }
  dst[y * P.out_w + x] = out;
}

// Error-free sum of two f32 (Knuth's two-sum).
fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

// Double-f32 addition.
fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let t = s.y + (a.y + b.y);
  let r = s.x + t;
  return vec2<f32>(r, t - (r - s.x));
}

fn df_below(a: vec2<f32>, c: f32) -> bool {
  return a.x < c || (a.x == c && a.y < 0.0);
}

// (floor, fraction) of a double-f32.
fn df_floor(a: vec2<f32>) -> vec2<f32> {
  var f = floor(a.x);
  if (f == a.x && a.y < 0.0) {
    f -= 1.0;
  }
  var d = (a.x - f) + a.y;
  if (d >= 1.0) {
    f += 1.0;
    d = 0.0;
  }
  return vec2<f32>(f, max(d, 0.0));
}

struct Sample {
  inside: bool,
  ix: i32,
  iy: i32,
  dx: f32,
  dy: f32,
}

// The sample point of output (x, y), its bounds test, and (u − ½, v − ½) as integer + fraction.
fn sample_point(x: u32, y: u32) -> Sample {
  let c = terms[x];
  let r = terms[P.out_w + y];
  let u = df_add(c.xy, r.xy);
  let v = df_add(c.zw, r.zw);
  var s: Sample;
  s.inside = !(df_below(u, 0.0) || !df_below(u, f32(P.in_w)) || df_below(v, 0.0) ||
               !df_below(v, f32(P.in_h)));
  let fu = df_floor(df_add(u, vec2<f32>(-0.5, 0.0)));
  let fv = df_floor(df_add(v, vec2<f32>(-0.5, 0.0)));
  s.ix = i32(fu.x);
  s.iy = i32(fv.x);
  s.dx = fu.y;
  s.dy = fv.y;
  return s;
}

fn at(x: i32, y: i32) -> vec4<f32> {
  let cx = u32(clamp(x, 0, i32(P.in_w) - 1));
  let cy = u32(clamp(y, 0, i32(P.in_h) - 1));
  return vec4<f32>(px_unpack(src[cy * P.in_w + cx]));
}

@compute @workgroup_size(16, 16)
fn bilinear(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let s = sample_point(x, y);
  var out = 0u;
  if (s.inside) {
    let p00 = at(s.ix, s.iy);
    let p01 = at(s.ix + 1, s.iy);
    let p10 = at(s.ix, s.iy + 1);
    let p11 = at(s.ix + 1, s.iy + 1);
    // BILINEAR(v, a, b, d) = a + (b − a)·d, x first, then y; the result truncated.
    let v1 = p00 + (p01 - p00) * s.dx;
    let v2 = p10 + (p11 - p10) * s.dx;
    let r = v1 + (v2 - v1) * s.dy;
    out = px_pack(vec4<u32>(clamp(r, vec4<f32>(0.0), vec4<f32>(255.0))));
  }
  dst[y * P.out_w + x] = out;
}

// Pillow's BICUBIC on four samples (p1..p4 formed first, exact in integers / f32).
fn cubic(v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>, v4: vec4<f32>, d: f32) -> vec4<f32> {
  let p1 = v2;
  let p2 = -v1 + v3;
  let p3 = 2.0 * (v1 - v2) + v3 - v4;
  let p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

fn cubic_row(ix: i32, y: i32, d: f32) -> vec4<f32> {
  return cubic(at(ix - 1, y), at(ix, y), at(ix + 1, y), at(ix + 2, y), d);
}

@compute @workgroup_size(16, 16)
fn bicubic(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let s = sample_point(x, y);
  var out = 0u;
  if (s.inside) {
    let h0 = cubic_row(s.ix, s.iy - 1, s.dx);
    let h1 = cubic_row(s.ix, s.iy, s.dx);
    let h2 = cubic_row(s.ix, s.iy + 1, s.dx);
    let h3 = cubic_row(s.ix, s.iy + 2, s.dx);
    let r = cubic(h0, h1, h2, h3, s.dy);
    // v ≤ 0 → 0, v ≥ 255 → 255, else trunc.
    out = px_pack(vec4<u32>(clamp(r, vec4<f32>(0.0), vec4<f32>(255.0))));
  }
  dst[y * P.out_w + x] = out;
}
