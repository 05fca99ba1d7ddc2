//! A small seeded generator for the wasm tests' random images and masks (deterministic: the
//! same seed gives the same bytes on every run and target).
// Not every test crate that includes this file uses every method.
#![allow(dead_code)]

/// 64-bit LCG (Knuth's MMIX constants); `byte` takes the high bits.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u8
    }

    /// A mask byte: 0 and 255 often (their fast paths), anything otherwise.
    pub fn mask(&mut self) -> u8 {
        match self.byte() % 4 {
            0 => 0,
            1 => 255,
            _ => self.byte(),
        }
    }

    /// `w × h` RGBA bytes with random colours and alpha 255: an opaque image.
    pub fn opaque_rgba(&mut self, w: u32, h: u32) -> Vec<u8> {
        (0..w as usize * h as usize * 4)
            .map(|i| if i % 4 == 3 { 255 } else { self.byte() })
            .collect()
    }
}
