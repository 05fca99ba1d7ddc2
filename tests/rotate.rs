//! Rotation and mirroring against Pillow 13, byte for byte (native).
//!
//! `pillow_refs` reads the full set that `tests/pillow/gen_rotate.py` writes to
//! `$PILLOW_REFS/rotate` (default `target/pillow-refs/rotate`); `committed_fixtures` checks the
//! small set under `tests/fixtures/rotate/`, which `tests/wasm_rotate.rs` also runs in Node.
#![cfg(not(target_arch = "wasm32"))]

#[path = "fixtures/rotate/refs.rs"]
mod refs;

#[path = "support/lcg.rs"]
mod lcg;

use std::path::PathBuf;
use superimpose_wasm::rotate::{self, Sampler};
use superimpose_wasm::{ErrorCode, Image};

fn report(name: &str, (n, failed, failures): (usize, usize, Vec<String>)) {
    assert!(n > 0, "{name}: no checks ran");
    assert!(
        failed == 0,
        "{name}: {failed} of {n} checks differ from Pillow:\n{}",
        failures.join("\n")
    );
    eprintln!("{name}: {n} checks equal to Pillow");
}

#[test]
fn pillow_refs() {
    let dir = match std::env::var_os("PILLOW_REFS") {
        Some(root) => PathBuf::from(root).join("rotate"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pillow-refs/rotate"),
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_else(|e| {
        panic!(
            "Pillow references missing at {} ({e}): run `make pillow-refs`",
            dir.display()
        )
    });
    let data = std::fs::read(dir.join("data.bin"))
        .unwrap_or_else(|e| panic!("{}/data.bin: {e}: run `make pillow-refs`", dir.display()));
    let refs = refs::parse(&manifest, &data);
    assert!(refs.cases.len() > 3000, "the full set has > 3000 cases");
    report("pillow_refs", refs::check_all(&refs, 30));
}

#[test]
fn committed_fixtures() {
    let refs = refs::parse(
        include_str!("fixtures/rotate/manifest.json"),
        include_bytes!("fixtures/rotate/data.bin"),
    );
    report("committed_fixtures", refs::check_all(&refs, 30));
}

#[test]
fn hand_checked_transposes() {
    // 3×2 L image: rows [1 2 3] [4 5 6].
    let src = Image::<1>::from_vec(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
    let r90 = rotate::rotate(&src, 90.0, Sampler::Bicubic).unwrap();
    assert_eq!((r90.width(), r90.height()), (2, 3));
    assert_eq!(r90.data(), &[3, 6, 2, 5, 1, 4]);
    let r270 = rotate::rotate(&src, -90.0, Sampler::Nearest).unwrap();
    assert_eq!(r270.data(), &[4, 1, 5, 2, 6, 3]);
    let r180 = rotate::rotate(&src, 540.0, Sampler::Bilinear).unwrap();
    assert_eq!(r180.data(), &[6, 5, 4, 3, 2, 1]);
    assert_eq!(rotate::inverse_matrix(3, 2, 450.0).unwrap(), None);
    let mut m = src.clone();
    rotate::flip_horizontal_in_place(&mut m);
    assert_eq!(m.data(), &[3, 2, 1, 6, 5, 4]);
    let mut m = src;
    rotate::flip_vertical_in_place(&mut m);
    assert_eq!(m.data(), &[4, 5, 6, 1, 2, 3]);
}

#[test]
fn errors() {
    let src = Image::<3>::new(4, 4).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = rotate::rotate(&src, bad, Sampler::Bilinear).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamRange);
        assert_eq!(e.param_name(), Some("rotation"));
        assert_eq!(
            rotate::inverse_matrix(4, 4, bad).unwrap_err().code(),
            ErrorCode::ParamRange
        );
    }
    // 1 × 60M fits the 64 MP limit; a 45° rotation of it does not.
    assert_eq!(
        rotate::rotated_size(1, 60_000_000, 45.0)
            .unwrap_err()
            .code(),
        ErrorCode::ImageTooLarge
    );
}

#[test]
fn premultiplied_keeps_transposes_lossless() {
    // Pillow's rotate takes its transpose fast path before any RGBA → RGBa conversion.
    let src = Image::<4>::from_vec(2, 1, vec![200, 100, 50, 3, 1, 2, 3, 128]).unwrap();
    let r = rotate::rotate_premultiplied(&src, 180.0, Sampler::Bicubic).unwrap();
    assert_eq!(r.data(), &[1, 2, 3, 128, 200, 100, 50, 3]);
}

#[test]
fn opaque_images_skip_the_premultiply_with_the_same_bytes() {
    let data = lcg::Lcg(0x9e37_79b9).opaque_rgba(37, 23);
    let img = superimpose_wasm::RgbaImage::from_vec(37, 23, data).unwrap();
    assert!(img.is_opaque());
    for sampler in [Sampler::Bilinear, Sampler::Bicubic] {
        for deg in [30.0, -12.5, 135.0, 271.0] {
            let mut pre = img.clone();
            pre.premultiply();
            let mut want = rotate::rotate(&pre, deg, sampler).unwrap();
            want.unpremultiply();
            let got = rotate::rotate_premultiplied(&img, deg, sampler).unwrap();
            assert!(got == want, "{sampler:?} {deg}°");
        }
    }
}
