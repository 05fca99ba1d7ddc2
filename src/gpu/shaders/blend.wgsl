// Blend + mask composite (SPEC 2.2 steps 5–7, SPEC 3.2 step 7) over the overlap rectangle.
//
// The MODE_* ids are generated from `BlendMode::ALL` and prepended at run time (src/gpu/wgsl.rs).
// - The 23 per-channel modes and the Family C mix of darker / lighter color: WGSL has no f64, and
//   f32 flips SPEC 2.5's floor / round-half-even where a value lies on a boundary (hard mix's
//   tie at 0.5 would change a byte by up to 255), so the CPU evaluates the f64 formula once for
//   every byte pair at this opacity (the same 256 × 256 table the CPU's fast path uses) and the
//   shader looks the result up: byte-equal.
// - dissolve: the CPU's integer hash, byte-equal.
// - hue / saturation / color / luminosity depend on six bytes at once (no table); computed here
//   in f32, ±1 where the f64 value lies next to a byte boundary.
// - MODE_V1_MIX: Superimpose v1's composite, R = the overlay's RGB.

struct BlendParams {
  base_w: u32,
  ov_w: u32,
  // Overlap top-left in base coordinates, and in overlay coordinates; overlap size.
  x0: u32,
  y0: u32,
  ox0: u32,
  oy0: u32,
  n_w: u32,
  n_h: u32,
  mode: u32,
  // Dissolve: source iff (hash >> 8) < threshold.
  threshold: u32,
  seed: u32,
  opacity: f32,
}

@group(0) @binding(0) var<uniform> P: BlendParams;
@group(0) @binding(1) var<storage, read> base: array<u32>;
@group(0) @binding(2) var<storage, read> ov: array<u32>;
// The overlap rectangle of the result, n_w × n_h.
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;
// 256 × 256 result bytes indexed (b << 8) | s, four per word.
@group(0) @binding(4) var<storage, read> table: array<u32>;

fn lookup(b: u32, s: u32) -> u32 {
  let i = (b << 8u) | s;
  return (table[i >> 2u] >> (8u * (i & 3u))) & 0xffu;
}

fn mix32(h0: u32) -> u32 {
  var h = h0;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

fn dissolve_hash(seed: u32, x: u32, y: u32) -> u32 {
  return mix32(mix32(mix32(seed ^ 0x9e3779b9u) ^ x) ^ y);
}

fn rgb_to_hsv(c: vec3<f32>) -> vec3<f32> {
  let maxc = max(max(c.x, c.y), c.z);
  let minc = min(min(c.x, c.y), c.z);
  if (minc == maxc) {
    return vec3<f32>(0.0, 0.0, maxc);
  }
  let range = maxc - minc;
  let s = range / maxc;
  let rc = (maxc - c.x) / range;
  let gc = (maxc - c.y) / range;
  let bc = (maxc - c.z) / range;
  var h: f32;
  if (c.x == maxc) {
    h = bc - gc;
  } else if (c.y == maxc) {
    h = 2.0 + rc - bc;
  } else {
    h = 4.0 + gc - rc;
  }
  let h6 = h / 6.0;
  return vec3<f32>(h6 - floor(h6), s, maxc);
}

fn hsv_to_rgb(h: f32, s: f32, v: f32) -> vec3<f32> {
  if (s == 0.0) {
    return vec3<f32>(v);
  }
  let h6 = h * 6.0;
  let i = trunc(h6);
  let f = h6 - i;
  let p = v * (1.0 - s);
  let q = v * (1.0 - s * f);
  let t = v * (1.0 - s * (1.0 - f));
  let k = ((i32(i) % 6) + 6) % 6;
  switch k {
    case 0: { return vec3<f32>(v, t, p); }
    case 1: { return vec3<f32>(q, v, p); }
    case 2: { return vec3<f32>(p, v, t); }
    case 3: { return vec3<f32>(p, q, v); }
    case 4: { return vec3<f32>(t, p, v); }
    default: { return vec3<f32>(v, p, q); }
  }
}

// to8(clamp(x, 0, 1)) = floor(x·255), clamped to 0..=255.
fn to8(x: vec3<f32>) -> vec3<u32> {
  return vec3<u32>(clamp(floor(clamp(x, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0), vec3<f32>(0.0),
                         vec3<f32>(255.0)));
}

fn hsv_mode(b8: vec3<u32>, s8: vec3<u32>) -> vec3<u32> {
  let bh = rgb_to_hsv(vec3<f32>(b8) / 255.0);
  let sh = rgb_to_hsv(vec3<f32>(s8) / 255.0);
  let op = P.opacity;
  let l = (1.0 - op) * bh + op * sh;
  var hsv = bh;
  switch P.mode {
    case MODE_HUE: { hsv.x = l.x; }
    case MODE_SATURATION: { hsv.y = l.y; }
    case MODE_COLOR: { hsv.x = l.x; hsv.y = l.y; }
    default: { hsv.z = l.z; }
  }
  return to8(hsv_to_rgb(hsv.x, hsv.y, hsv.z));
}

@compute @workgroup_size(16, 16)
fn composite(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.n_w || y >= P.n_h) {
    return;
  }
  let bx = P.x0 + x;
  let by = P.y0 + y;
  let bp = base[by * P.base_w + bx];
  let sp = ov[(P.oy0 + y) * P.ov_w + P.ox0 + x];
  let b = px_unpack(bp);
  let s = px_unpack(sp);
  let m = s.w;
  if (m == 0u) {
    dst[y * P.n_w + x] = bp;
    return;
  }
  var r: vec3<u32>;
  switch P.mode {
    case MODE_V1_MIX: {
      r = s.xyz;
    }
    case MODE_DISSOLVE: {
      if ((dissolve_hash(P.seed, bx, by) >> 8u) < P.threshold) {
        r = s.xyz;
      } else {
        r = b.xyz;
      }
    }
    case MODE_DARKER_COLOR, MODE_LIGHTER_COLOR: {
      let mb = max(max(b.x, b.y), b.z);
      let ms = max(max(s.x, s.y), s.z);
      var g = b.xyz;
      if ((P.mode == MODE_DARKER_COLOR && ms < mb) || (P.mode == MODE_LIGHTER_COLOR && ms > mb)) {
        g = s.xyz;
      }
      r = vec3<u32>(lookup(b.x, g.x), lookup(b.y, g.y), lookup(b.z, g.z));
    }
    case MODE_HUE, MODE_SATURATION, MODE_COLOR, MODE_LUMINOSITY: {
      r = hsv_mode(b.xyz, s.xyz);
    }
    default: {
      r = vec3<u32>(lookup(b.x, s.x), lookup(b.y, s.y), lookup(b.z, s.z));
    }
  }
  dst[y * P.n_w + x] = px_pack(vec4<u32>(mix8(b.x, r.x, m), mix8(b.y, r.y, m), mix8(b.z, r.z, m), b.w));
}
