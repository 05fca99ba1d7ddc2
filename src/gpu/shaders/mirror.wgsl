// Mirror (SPEC 2.2 step 1) and the exact 90/180/270° transposes of SPEC 1.3, plus the small
// per-plane steps of the pipelines (mask luminance, alpha plane insertion with a byte map).

struct GeoParams {
  in_w: u32,
  in_h: u32,
  out_w: u32,
  out_h: u32,
  // 0 flip left↔right, 1 flip top↔bottom, 2 rotate 180, 3 rotate 90 (ccw), 4 rotate 270.
  // put_alpha: the channel of `src` that holds the plane.
  op: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> P: GeoParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<storage, read> lut: array<u32>;

const OP_FLIP_H: u32 = 0u;
const OP_FLIP_V: u32 = 1u;
const OP_ROT180: u32 = 2u;
const OP_ROT90: u32 = 3u;
const OP_ROT270: u32 = 4u;

@compute @workgroup_size(16, 16)
fn transform(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  var sx = x;
  var sy = y;
  switch P.op {
    case OP_FLIP_H: { sx = P.in_w - 1u - x; }
    case OP_FLIP_V: { sy = P.in_h - 1u - y; }
    case OP_ROT180: { sx = P.in_w - 1u - x; sy = P.in_h - 1u - y; }
    // Output (X, Y), X < h, Y < w: 90° takes source (w−1−Y, X); 270° takes (Y, h−1−X).
    case OP_ROT90: { sx = P.in_w - 1u - y; sy = x; }
    case OP_ROT270: { sx = y; sy = P.in_h - 1u - x; }
    default: {}
  }
  dst[y * P.out_w + x] = src[sy * P.in_w + sx];
}

// SPEC 0 luminance of a mask: L = (R·19595 + G·38470 + B·7471 + 32768) >> 16, stored in byte 0.
@compute @workgroup_size(16, 16)
fn luminance(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let i = y * P.out_w + x;
  let c = px_unpack(src[i]);
  dst[i] = (c.x * 19595u + c.y * 38470u + c.z * 7471u + 32768u) >> 16u;
}

// dst.a = lut[byte `op` of src] (same size): the alpha plane M / A, with v1's opacity as the map.
@compute @workgroup_size(16, 16)
fn put_alpha(@builtin(global_invocation_id) id: vec3<u32>) {
  let x = id.x;
  let y = id.y;
  if (x >= P.out_w || y >= P.out_h) {
    return;
  }
  let i = y * P.out_w + x;
  let a = lut[(src[i] >> (8u * P.op)) & 0xffu];
  dst[i] = (dst[i] & 0x00ffffffu) | (a << 24u);
}
