// Shared helpers, prepended to every shader after the generated header (src/gpu/wgsl.rs).
// Pixels are stored one per u32, little-endian RGBA: byte 0 = R, as the CPU's row-packed bytes.

fn px_unpack(p: u32) -> vec4<u32> {
  return vec4<u32>(p & 0xffu, (p >> 8u) & 0xffu, (p >> 16u) & 0xffu, p >> 24u);
}

fn px_pack(c: vec4<u32>) -> u32 {
  return (c.x & 0xffu) | ((c.y & 0xffu) << 8u) | ((c.z & 0xffu) << 16u) | ((c.w & 0xffu) << 24u);
}

// SPEC 0: DIV255(v) with t = v + 128: ((t >> 8) + t) >> 8.
fn div255(v: u32) -> u32 {
  let t = v + 128u;
  return ((t >> 8u) + t) >> 8u;
}

// SPEC 0: MIX(dst, src, m) = DIV255(dst·(255 − m) + src·m).
fn mix8(d: u32, s: u32, m: u32) -> u32 {
  return div255(d * (255u - m) + s * m);
}
