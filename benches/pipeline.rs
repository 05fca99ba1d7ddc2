//! Native (scalar) benchmark of the full Superimpose v2 pipeline on a decoded base: overlay 1024²
//! scaled 0.4 with lanczos, rotated 30°, mirrored horizontally, multiply / soft light at 90.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::params::{Mirror, ScaleFilter};
use superimpose_wasm::pipeline::{composite_v2, V2Settings};
use superimpose_wasm::resample::Filter;
use superimpose_wasm::RgbaImage;

fn noise(w: u32, h: u32, mut s: u32) -> RgbaImage {
    let data = (0..w as usize * h as usize * 4)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 24) as u8
        })
        .collect();
    RgbaImage::from_vec(w, h, data).expect("fits")
}

fn bench(c: &mut Criterion) {
    let overlay = noise(1024, 1024, 0x1234_5678);
    for (label, w, h, mode) in [
        ("1080p multiply", 1920, 1080, BlendMode::Multiply),
        ("4K soft light", 3840, 2160, BlendMode::SoftLight),
    ] {
        let base = noise(w, h, 0x9e37_79b9);
        let s = V2Settings {
            blend_mode: mode,
            mirror: Mirror::Horizontal,
            opacity: 90.0,
            rescale_factor: 0.4,
            resize_method: Filter::Lanczos,
            rotation: 30,
            x_percent: 50,
            y_percent: 50,
            scale_filter: ScaleFilter::ResizeMethod,
            seed: 0,
        };
        c.bench_function(&format!("superimpose-v2 {label}"), |b| {
            b.iter(|| composite_v2(black_box(base.clone()), &overlay, None, &s).expect("v2"))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
