//! Rotation of a 410×410 RGBA overlay by 30° with each sampler (the pipeline's hot case).
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use superimpose_wasm::rotate::{rotate, rotate_premultiplied, Sampler};
use superimpose_wasm::{GrayImage, Image, RgbaImage};

fn image<const C: usize>(w: u32, h: u32) -> Image<C> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let data = (0..w as usize * h as usize * C)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 32) as u8
        })
        .collect();
    Image::from_vec(w, h, data).expect("bench image")
}

fn bench(c: &mut Criterion) {
    let rgba: RgbaImage = image(410, 410);
    let rgb: Image<3> = image(410, 410);
    let mask: GrayImage = image(410, 410);
    let mut g = c.benchmark_group("rotate_410_30deg");
    for s in Sampler::ALL {
        g.bench_function(format!("rgba_{}", s.as_str()), |b| {
            b.iter(|| rotate(black_box(&rgba), 30.0, *s).expect("rotate"))
        });
        g.bench_function(format!("rgba_premultiplied_{}", s.as_str()), |b| {
            b.iter(|| rotate_premultiplied(black_box(&rgba), 30.0, *s).expect("rotate"))
        });
        g.bench_function(format!("rgb_{}", s.as_str()), |b| {
            b.iter(|| rotate(black_box(&rgb), 30.0, *s).expect("rotate"))
        });
        g.bench_function(format!("l_{}", s.as_str()), |b| {
            b.iter(|| rotate(black_box(&mask), 30.0, *s).expect("rotate"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
