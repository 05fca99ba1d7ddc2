//! Blend + mask composite of a 1024² overlay region onto a 4K base at opacity 0.9 (native).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use superimpose_wasm::blend::{composite_at, BlendMode, Blender};
use superimpose_wasm::RgbaImage;

fn noise(w: u32, h: u32, seed: u64, opaque: bool) -> RgbaImage {
    let mut x = seed;
    let data = (0..w as usize * h as usize * 4)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if opaque && i % 4 == 3 {
                255
            } else {
                (x >> 33) as u8
            }
        })
        .collect();
    RgbaImage::from_vec(w, h, data).expect("bench image")
}

fn composite(c: &mut Criterion) {
    let mut base = noise(3840, 2160, 1, false);
    let overlay = noise(1024, 1024, 2, true);
    let mut group = c.benchmark_group("composite_1024sq_op0.9");
    group.throughput(Throughput::Elements(1024 * 1024));
    group.sample_size(20);
    for mode in [
        BlendMode::Multiply,
        BlendMode::Screen,
        BlendMode::Overlay,
        BlendMode::SoftLight,
        BlendMode::HardLight,
        BlendMode::Darken,
        BlendMode::Lighten,
    ] {
        // Including the Blender (and its 256×256 table) in the measurement, as a call does.
        group.bench_with_input(
            BenchmarkId::new("new+composite", mode),
            &mode,
            |b, &mode| {
                b.iter(|| {
                    let blender = Blender::new(mode, 0.9, 0).expect("valid opacity");
                    composite_at(&mut base, &overlay, 1400, 500, &blender);
                })
            },
        );
        let blender = Blender::new(mode, 0.9, 0).expect("valid opacity");
        blender.prepare(1024 * 1024);
        group.bench_with_input(BenchmarkId::new("composite", mode), &mode, |b, _| {
            b.iter(|| composite_at(&mut base, &overlay, 1400, 500, &blender))
        });
    }
    group.bench_function("table_build", |b| {
        b.iter(|| {
            let blender = Blender::new(BlendMode::SoftLight, 0.9, 0).expect("valid opacity");
            blender.prepare(1 << 20);
            blender
        })
    });
    group.finish();
}

criterion_group!(benches, composite);
criterion_main!(benches);
