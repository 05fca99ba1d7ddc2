//! Background removal (SPEC 2.3 step 2, 2.4): the deterministic halves of a matting model.
//!
//! A [`MaskModel`] turns an overlay into a raw map (the network's first output, channel 0).
//! Everything around the network is here, in Rust, and tested without any model:
//! [`prepare`] builds the input tensor, [`matte`] turns the raw map into an alpha plane of the
//! overlay's size, and [`apply_matte`] multiplies that plane into the overlay's own alpha.
//! Inference itself runs elsewhere (in the browser build: onnxruntime-web, driven by
//! `js/bg.js`); the wasm surface exposes [`prepare`] and [`matte`]/[`apply_matte`] separately
//! because inference is asynchronous there, and [`Precomputed`] carries a map computed that way
//! back into the pipeline.
//!
//! # Contracts ([`Preprocess`])
//! Resizes are this crate's Pillow-exact [`crate::resample::resize`] on the RGB bytes (alpha
//! dropped, values unchanged), so a downscale is antialiased as Pillow does it. Normalisation
//! is computed in f64 and stored as f32; tensors are NCHW `[1, 3, S, S]`.
//!
//! | name | S | resize in | normalise | resize out (mask) |
//! |---|---|---|---|---|
//! | `isnet` (IS-Net / BRIA RMBG-1.4) | 1024 | bilinear | `v/255 − 0.5` | bilinear |
//! | `u2net` (rembg's U²-Net family) | 320 | lanczos | `(v/max − mean)/std`, ImageNet | lanczos |
//! | `rmbg2` (BRIA RMBG-2.0 / BiRefNet) | 1024 | bilinear | `(v/255 − mean)/std`, ImageNet | bilinear |
//!
//! `max` in `u2net` is the largest byte of the resized RGB image (rembg divides by
//! `np.max(im)`); an all-black image gives zeros before the mean/std step. ImageNet
//! mean = (0.485, 0.456, 0.406), std = (0.229, 0.224, 0.225).
//!
//! Post-processing for all three: the map (after a logistic sigmoid for `rmbg2` when it holds
//! logits, i.e. any value outside [0, 1]) is min-max normalised to [0, 1], made 8-bit with
//! `to8(x) = floor(255·x)` (SPEC 0), resized to the overlay's size with the contract's filter,
//! and multiplied into the overlay's own alpha with `DIV255(m·a)`. A constant map (max = min)
//! carries no contrast to normalise: its values are used as probabilities, clamped to [0, 1].

use crate::error::{Error, ErrorCode, Result};
use crate::image::{GrayImage, Image, RgbaImage};
use crate::math::div255;
use crate::resample::{self, Filter};

/// ImageNet channel means (RGB).
pub const IMAGENET_MEAN: [f64; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f64; 3] = [0.229, 0.224, 0.225];

/// A model's input/output contract (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preprocess {
    /// IS-Net / BRIA RMBG-1.4: 1024², bilinear, `v/255 − 0.5`.
    IsNet,
    /// rembg's U²-Net family (u2net, u2netp, …): 320², lanczos, `/max`, ImageNet mean/std.
    U2Net,
    /// BRIA RMBG-2.0 (BiRefNet): 1024², bilinear, `/255`, ImageNet mean/std; sigmoid on logits.
    Rmbg2,
}

impl Preprocess {
    /// Every contract.
    pub const ALL: &'static [Preprocess] =
        &[Preprocess::IsNet, Preprocess::U2Net, Preprocess::Rmbg2];

    /// The name used by the JS API (`"isnet"`, `"u2net"`, `"rmbg2"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Preprocess::IsNet => "isnet",
            Preprocess::U2Net => "u2net",
            Preprocess::Rmbg2 => "rmbg2",
        }
    }

    /// Parse a name (case-sensitive).
    ///
    /// # Errors
    /// `E_PARAM_ENUM` naming `param`.
    pub fn parse(param: &str, s: &str) -> Result<Preprocess> {
        Error::parse_enum(param, s, Preprocess::ALL, Preprocess::as_str)
    }

    /// The square input side S.
    pub const fn input_side(self) -> u32 {
        match self {
            Preprocess::IsNet | Preprocess::Rmbg2 => 1024,
            Preprocess::U2Net => 320,
        }
    }

    /// The filter for both resizes (input to S², mask back to the overlay size).
    pub const fn filter(self) -> Filter {
        match self {
            Preprocess::IsNet | Preprocess::Rmbg2 => Filter::Bilinear,
            Preprocess::U2Net => Filter::Lanczos,
        }
    }
}

/// A dense f32 tensor in NCHW order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// `[N, C, H, W]`.
    pub dims: [usize; 4],
    /// `N·C·H·W` values, W fastest.
    pub data: Vec<f32>,
}

/// A model's raw output map (one channel, `width × height`, row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct MaskMap {
    width: u32,
    height: u32,
    data: Vec<f32>,
}

impl MaskMap {
    /// A map from at least `width·height` values: the first `width·height` are used (channel 0
    /// of an NCHW output `[1, C, height, width]`).
    ///
    /// # Errors
    /// `E_DIMENSIONS` for a 0-px side, `E_BUFFER_SIZE` when too few values are given,
    /// `E_INTERNAL` when a used value is not finite (a broken model).
    pub fn new(width: u32, height: u32, mut data: Vec<f32>) -> Result<MaskMap> {
        crate::image::check_dimensions(width, height)?;
        let n = width as usize * height as usize;
        if data.len() < n {
            return Err(Error::param(
                ErrorCode::BufferSize,
                "mask",
                format!(
                    "a {width}×{height} model output needs at least {n} values; got {}",
                    data.len()
                ),
            ));
        }
        data.truncate(n);
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::internal(format!(
                "the background-removal model produced a non-finite value ({}) at index {i}",
                data[i]
            )));
        }
        Ok(MaskMap {
            width,
            height,
            data,
        })
    }

    /// Width in values.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in values.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The values, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }
}

/// The model seam: turns an overlay (RGBA; only its RGB is looked at) into a raw map.
pub trait MaskModel {
    /// The model's contract (input tensor and post-processing).
    fn preprocess(&self) -> Preprocess;
    /// Run the model on `overlay`.
    ///
    /// # Errors
    /// Whatever the model reports; the pipeline passes it on.
    fn run(&mut self, overlay: &RgbaImage) -> Result<MaskMap>;
}

/// A [`MaskModel`] from a tensor function: [`prepare`] then `infer`.
pub struct TensorModel<F: FnMut(&Tensor) -> Result<MaskMap>> {
    /// The contract.
    pub preprocess: Preprocess,
    /// The network: NCHW input → raw map.
    pub infer: F,
}

impl<F: FnMut(&Tensor) -> Result<MaskMap>> MaskModel for TensorModel<F> {
    fn preprocess(&self) -> Preprocess {
        self.preprocess
    }
    fn run(&mut self, overlay: &RgbaImage) -> Result<MaskMap> {
        let t = prepare(overlay, self.preprocess)?;
        (self.infer)(&t)
    }
}

/// A map computed before the call (the browser build runs inference asynchronously, then hands
/// the output to the synchronous pipeline).
#[derive(Debug, Clone)]
pub struct Precomputed {
    /// The contract the map was computed under.
    pub preprocess: Preprocess,
    /// The raw map.
    pub map: MaskMap,
}

impl MaskModel for Precomputed {
    fn preprocess(&self) -> Preprocess {
        self.preprocess
    }
    fn run(&mut self, _overlay: &RgbaImage) -> Result<MaskMap> {
        Ok(self.map.clone())
    }
}

/// The overlay's RGB as a 3-channel image (alpha dropped, values unchanged).
fn rgb_of(img: &RgbaImage) -> Result<Image<3>> {
    let mut out = Image::<3>::new(img.width(), img.height())?;
    for (d, s) in out
        .data_mut()
        .chunks_exact_mut(3)
        .zip(img.data().chunks_exact(4))
    {
        d.copy_from_slice(&s[..3]);
    }
    Ok(out)
}

/// The input tensor `[1, 3, S, S]` for `image` under `pre` (see the module docs).
///
/// # Errors
/// `E_IMAGE_TOO_LARGE` when the pixel limit is below S² (checked before allocating).
pub fn prepare(image: &RgbaImage, pre: Preprocess) -> Result<Tensor> {
    let s = pre.input_side();
    let rgb = resample::resize(&rgb_of(image)?, s, s, pre.filter())?;
    let plane = s as usize * s as usize;
    let px = rgb.data();
    let mut data = vec![0f32; 3 * plane];
    let scale = match pre {
        Preprocess::IsNet | Preprocess::Rmbg2 => 255.0,
        Preprocess::U2Net => px.iter().copied().max().unwrap_or(0) as f64,
    };
    for c in 0..3 {
        let (mean, std) = match pre {
            Preprocess::IsNet => (0.5, 1.0),
            Preprocess::U2Net | Preprocess::Rmbg2 => (IMAGENET_MEAN[c], IMAGENET_STD[c]),
        };
        let out = &mut data[c * plane..(c + 1) * plane];
        for (o, p) in out.iter_mut().zip(px.chunks_exact(3)) {
            let v = if scale > 0.0 {
                p[c] as f64 / scale
            } else {
                0.0
            };
            *o = ((v - mean) / std) as f32;
        }
    }
    Ok(Tensor {
        dims: [1, 3, s as usize, s as usize],
        data,
    })
}

/// The alpha plane (`width × height`) from a raw map under `pre` (see the module docs).
///
/// # Errors
/// `E_DIMENSIONS` / `E_IMAGE_TOO_LARGE` for the target size.
pub fn matte(map: &MaskMap, pre: Preprocess, width: u32, height: u32) -> Result<GrayImage> {
    let logits = pre == Preprocess::Rmbg2 && map.data.iter().any(|&v| !(0.0..=1.0).contains(&v));
    let vals: Vec<f64> = map
        .data
        .iter()
        .map(|&v| {
            let v = v as f64;
            if logits {
                1.0 / (1.0 + (-v).exp())
            } else {
                v
            }
        })
        .collect();
    let (mi, ma) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let mut small = GrayImage::new(map.width, map.height)?;
    let range = ma - mi;
    for (o, &v) in small.data_mut().iter_mut().zip(&vals) {
        let n = if range > 0.0 {
            (v - mi) / range
        } else {
            v.clamp(0.0, 1.0)
        };
        // to8: floor(255·n) with n in [0, 1]; the clamp only guards rounding at the ends.
        *o = (n * 255.0).floor().clamp(0.0, 255.0) as u8;
    }
    resample::resize(&small, width, height, pre.filter())
}

/// `overlay` with its alpha multiplied by `matte` (`DIV255(m·a)`), RGB unchanged.
///
/// # Errors
/// `E_INTERNAL` when the sizes differ.
pub fn apply_matte(overlay: &RgbaImage, matte: &GrayImage) -> Result<RgbaImage> {
    if (overlay.width(), overlay.height()) != (matte.width(), matte.height()) {
        return Err(Error::internal(format!(
            "matte {}×{} does not match the {}×{} overlay",
            matte.width(),
            matte.height(),
            overlay.width(),
            overlay.height()
        )));
    }
    let mut out = overlay.clone();
    for (p, &m) in out.data_mut().chunks_exact_mut(4).zip(matte.data()) {
        p[3] = div255(m as u32 * p[3] as u32) as u8;
    }
    Ok(out)
}

/// Run `model` on `overlay` and return the overlay with the matte in its alpha.
///
/// # Errors
/// The model's errors, and those of [`matte`].
pub fn remove_background(overlay: &RgbaImage, model: &mut dyn MaskModel) -> Result<RgbaImage> {
    let map = model.run(overlay)?;
    let m = matte(&map, model.preprocess(), overlay.width(), overlay.height())?;
    apply_matte(overlay, &m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, px: &[[u8; 4]]) -> RgbaImage {
        RgbaImage::from_vec(w, h, px.concat()).unwrap()
    }

    fn close(a: f32, b: f64) -> bool {
        (a as f64 - b).abs() < 1e-6
    }

    #[test]
    fn names_round_trip() {
        for &p in Preprocess::ALL {
            assert_eq!(Preprocess::parse("preprocess", p.as_str()).unwrap(), p);
        }
        let e = Preprocess::parse("preprocess", "IsNet").unwrap_err();
        assert_eq!(e.code(), ErrorCode::ParamEnum);
    }

    #[test]
    fn isnet_uniform_image_hand_values() {
        // 3×2 of one colour: any convolution resize of a constant is that constant.
        let t = prepare(&img(3, 2, &[[10, 128, 255, 7]; 6]), Preprocess::IsNet).unwrap();
        assert_eq!(t.dims, [1, 3, 1024, 1024]);
        assert_eq!(t.data.len(), 3 * 1024 * 1024);
        let p = 1024 * 1024;
        // 10/255 − 0.5 = −0.460784…, 128/255 − 0.5 = 0.001960…, 255/255 − 0.5 = 0.5
        assert!(t.data[..p].iter().all(|&v| close(v, -0.4607843137254902)));
        assert!(t.data[p..2 * p]
            .iter()
            .all(|&v| close(v, 0.00196078431372549)));
        assert!(t.data[2 * p..].iter().all(|&v| v == 0.5));
    }

    #[test]
    fn u2net_no_resize_layout_and_values() {
        // A 320×320 image needs no resize: every value is hand-computable. Pixel (x, y) =
        // (x % 256, y % 256, 200); max byte = 255 (at x = 255).
        let mut im = RgbaImage::new(320, 320).unwrap();
        for y in 0..320u32 {
            for x in 0..320u32 {
                let i = ((y * 320 + x) * 4) as usize;
                im.data_mut()[i..i + 4].copy_from_slice(&[
                    (x % 256) as u8,
                    (y % 256) as u8,
                    200,
                    0,
                ]);
            }
        }
        let t = prepare(&im, Preprocess::U2Net).unwrap();
        assert_eq!(t.dims, [1, 3, 320, 320]);
        let p = 320 * 320;
        let at = |c: usize, x: usize, y: usize| t.data[c * p + y * 320 + x];
        // R at x = 255: (255/255 − 0.485)/0.229 = 2.248908…
        assert!(close(at(0, 255, 3), 2.2489082969432315));
        // R at x = 0: (0 − 0.485)/0.229 = −2.117903…
        assert!(close(at(0, 0, 9), -2.1179039301310043));
        // G at y = 100: (100/255 − 0.456)/0.224 = −0.285014…
        assert!(close(at(1, 7, 100), -0.2850140056022409));
        // B everywhere: (200/255 − 0.406)/0.225 = 1.681220…
        assert!(close(at(2, 300, 300), 1.6813943355119823));
    }

    #[test]
    fn u2net_divides_by_the_image_max() {
        // Max byte 100: v/100, so a 50 becomes 0.5 (not 50/255).
        let mut im = RgbaImage::filled(320, 320, [50, 100, 0, 255]).unwrap();
        im.data_mut()[0] = 100;
        let t = prepare(&im, Preprocess::U2Net).unwrap();
        let p = 320 * 320;
        assert!(close(t.data[1], (0.5 - 0.485) / 0.229));
        assert!(close(t.data[0], (1.0 - 0.485) / 0.229));
        assert!(close(t.data[p + 5], (1.0 - 0.456) / 0.224));
        assert!(close(t.data[2 * p + 5], (0.0 - 0.406) / 0.225));
        // All black: zeros before mean/std (rembg divides by max(max, 1e-6)).
        let t = prepare(
            &RgbaImage::filled(4, 4, [0, 0, 0, 255]).unwrap(),
            Preprocess::U2Net,
        )
        .unwrap();
        assert!(close(t.data[0], -0.485 / 0.229));
    }

    #[test]
    fn rmbg2_imagenet_over_255() {
        let t = prepare(&img(1, 1, &[[255, 0, 51, 255]]), Preprocess::Rmbg2).unwrap();
        let p = 1024 * 1024;
        assert!(close(t.data[77], (1.0 - 0.485) / 0.229));
        assert!(close(t.data[p + 77], (0.0 - 0.456) / 0.224));
        assert!(close(t.data[2 * p + 77], (0.2 - 0.406) / 0.225));
    }

    #[test]
    fn isnet_upscale_corners_keep_the_corner_pixels() {
        // Pillow bilinear 2 → 1024: output 0 has centre 1/1024, window [0, 1) → only pixel 0;
        // output 1023 likewise only pixel 1. So the tensor corners are the image corners.
        let im = img(
            2,
            2,
            &[[0, 0, 0, 0], [255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 255, 0]],
        );
        let t = prepare(&im, Preprocess::IsNet).unwrap();
        let p = 1024 * 1024;
        assert_eq!(t.data[0], -0.5); // R (0,0)
        assert_eq!(t.data[1023], 0.5); // R (1023,0)
        assert_eq!(t.data[p + 1023 * 1024], 0.5); // G (0,1023)
        assert_eq!(t.data[2 * p + p - 1], 0.5); // B (1023,1023)
        assert_eq!(t.data[2 * p], -0.5);
    }

    #[test]
    fn map_checks() {
        assert_eq!(
            MaskMap::new(2, 2, vec![0.0; 3]).unwrap_err().code(),
            ErrorCode::BufferSize
        );
        assert_eq!(
            MaskMap::new(2, 1, vec![0.0, f32::NAN]).unwrap_err().code(),
            ErrorCode::Internal
        );
        // Extra values (other channels) are ignored.
        let m = MaskMap::new(1, 2, vec![0.1, 0.2, f32::NAN]).unwrap();
        assert_eq!(m.data(), &[0.1, 0.2]);
        assert_eq!(
            MaskMap::new(0, 2, vec![]).unwrap_err().code(),
            ErrorCode::Dimensions
        );
    }

    #[test]
    fn matte_min_max_to8_same_size() {
        // [0.2 0.6; 0.4 1.0] → (v − 0.2)/0.8 = [0 .5; .25 1] → floor(255·) = [0 127; 63 255]
        let m = MaskMap::new(2, 2, vec![0.2, 0.6, 0.4, 1.0]).unwrap();
        let g = matte(&m, Preprocess::IsNet, 2, 2).unwrap();
        assert_eq!(g.data(), &[0, 127, 63, 255]);
    }

    #[test]
    fn matte_bilinear_upscale_hand_checked() {
        // A 2×1 map [0, 1] → to8 [0, 255] → Pillow bilinear to 4×1. Output i has centre
        // c = (i + .5)/2: i = 0 → only j = 0 (window [0, 1)) → 0; i = 1 → c = .75, weights
        // K(−.25) = .75, K(.75) = .25 → 0.25·255 = 63.75; fixed point: k = 2²⁰,
        // (2²¹ + 255·2²⁰) >> 22 = 64. Symmetric for i = 2, 3: 191, 255.
        let m = MaskMap::new(2, 1, vec![-3.0, 5.0]).unwrap();
        let g = matte(&m, Preprocess::IsNet, 4, 1).unwrap();
        assert_eq!(g.data(), &[0, 64, 191, 255]);
    }

    #[test]
    fn matte_rmbg2_sigmoid_on_logits_only() {
        // Logits [0, ln 3, −ln 3] → sigmoid [.5, .75, .25] → min-max [.5, 1, 0] → [127, 255, 0].
        let l3 = 3f32.ln();
        let g = matte(
            &MaskMap::new(3, 1, vec![0.0, l3, -l3]).unwrap(),
            Preprocess::Rmbg2,
            3,
            1,
        )
        .unwrap();
        assert_eq!(g.data(), &[127, 255, 0]);
        // Probabilities (all in [0, 1]) are not squashed again: [.5, .75, .25] → same as above.
        let g = matte(
            &MaskMap::new(3, 1, vec![0.5, 0.75, 0.25]).unwrap(),
            Preprocess::Rmbg2,
            3,
            1,
        )
        .unwrap();
        assert_eq!(g.data(), &[127, 255, 0]);
        // A sigmoid of logits that differ only in scale would give a different ramp: [.5, .9, .1]
        // vs the raw min-max [.5, 1, 0] — check that the sigmoid really ran.
        let l9 = 9f32.ln();
        let g = matte(
            &MaskMap::new(4, 1, vec![0.0, l9, -l9, 0.5 * l9]).unwrap(),
            Preprocess::Rmbg2,
            4,
            1,
        )
        .unwrap();
        // sigmoid(½ ln 9) = 3/4 → (0.75 − 0.1)/0.8 = 0.8125 → 207
        assert_eq!(g.data(), &[127, 255, 0, 207]);
    }

    #[test]
    fn matte_constant_map() {
        let g = matte(
            &MaskMap::new(2, 1, vec![0.6, 0.6]).unwrap(),
            Preprocess::U2Net,
            2,
            1,
        )
        .unwrap();
        assert_eq!(g.data(), &[153, 153]); // floor(0.6·255) = 153
        let g = matte(
            &MaskMap::new(1, 1, vec![7.0]).unwrap(),
            Preprocess::IsNet,
            1,
            1,
        )
        .unwrap();
        assert_eq!(g.data(), &[255]);
    }

    #[test]
    fn apply_multiplies_alpha() {
        let ov = img(2, 1, &[[1, 2, 3, 255], [4, 5, 6, 128]]);
        let m = GrayImage::from_vec(2, 1, vec![127, 127]).unwrap();
        let out = apply_matte(&ov, &m).unwrap();
        // DIV255(127·255) = 127; DIV255(127·128) = round(63.75) = 64
        assert_eq!(out.data(), &[1, 2, 3, 127, 4, 5, 6, 64]);
        let bad = GrayImage::from_vec(1, 1, vec![0]).unwrap();
        assert_eq!(
            apply_matte(&ov, &bad).unwrap_err().code(),
            ErrorCode::Internal
        );
    }

    #[test]
    fn fake_model_end_to_end() {
        // The fake network: the mask is the mean of the R channel of each 2×2 block of the 320²
        // input (a 160×160 map) — checks that the model sees the prepared tensor and that its
        // map is scaled back to the overlay's size.
        let mut calls = 0;
        let mut model = TensorModel {
            preprocess: Preprocess::U2Net,
            infer: |t: &Tensor| {
                calls += 1;
                assert_eq!(t.dims, [1, 3, 320, 320]);
                let mut out = vec![0f32; 160 * 160];
                for y in 0..160 {
                    for x in 0..160 {
                        let r = |dx: usize, dy: usize| t.data[(2 * y + dy) * 320 + 2 * x + dx];
                        out[y * 160 + x] = (r(0, 0) + r(1, 0) + r(0, 1) + r(1, 1)) / 4.0;
                    }
                }
                MaskMap::new(160, 160, out)
            },
        };
        // Left half white (R 255), right half black; alpha 255 except one pixel at 100.
        let mut ov = RgbaImage::filled(640, 320, [0, 0, 0, 255]).unwrap();
        for y in 0..320u32 {
            for x in 0..320u32 {
                ov.data_mut()[((y * 640 + x) * 4) as usize] = 255;
            }
        }
        ov.data_mut()[3] = 100;
        let out = remove_background(&ov, &mut model).unwrap();
        assert_eq!(calls, 1);
        assert_eq!((out.width(), out.height()), (640, 320));
        // Far from the edge: left → 255 (× own alpha), right → 0.
        assert_eq!(out.pixel(0, 0), [255, 0, 0, 100]);
        assert_eq!(out.pixel(100, 200), [255, 0, 0, 255]);
        assert_eq!(out.pixel(600, 10), [0, 0, 0, 0]);
    }

    #[test]
    fn precomputed_map_is_used_as_is() {
        let map = MaskMap::new(2, 1, vec![0.0, 1.0]).unwrap();
        let mut model = Precomputed {
            preprocess: Preprocess::IsNet,
            map,
        };
        let ov = img(2, 1, &[[9, 9, 9, 255], [8, 8, 8, 255]]);
        let out = remove_background(&ov, &mut model).unwrap();
        assert_eq!(out.data(), &[9, 9, 9, 0, 8, 8, 8, 255]);
    }

    // ---- the pipeline hook (SPEC 2.3 priority) -----------------------------------------------

    /// A fake network whose map is 1 on the left half of the input and 0 on the right.
    struct LeftHalf {
        calls: usize,
    }

    impl MaskModel for LeftHalf {
        fn preprocess(&self) -> Preprocess {
            Preprocess::IsNet
        }
        fn run(&mut self, overlay: &RgbaImage) -> Result<MaskMap> {
            self.calls += 1;
            let t = prepare(overlay, Preprocess::IsNet)?;
            assert_eq!(t.dims, [1, 3, 1024, 1024]);
            let data = (0..1024 * 1024)
                .map(|i| if i % 1024 < 512 { 1.0 } else { 0.0 })
                .collect();
            MaskMap::new(1024, 1024, data)
        }
    }

    fn v2(extra: serde_json::Value, with_mask: bool) -> crate::params::SuperimposeV2 {
        // Base 8×4 black; overlay 4×4 white (alpha 255) placed at the centre (left 2, top 0).
        let mut body = serde_json::json!({
                        "blend_mode": "normal", "opacity": 100, "x_percent": 50, "y_percent": 50,
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let mut pixels = vec![
            (
                "base_image".to_string(),
                RgbaImage::filled(8, 4, [0, 0, 0, 255]).unwrap(),
            ),
            (
                "overlay_image".to_string(),
                RgbaImage::filled(4, 4, [255, 255, 255, 255]).unwrap(),
            ),
        ];
        if with_mask {
            pixels.push((
                "mask".to_string(),
                RgbaImage::filled(4, 4, [255, 255, 255, 255]).unwrap(),
            ));
        }
        crate::params::SuperimposeV2::from_json(body.as_object().unwrap(), pixels).unwrap()
    }

    fn row0(out: &crate::pipeline::Output) -> Vec<u8> {
        out.image.row(0).chunks_exact(4).map(|p| p[0]).collect()
    }

    #[test]
    fn pipeline_uses_the_model_matte() {
        use crate::pipeline::superimpose_v2_with_model;
        for extra in [
            serde_json::json!({"bg_remove_model": "IsNet"}),
            serde_json::json!({}),
        ] {
            let mut m = LeftHalf { calls: 0 };
            let out = superimpose_v2_with_model(v2(extra, false), Some(&mut m)).unwrap();
            assert_eq!(m.calls, 1);
            assert!(out.warnings.is_empty());
            // Overlay columns 2..6: the model keeps the left half. Pillow bilinear 1024 → 4
            // antialiases with support 256: column 1 (centre 384) sees j ∈ [128, 640), and the
            // triangle's tail beyond 512 holds 1/8 of the weight → 255·7/8 = 223.1 → 223;
            // column 2 mirrors it: 255/8 = 31.9 → 32.
            assert_eq!(row0(&out), [0, 0, 255, 223, 32, 0, 0, 0]);
        }
    }

    #[test]
    fn pipeline_mask_beats_model_and_none_skips_it() {
        use crate::pipeline::superimpose_v2_with_model;
        let mut m = LeftHalf { calls: 0 };
        let out = superimpose_v2_with_model(
            v2(serde_json::json!({"bg_remove_model": "IsNet"}), true),
            Some(&mut m),
        )
        .unwrap();
        assert_eq!(m.calls, 0);
        assert_eq!(row0(&out), [0, 0, 255, 255, 255, 255, 0, 0]);
        let out = superimpose_v2_with_model(
            v2(serde_json::json!({"bg_remove_model": "None"}), false),
            Some(&mut m),
        )
        .unwrap();
        assert_eq!(m.calls, 0);
        assert_eq!(row0(&out), [0, 0, 255, 255, 255, 255, 0, 0]);
    }

    #[test]
    fn pipeline_without_a_model() {
        use crate::pipeline::superimpose_v2_with_model;
        let e = superimpose_v2_with_model(
            v2(serde_json::json!({"bg_remove_model": "Bria"}), false),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ModelUnavailable);
        assert_eq!(e.param_name(), Some("bg_remove_model"));
        assert!(
            e.message().contains("registerBackgroundModel(\"Bria\""),
            "{}",
            e.message()
        );
        let out = superimpose_v2_with_model(v2(serde_json::json!({}), false), None).unwrap();
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("ran as \"None\""));
        assert_eq!(row0(&out), [0, 0, 255, 255, 255, 255, 0, 0]);
    }

    #[test]
    fn pipeline_passes_model_errors_on() {
        let mut m = TensorModel {
            preprocess: Preprocess::IsNet,
            infer: |_: &Tensor| Err(Error::new(ErrorCode::Aborted, "stopped")),
        };
        let e = crate::pipeline::superimpose_v2_with_model(
            v2(serde_json::json!({"bg_remove_model": "IsNet"}), false),
            Some(&mut m),
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Aborted);
    }
}
