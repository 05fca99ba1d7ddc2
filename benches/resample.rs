//! Native (scalar) resize benchmark: lanczos and bilinear, 1024² → 410² RGBA.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use superimpose_wasm::resample::{resize, resize_premultiplied, Filter};
use superimpose_wasm::Image;

fn source() -> Image<4> {
    let mut s = 0x1234_5678u32;
    let data = (0..1024 * 1024 * 4)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 24) as u8
        })
        .collect();
    Image::from_vec(1024, 1024, data).expect("1024² fits")
}

fn bench(c: &mut Criterion) {
    let src = source();
    for f in [Filter::Lanczos, Filter::Bilinear] {
        c.bench_function(&format!("resize {} 1024²→410² RGBA", f.as_str()), |b| {
            b.iter(|| resize(black_box(&src), 410, 410, f).expect("resize"))
        });
        c.bench_function(
            &format!("resize_premultiplied {} 1024²→410² RGBA", f.as_str()),
            |b| b.iter(|| resize_premultiplied(black_box(&src), 410, 410, f).expect("resize")),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
