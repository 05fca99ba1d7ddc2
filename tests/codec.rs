//! Codec tests: round trips, Pillow-made fixtures (tests/fixtures/codec/gen.py) and hostile input.

use superimpose_wasm::codec::{self, Format};
use superimpose_wasm::params::ImageSource;
use superimpose_wasm::{ErrorCode, RgbaImage};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/codec/");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Pillow's reference RGBA for `name`, whose size is in the file name.
fn reference(stem: &str, w: u32, h: u32) -> Vec<u8> {
    let r = fixture(&format!("{stem}_{w}x{h}.rgba"));
    assert_eq!(r.len(), (w * h * 4) as usize);
    r
}

fn code(r: superimpose_wasm::Result<RgbaImage>) -> ErrorCode {
    r.expect_err("expected an error").code()
}

/// A deterministic test image (xorshift), optionally with varying alpha.
fn pattern(w: u32, h: u32, alpha: bool) -> RgbaImage {
    let mut s: u32 = 0x9E37_79B9 ^ (w * 31 + h);
    let mut data = Vec::new();
    for _ in 0..w * h {
        for c in 0..4 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            data.push(if c == 3 && !alpha {
                255
            } else {
                (s >> 24) as u8
            });
        }
    }
    RgbaImage::from_vec(w, h, data).unwrap()
}

#[test]
fn png_round_trip_is_exact_rgba_and_rgb() {
    for &(w, h, alpha) in &[(1, 1, false), (7, 5, true), (33, 2, false), (16, 16, true)] {
        let img = pattern(w, h, alpha);
        let bytes = codec::encode(&img, Format::Png, None).unwrap();
        assert_eq!(Format::sniff(&bytes), Some(Format::Png));
        // Colour type byte of IHDR: 2 = RGB, 6 = RGBA.
        assert_eq!(
            bytes[25],
            if alpha { 6 } else { 2 },
            "{w}x{h} alpha={alpha}"
        );
        assert_eq!(codec::decode(&bytes).unwrap(), img);
    }
}

#[test]
fn webp_round_trip_is_exact_lossless() {
    for &(w, h, alpha) in &[(1, 1, false), (9, 4, true), (20, 13, false)] {
        let img = pattern(w, h, alpha);
        // Quality is ignored for WebP (lossless only): every quality gives the same bytes.
        let a = codec::encode(&img, Format::Webp, None).unwrap();
        let b = codec::encode(&img, Format::Webp, Some(5)).unwrap();
        assert_eq!(a, b);
        assert_eq!(Format::sniff(&a), Some(Format::Webp));
        assert_eq!(codec::decode(&a).unwrap(), img);
    }
}

#[test]
fn jpeg_round_trip_is_close_and_opaque() {
    // Smooth content so that JPEG's error is small; alpha is dropped.
    let (w, h) = (24u32, 16u32);
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[(x * 10) as u8, (y * 15) as u8, 128, 77]);
        }
    }
    let img = RgbaImage::from_vec(w, h, data).unwrap();
    let bytes = codec::encode(&img, Format::Jpeg, Some(100)).unwrap();
    assert_eq!(Format::sniff(&bytes), Some(Format::Jpeg));
    let back = codec::decode(&bytes).unwrap();
    assert_eq!((back.width(), back.height()), (w, h));
    let max_diff = img
        .data()
        .chunks_exact(4)
        .zip(back.data().chunks_exact(4))
        .flat_map(|(a, b)| {
            assert_eq!(b[3], 255);
            (0..3).map(move |c| (a[c] as i32 - b[c] as i32).abs())
        })
        .max()
        .unwrap();
    assert!(max_diff <= 6, "max diff {max_diff}");
    // Lower quality gives a smaller file; the default is 90.
    let q10 = codec::encode(&img, Format::Jpeg, Some(10)).unwrap();
    let q90 = codec::encode(&img, Format::Jpeg, Some(90)).unwrap();
    assert!(q10.len() < bytes.len());
    assert_eq!(codec::encode(&img, Format::Jpeg, None).unwrap(), q90);
}

#[test]
fn jpeg_quality_is_range_checked() {
    let img = pattern(2, 2, false);
    let e = codec::encode(&img, Format::Jpeg, Some(0)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    assert_eq!(e.param_name(), Some("quality"));
    let e = codec::encode(&img, Format::Jpeg, Some(101)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ParamRange);
    assert!(codec::encode(&img, Format::Jpeg, Some(1)).is_ok());
}

#[test]
fn jpeg_exif_orientation_6_matches_pillow_exif_transpose() {
    let img = codec::decode(&fixture("exif6.jpg")).unwrap();
    // Stored 12×8; orientation 6 turns it into 8×12.
    assert_eq!((img.width(), img.height()), (8, 12));
    let want = reference("exif6", 8, 12);
    let worst = img
        .data()
        .iter()
        .zip(&want)
        .map(|(&a, &b)| (a as i32 - b as i32).abs())
        .max()
        .unwrap();
    // Different JPEG decoders (zune-jpeg vs libjpeg) may differ by a few levels; a wrong
    // orientation would differ by > 200 on the flat quadrants.
    assert!(worst <= 4, "worst channel difference {worst}");
}

#[test]
fn palette_png_with_transparency_matches_pillow() {
    let img = codec::decode(&fixture("palette.png")).unwrap();
    assert_eq!((img.width(), img.height()), (5, 3));
    assert_eq!(img.data(), &reference("palette", 5, 3)[..]);
}

#[test]
fn grey_png_matches_pillow() {
    let img = codec::decode(&fixture("grey.png")).unwrap();
    assert_eq!(img.data(), &reference("grey", 7, 4)[..]);
}

#[test]
fn rgb16_png_keeps_the_high_byte_like_pillow() {
    let img = codec::decode(&fixture("rgb16.png")).unwrap();
    assert_eq!(img.data(), &reference("rgb16", 5, 3)[..]);
}

#[test]
fn grey16_png_keeps_the_high_byte() {
    let img = codec::decode(&fixture("grey16.png")).unwrap();
    assert_eq!(img.data(), &reference("grey16", 6, 2)[..]);
}

#[test]
fn decompression_bomb_is_refused_before_allocating() {
    let bytes = fixture("bomb.png");
    assert!(bytes.len() < 100);
    let e = codec::decode(&bytes).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge, "{e}");
}

#[test]
fn garbage_truncated_and_empty_are_decode_errors() {
    assert_eq!(
        code(codec::decode(&fixture("truncated.png"))),
        ErrorCode::ImageDecode
    );
    assert_eq!(code(codec::decode(&[])), ErrorCode::ImageDecode);
    let mut s: u64 = 12345;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 56) as u8
        })
        .collect();
    assert_eq!(code(codec::decode(&random)), ErrorCode::ImageDecode);
    // Valid signatures followed by garbage, and every prefix of a valid PNG, JPEG and WebP.
    let png = fixture("rgb.png");
    let jpg = fixture("exif6.jpg");
    let webp = codec::encode(&pattern(5, 5, true), Format::Webp, None).unwrap();
    for full in [&png, &jpg, &webp] {
        for cut in 0..full.len() {
            // Must not panic; a prefix may occasionally decode (JPEG decoders are lenient), but
            // when it fails it must be a decode error.
            if let Err(e) = codec::decode(&full[..cut]) {
                assert_eq!(e.code(), ErrorCode::ImageDecode, "cut {cut}: {e}");
            }
        }
    }
    for sig in [
        &b"\x89PNG\r\n\x1a\n"[..],
        &[0xFF, 0xD8, 0xFF],
        b"RIFF\0\0\0\0WEBPVP8 ",
    ] {
        let mut v = sig.to_vec();
        v.extend_from_slice(&random[..200]);
        assert_eq!(code(codec::decode(&v)), ErrorCode::ImageDecode);
    }
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    let e = codec::decode(gif).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageDecode);
    assert!(e.message().contains("GIF"), "{e}");
}

#[test]
fn base64_and_data_uri_inputs() {
    let png = fixture("grey.png");
    let want = reference("grey", 7, 4);
    let b64 = codec::to_base64(&png);
    assert!(b64.ends_with('='), "fixture chosen to need padding: {b64}");
    // Raw, without padding, with whitespace and line breaks, URL-safe alphabet.
    let unpadded = b64.trim_end_matches('=').to_string();
    let wrapped: String = b64
        .as_bytes()
        .chunks(10)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n ");
    let urlsafe = b64.replace('+', "-").replace('/', "_");
    for s in [&b64, &unpadded, &wrapped, &urlsafe, &format!("  {b64}\n")] {
        assert_eq!(codec::decode_data(s).unwrap().data(), &want[..], "{s:?}");
    }
    // data: URIs: the mime is not trusted, the bytes are sniffed.
    for mime in [
        "image/png",
        "image/jpeg",
        "application/octet-stream",
        "text/plain",
        "",
    ] {
        let uri = format!("data:{mime};base64,{b64}");
        assert_eq!(
            codec::decode_data(&uri).unwrap().data(),
            &want[..],
            "{mime}"
        );
    }
    let upper = format!("DATA:image/png;BASE64,{wrapped}");
    assert_eq!(codec::decode_data(&upper).unwrap().data(), &want[..]);
    assert_eq!(
        codec::to_data_url(&png, Format::Png),
        format!("data:image/png;base64,{b64}")
    );
}

#[test]
fn bad_data_inputs() {
    let input = |s: &str| code(codec::decode_data(s));
    assert_eq!(input("https://example.com/a.png"), ErrorCode::ImageInput);
    assert_eq!(input("HTTP://example.com/a.png"), ErrorCode::ImageInput);
    assert_eq!(input("data:image/svg+xml,<svg/>"), ErrorCode::ImageInput);
    assert_eq!(input("data:image/png;base64"), ErrorCode::ImageInput);
    assert_eq!(input("data:image/png;base64,"), ErrorCode::ImageInput);
    assert_eq!(input("not base64 at all!"), ErrorCode::ImageInput);
    assert_eq!(input("QUJD=QUJD"), ErrorCode::ImageInput);
    assert_eq!(input(""), ErrorCode::ImageInput);
    // Valid base64 of something that is not an image.
    assert_eq!(
        input(&codec::to_base64(b"hello world")),
        ErrorCode::ImageDecode
    );
}

#[test]
fn load_resolves_sources() {
    let img = pattern(3, 2, true);
    assert_eq!(codec::load(ImageSource::Pixels(img.clone())).unwrap(), img);
    let png = codec::encode(&img, Format::Png, None).unwrap();
    let data = ImageSource::Data(codec::to_data_url(&png, Format::Png));
    assert_eq!(codec::load(data).unwrap(), img);
    let e = codec::load(ImageSource::Url("https://example.com/x.png".into())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageInput);
    assert!(e.message().contains("JS layer"));
}

#[test]
fn format_parse_and_mime() {
    assert_eq!(Format::parse("png").unwrap(), Format::Png);
    assert_eq!(Format::parse("jpeg").unwrap(), Format::Jpeg);
    assert_eq!(Format::parse("jpg").unwrap(), Format::Jpeg);
    assert_eq!(Format::parse("webp").unwrap(), Format::Webp);
    assert_eq!(
        Format::parse("PNG").unwrap_err().code(),
        ErrorCode::ParamEnum
    );
    assert_eq!(
        Format::parse("gif").unwrap_err().code(),
        ErrorCode::ParamEnum
    );
    assert_eq!(Format::Png.mime(), "image/png");
    assert_eq!(Format::Jpeg.mime(), "image/jpeg");
    assert_eq!(Format::Webp.mime(), "image/webp");
}

#[test]
fn bomb_message_names_the_claimed_size() {
    let e = codec::decode(&fixture("bomb.png")).unwrap_err();
    assert!(e.message().contains("50000×50000"), "{e}");
}

#[test]
fn jpeg_and_webp_headers_claiming_huge_sizes_are_refused() {
    // JPEG: patch the SOF0 frame header of a real JPEG to claim 60000×60000.
    let mut jpg = fixture("exif6.jpg");
    let sof = jpg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline SOF0");
    // FFC0, length(2), precision(1), height(2), width(2)
    jpg[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    jpg[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    let e = codec::decode(&jpg).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge, "{e}");
    // WebP lossless: the VP8L header holds width−1 and height−1 in 14 bits each.
    let mut webp = codec::encode(&pattern(4, 4, true), Format::Webp, None).unwrap();
    assert_eq!(&webp[12..16], b"VP8L");
    assert_eq!(webp[20], 0x2F);
    // 16000×16000 (image-webp 0.2.4 masks a full 16384 to 0, which we report as E_DIMENSIONS).
    let bits: u32 = 15999 | (15999 << 14) | (1 << 28);
    webp[21..25].copy_from_slice(&bits.to_le_bytes());
    let e = codec::decode(&webp).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge, "{e}");
}
