//! The two pipelines: Superimpose v2 (SPEC 2.2) and Superimpose v1 (SPEC 3.2).
//!
//! Both work only on the overlay's own pixels (mirror, scale, rotate) and on the rectangle of the
//! base it covers (blend + mask composite); the rest of the base is never touched.

use crate::bgmask::{self, MaskModel};
use crate::blend::{self, Blender};
use crate::codec;
use crate::error::{Error, ErrorCode, Result};
use crate::image::{GrayImage, RgbaImage};
use crate::params::{
    BgRemoveModel, ImageSource, Mirror, OverlayResize, ScaleFilter, SuperimposeV1, SuperimposeV2,
};
use crate::resample::{self, Filter};
use crate::rotate::{self, Sampler};

/// The result of a pipeline: the composite (RGB, alpha 255, the base's size) and any warnings
/// (for example that the API's default background removal was not run).
#[derive(Debug, Clone)]
pub struct Output {
    /// The composite. Its alpha channel is 255 everywhere (the output is RGB).
    pub image: RgbaImage,
    /// Human-readable notes about choices the call made for the caller.
    pub warnings: Vec<String>,
}

/// Resolve an image field to pixels.
fn load(field: &str, src: ImageSource) -> Result<RgbaImage> {
    codec::load(src).map_err(|e| {
        if e.param_name().is_some() {
            e
        } else {
            Error::param(e.code(), field, format!("`{field}`: {}", e.message()))
        }
    })
}

/// The base as the pipelines use it: its alpha discarded (RGB kept as stored), SPEC 0.
fn opaque_base(mut base: RgbaImage) -> RgbaImage {
    base.set_opaque();
    base
}

/// Replace the 4th channel of `img` by `plane` (same size).
fn put_alpha(img: &mut RgbaImage, plane: &GrayImage) -> Result<()> {
    if (img.width(), img.height()) != (plane.width(), plane.height()) {
        return Err(Error::internal("alpha plane size differs from the overlay"));
    }
    for (p, &m) in img.data_mut().chunks_exact_mut(4).zip(plane.data()) {
        p[3] = m;
    }
    Ok(())
}

/// `trunc(v)` of a finite f64 into a checked pixel size for `param`.
fn scaled_side(param: &str, side: u32, factor: f64) -> Result<u32> {
    let v = (side as f64 * factor).trunc();
    if v.is_nan() || v < 1.0 {
        return Err(Error::param(
            ErrorCode::Dimensions,
            param,
            format!("`{param}` = {factor} turns a {side}-px side into {v} px; the result must be at least 1 px"),
        ));
    }
    if v > u32::MAX as f64 {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            format!("`{param}` = {factor} makes a {v}-px side"),
        ));
    }
    Ok(v as u32)
}

/// The overlay's scaled size, refused before any allocation when over the pixel limit.
fn checked_size(param: &str, w: u32, h: u32) -> Result<(u32, u32)> {
    crate::image::check_dimensions(w, h).map_err(|e| {
        Error::param(
            e.code(),
            param,
            format!("`{param}` gives a {w}×{h} overlay: {}", e.message()),
        )
    })?;
    Ok((w, h))
}

/// The rotation sampler Superimpose v2 uses for a `resize_method` (SPEC 2.2 step 3).
pub fn v2_rotation_sampler(method: Filter) -> Sampler {
    match method {
        Filter::Nearest | Filter::Box => Sampler::Nearest,
        Filter::Bilinear => Sampler::Bilinear,
        Filter::Bicubic | Filter::Lanczos => Sampler::Bicubic,
    }
}

/// Run Superimpose v2 on a parsed body with no background-removal model registered
/// ([`superimpose_v2_with_model`] with `None`).
///
/// # Errors
/// As [`superimpose_v2_with_model`].
pub fn superimpose_v2(p: SuperimposeV2) -> Result<Output> {
    superimpose_v2_with_model(p, None)
}

/// Run Superimpose v2 on a parsed body; `model` is the background-removal model registered for
/// the body's `bg_remove_model` (the caller picks it by name), if any.
///
/// Alpha priority (SPEC 2.3): `mask` > the model's matte (multiplied into the overlay's own
/// alpha, [`crate::bgmask`]) > the overlay's alpha. With no model: an explicit `"IsNet"` /
/// `"Bria"` fails with `E_MODEL_UNAVAILABLE`; an omitted `bg_remove_model` (API default
/// `"Bria"`) runs as `"None"` and says so in [`Output::warnings`].
///
/// # Errors
/// Image loading errors (named after the field), `E_DIMENSIONS` when `rescale_factor` yields a
/// 0-px side, `E_IMAGE_TOO_LARGE` when a step would exceed the pixel limit,
/// `E_MODEL_UNAVAILABLE` as above, and the model's own errors.
pub fn superimpose_v2_with_model(
    p: SuperimposeV2,
    model: Option<&mut dyn MaskModel>,
) -> Result<Output> {
    let l = load_v2_with_model(p, model)?;
    let image = composite_v2(l.base, &l.overlay, l.mask.as_ref(), &l.settings)?;
    Ok(Output {
        image,
        warnings: l.warnings,
    })
}

/// A v2 body with its images decoded (the base as decoded: the backends discard its alpha; the overlay's alpha already
/// multiplied by a background-removal model's matte when one ran), ready for a backend.
#[derive(Debug, Clone)]
pub struct LoadedV2 {
    /// The base as decoded (alpha discarded by the backends).
    pub base: RgbaImage,
    /// The overlay as decoded (and matted, see above).
    pub overlay: RgbaImage,
    /// The mask image, if given.
    pub mask: Option<RgbaImage>,
    /// Everything but the images.
    pub settings: V2Settings,
    /// Warnings for the caller (see [`Output::warnings`]).
    pub warnings: Vec<String>,
}

/// The loading half of [`superimpose_v2`] with no model: see [`load_v2_with_model`].
///
/// # Errors
/// As [`load_v2_with_model`].
pub fn load_v2(p: SuperimposeV2) -> Result<LoadedV2> {
    load_v2_with_model(p, None)
}

/// The loading half of [`superimpose_v2_with_model`]: the background-removal rules (SPEC 2.3),
/// the model run and the image decoding — everything before a backend composites.
///
/// # Errors
/// As [`superimpose_v2_with_model`], without the compositing errors.
pub fn load_v2_with_model(p: SuperimposeV2, model: Option<&mut dyn MaskModel>) -> Result<LoadedV2> {
    p.check_memory_budget()?;
    let mut warnings = Vec::new();
    let use_model = p.mask.is_none() && p.bg_remove_model != BgRemoveModel::None;
    let model = if use_model { model } else { None };
    if use_model && model.is_none() {
        if p.bg_remove_model_explicit {
            let name = p.bg_remove_model.as_str();
            return Err(Error::param(
                ErrorCode::ModelUnavailable,
                "bg_remove_model",
                format!(
                    "background removal model {name:?} is not registered; register one with \
                     `registerBackgroundModel({name:?}, {{url, preprocess}})`, pass \
                     `bg_remove_model: \"None\"` (the overlay's own alpha is used), give a \
                     `mask`, or run the body remotely on Segmind's superimpose-v2"
                ),
            ));
        }
        warnings.push(
            "bg_remove_model was not given (API default \"Bria\") and no \"Bria\" \
             background-removal model is registered: ran as \"None\" (the overlay's own alpha is \
             the mask)"
                .to_string(),
        );
    }
    let settings = V2Settings::of(&p);
    // The base's alpha is discarded once, by `composite_v2` or the GPU path.
    let base = load("base_image", p.base_image)?;
    let mut overlay = load("overlay_image", p.overlay_image)?;
    if let Some(model) = model {
        overlay = bgmask::remove_background(&overlay, model)?;
    }
    let mask = match p.mask {
        Some(m) => Some(load("mask", m)?),
        None => None,
    };
    Ok(LoadedV2 {
        base,
        overlay,
        mask,
        settings,
        warnings,
    })
}

/// Superimpose v2's numeric settings (everything but the images).
#[derive(Debug, Clone, PartialEq)]
pub struct V2Settings {
    /// The blend mode.
    pub blend_mode: crate::blend::BlendMode,
    /// Mirror before scaling.
    pub mirror: Mirror,
    /// 0–100.
    pub opacity: f64,
    /// > 0, ≤ 100.
    pub rescale_factor: f64,
    /// The overlay's resize filter (and the rotation sampler, SPEC 2.2).
    pub resize_method: Filter,
    /// Degrees, counter-clockwise.
    pub rotation: i64,
    /// Overlay centre, percent of the base width.
    pub x_percent: i64,
    /// Overlay centre, percent of the base height.
    pub y_percent: i64,
    /// The compatibility switch of SPEC 2.2.
    pub scale_filter: ScaleFilter,
    /// The dissolve seed.
    pub seed: u32,
}

impl V2Settings {
    /// The settings of a parsed body.
    pub fn of(p: &SuperimposeV2) -> V2Settings {
        V2Settings {
            blend_mode: p.blend_mode,
            mirror: p.mirror,
            opacity: p.opacity,
            rescale_factor: p.rescale_factor,
            resize_method: p.resize_method,
            rotation: p.rotation,
            x_percent: p.x_percent,
            y_percent: p.y_percent,
            scale_filter: p.scale_filter,
            seed: p.seed,
        }
    }
}

/// Prepare the v2 overlay: RGB from `overlay`, the alpha plane M (mask luminance, else the
/// overlay's alpha) in the 4th byte, mirrored, scaled and rotated (SPEC 2.2 steps 1–3).
pub fn prepare_overlay_v2(
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
) -> Result<RgbaImage> {
    rotated_overlay_v2(scaled_overlay_v2(overlay, mask, s)?, s)
}

/// SPEC 2.2 steps 1–2 of [`prepare_overlay_v2`]: the overlay with M in its 4th byte, mirrored
/// and scaled (not yet rotated).
pub fn scaled_overlay_v2(
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
) -> Result<RgbaImage> {
    let (w, h) = (overlay.width(), overlay.height());
    // The mirror is made while copying (one pass instead of a copy and an in-place flip).
    let mut ov = match s.mirror {
        Mirror::Horizontal => rotate::flipped_horizontal(overlay),
        Mirror::None | Mirror::Vertical => overlay.clone(),
    };
    if let Some(mask) = mask {
        let mut m = GrayImage::luminance_of(mask);
        if (m.width(), m.height()) != (w, h) {
            m = resample::resize(&m, w, h, Filter::Bicubic)?;
        }
        if s.mirror == Mirror::Horizontal {
            rotate::flip_horizontal_in_place(&mut m);
        }
        put_alpha(&mut ov, &m)?;
    }
    if s.mirror == Mirror::Vertical {
        rotate::flip_vertical_in_place(&mut ov);
    }
    let (w1, h1) = checked_size(
        "rescale_factor",
        scaled_side("rescale_factor", w, s.rescale_factor)?,
        scaled_side("rescale_factor", h, s.rescale_factor)?,
    )?;
    if (w1, h1) != (w, h) {
        ov = resample::resize(&ov, w1, h1, v2_scale_filter(s))?;
    }
    Ok(ov)
}

/// SPEC 2.2 step 3 on the scaled overlay of [`scaled_overlay_v2`].
pub fn rotated_overlay_v2(scaled: RgbaImage, s: &V2Settings) -> Result<RgbaImage> {
    if s.rotation.rem_euclid(360) == 0 {
        return Ok(scaled);
    }
    rotate::rotate(
        &scaled,
        s.rotation as f64,
        v2_rotation_sampler(s.resize_method),
    )
}

/// The v2 overlay's scaled size (SPEC 2.2 step 2): `trunc(w·f) × trunc(h·f)`, checked.
///
/// # Errors
/// `E_DIMENSIONS` for a 0-px side, `E_IMAGE_TOO_LARGE` over the pixel limit.
pub fn v2_scaled_size(w: u32, h: u32, factor: f64) -> Result<(u32, u32)> {
    checked_size(
        "rescale_factor",
        scaled_side("rescale_factor", w, factor)?,
        scaled_side("rescale_factor", h, factor)?,
    )
}

/// Where v2 puts an overlay of `w2 × h2` on a `bw × bh` base (SPEC 2.2 step 4).
pub fn v2_placement(
    bw: u32,
    bh: u32,
    w2: u32,
    h2: u32,
    x_percent: i64,
    y_percent: i64,
) -> (i64, i64) {
    let left = (bw as f64 * x_percent as f64 / 100.0 - w2 as f64 / 2.0).trunc() as i64;
    let top = (bh as f64 * y_percent as f64 / 100.0 - h2 as f64 / 2.0).trunc() as i64;
    (left, top)
}

/// SPEC 2.2 on decoded images: `base` is consumed and returned composited.
///
/// # Errors
/// As [`superimpose_v2`], without the loading errors.
pub fn composite_v2(
    mut base: RgbaImage,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
) -> Result<RgbaImage> {
    V2Blocks::new((base.width(), base.height()), overlay, mask, s)?.block(0, &mut base);
    Ok(base)
}

/// SPEC 2.2 for a base that arrives in blocks of rows: the overlay prepared once (mirrored,
/// scaled, rotated), then [`block`](Self::block) composites any rows of the base, with the same
/// bytes as [`composite_v2`] on the whole base. The wasm API streams a base that is still in JS
/// memory through one small block, read and written while it is in cache, instead of copying
/// the whole base into wasm memory, discarding its alpha in a separate pass and copying it out.
pub struct V2Blocks {
    overlay: RgbaImage,
    left: i64,
    top: i64,
    blender: Blender,
}

impl V2Blocks {
    /// Prepare the overlay for a `base` = `(width, height)` base.
    ///
    /// # Errors
    /// As [`composite_v2`].
    pub fn new(
        base: (u32, u32),
        overlay: &RgbaImage,
        mask: Option<&RgbaImage>,
        s: &V2Settings,
    ) -> Result<V2Blocks> {
        crate::image::check_budget(
            "this superimpose-v2 call",
            crate::params::v2_budget(base, overlay, mask, s),
        )?;
        let blender = Blender::new(s.blend_mode, s.opacity / 100.0, s.seed)?;
        let ov = prepare_overlay_v2(overlay, mask, s)?;
        let (left, top) = v2_placement(
            base.0,
            base.1,
            ov.width(),
            ov.height(),
            s.x_percent,
            s.y_percent,
        );
        // The table decision on the whole overlap, not per block (a block may hold a sliver).
        if let Some((x0, y0, x1, y1)) =
            blend::overlap(base.0, base.1, ov.width(), ov.height(), left, top)
        {
            blender.prepare(u64::from(x1 - x0) * u64::from(y1 - y0));
        }
        Ok(V2Blocks {
            overlay: ov,
            left,
            top,
            blender,
        })
    }

    /// Composite `rows`, rows `[row0, row0 + rows.height())` of the base (its full width): the
    /// alpha discarded (SPEC 0), then the overlay's part in these rows blended in.
    pub fn block(&self, row0: u32, rows: &mut RgbaImage) {
        // A streamed block is in cache and small: splitting its OR pass across the threads
        // build's pool cost more than it saved (Node, 4K: 13.5–14.1 → 13.1–13.2 ms).
        if rows.data().len() <= 1 << 20 {
            rows.set_opaque_unsplit();
        } else {
            rows.set_opaque();
        }
        blend::composite_at_rows(
            rows,
            row0,
            &self.overlay,
            self.left,
            self.top,
            &self.blender,
        );
    }
}

/// What a band of the base needs of the v2 overlay.
struct BandPlan {
    /// The prepared overlay's top-left on the base.
    left: i64,
    top: i64,
    /// Its rows under the band, `[oy0, oy1)`.
    oy0: u32,
    oy1: u32,
    /// The base columns it covers inside the crop, `[bx0, bx1)` (absolute).
    bx0: i64,
    bx1: i64,
    /// The scaled overlay's size.
    scaled: (u32, u32),
    /// The rotation (degrees, sampler), if any.
    rotation: Option<(f64, Sampler)>,
    /// The rectangle `(x0, y0, x1, y1)` of the scaled overlay the band reads.
    src_rect: (u32, u32, u32, u32),
}

/// Map base rows `[y0, y1)` of a `bw × base_height` base back to the scaled overlay (of an
/// overlay `w × h`): `None` when the overlay does not touch the band.
fn plan_band(
    (bw, base_height): (u32, u32),
    (cx0, cx1): (u32, u32),
    (y0, y1): (u32, u32),
    (w, h): (u32, u32),
    s: &V2Settings,
) -> Result<Option<BandPlan>> {
    resample::check_band("band", y0, y1, base_height)?;
    resample::check_band("band", cx0, cx1, bw)?;
    let (w1, h1) = v2_scaled_size(w, h, s.rescale_factor)?;
    let rotation = (s.rotation.rem_euclid(360) != 0)
        .then(|| (s.rotation as f64, v2_rotation_sampler(s.resize_method)));
    let (w2, h2) = match rotation {
        Some((deg, _)) => rotate::rotated_size(w1, h1, deg)?,
        None => (w1, h1),
    };
    let (left, top) = v2_placement(bw, base_height, w2, h2, s.x_percent, s.y_percent);
    let oy0 = (i64::from(y0) - top).max(0);
    let oy1 = (i64::from(y1) - top).min(i64::from(h2));
    let bx0 = left.max(i64::from(cx0));
    let bx1 = (left + i64::from(w2)).min(i64::from(cx1));
    if oy0 >= oy1 || bx0 >= bx1 {
        return Ok(None);
    }
    let (oy0, oy1) = (oy0 as u32, oy1 as u32);
    let src_rect = match rotation {
        Some((deg, sampler)) => rotate::source_rect(w1, h1, deg, sampler, oy0, oy1)?,
        None => (0, oy0, w1, oy1),
    };
    Ok(Some(BandPlan {
        left,
        top,
        oy0,
        oy1,
        bx0,
        bx1,
        scaled: (w1, h1),
        rotation,
        src_rect,
    }))
}

/// Rotate the plan's rows from `scaled` (a window on the scaled overlay holding the plan's
/// `src_rect`) and composite them onto `band` (base rows from `y0`) at absolute coordinates.
fn finish_band(
    mut band: RgbaImage,
    (x0, y0): (u32, u32),
    p: &BandPlan,
    scaled: resample::Window<'_, 4>,
    blender: &Blender,
) -> Result<RgbaImage> {
    let ov = match p.rotation {
        Some((deg, sampler)) => rotate::rotate_window_rows(scaled, deg, sampler, p.oy0, p.oy1)?,
        None => {
            let (w1, _) = p.scaled;
            if !scaled.full_width() || !scaled.holds(0, p.oy0, w1, p.oy1) {
                return Err(Error::internal("finish_band: the scaled rows are not held"));
            }
            resample::rows_of(scaled.pixels, p.oy0 - scaled.y0, p.oy1 - scaled.y0)?
        }
    };
    let n = (p.bx1 - p.bx0) as usize;
    let ox0 = (p.bx0 - p.left) as usize;
    // Columns inside the crop: bx0 ≥ x0 (plan_band clamps to the crop).
    let cx = (p.bx0 - i64::from(x0)) as usize;
    blender.prepare((n as u64) * u64::from(p.oy1 - p.oy0));
    for oy in p.oy0..p.oy1 {
        let by = (i64::from(oy) + p.top) as u32; // inside [y0, y1) by construction
        let orow = ov.row(oy - p.oy0);
        let brow = band.row_mut(by - y0);
        let (Some(b), Some(o)) = (
            brow.get_mut(cx * 4..(cx + n) * 4),
            orow.get(ox0 * 4..(ox0 + n) * 4),
        ) else {
            return Err(Error::internal("composite_v2_band: row out of range"));
        };
        blender.composite_row(b, o, p.bx0 as u32, by);
    }
    Ok(band)
}

fn check_band_budget(
    band: &RgbaImage,
    overlay: (u32, u32),
    mask: Option<(u32, u32)>,
    s: &V2Settings,
) -> Result<()> {
    crate::image::check_budget(
        "this superimpose-v2 band",
        crate::params::v2_peak_bytes(
            (band.width(), band.height()),
            overlay,
            mask,
            s.rescale_factor,
            s.rotation,
            false,
        ),
    )
}

/// Rows `[y0, y0 + base_band.height())` of [`composite_v2`] on a base of `base_band.width() ×
/// base_height`, byte for byte, given only those rows of the base (`base_band`, consumed and
/// returned composited; its alpha is discarded as [`composite_v2`] does).
///
/// Only the overlay work the band needs is done: the band's base rows map to rows of the
/// prepared overlay ([`v2_placement`]), those to the rotation's source rows
/// ([`rotate::source_rect`]), those to the resize's output rows and then its input rows
/// ([`resample::input_rows`]), reversed for a vertical mirror. Dissolve draws from the absolute
/// base coordinates, so a split into bands gives the same bytes as one call. (A rotated
/// overlay's row band reads most of the scaled overlay: [`scaled_overlay_rows_v2`] +
/// [`composite_v2_band_scaled`] split that work too.)
///
/// # Errors
/// As [`composite_v2`]; `E_PARAM_RANGE` (param `band`) when the band is not inside the base.
pub fn composite_v2_band(
    base_band: RgbaImage,
    base_height: u32,
    y0: u32,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
) -> Result<RgbaImage> {
    let y1 = y0.saturating_add(base_band.height());
    let dims = |i: &RgbaImage| (i.width(), i.height());
    check_band_budget(&base_band, dims(overlay), mask.map(dims), s)?;
    let blender = Blender::new(s.blend_mode, s.opacity / 100.0, s.seed)?;
    let band = opaque_base(base_band);
    let bw = band.width();
    let Some(p) = plan_band((bw, base_height), (0, bw), (y0, y1), dims(overlay), s)? else {
        return Ok(band);
    };
    let (w1, h1) = p.scaled;
    let (sx0, sy0, _, _) = p.src_rect;
    let scaled = scaled_overlay_region_v2(overlay, mask, s, p.scaled, p.src_rect)?;
    let win = resample::Window {
        pixels: &scaled,
        x0: sx0,
        y0: sy0,
        full_w: w1,
        full_h: h1,
    };
    finish_band(band, (0, y0), &p, win, &blender)
}

/// The filter that scales the v2 overlay (SPEC 2.2 step 2 and its compatibility switch).
pub fn v2_scale_filter(s: &V2Settings) -> Filter {
    match s.scale_filter {
        ScaleFilter::ResizeMethod => s.resize_method,
        ScaleFilter::Bicubic => Filter::Bicubic,
    }
}

/// Rows `[y0, y1)` (every column) of the v2 overlay after the mirror, the alpha plane and the
/// scaling (SPEC 2.2 steps 1–2), before the rotation: the same bytes as those rows of the full
/// preparation. The first phase of a split: see [`composite_v2_band_scaled`].
///
/// # Errors
/// As [`composite_v2`]; `E_PARAM_RANGE` (param `band`) for rows outside the scaled overlay.
pub fn scaled_overlay_rows_v2(
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
    y0: u32,
    y1: u32,
) -> Result<RgbaImage> {
    let (w1, h1) = v2_scaled_size(overlay.width(), overlay.height(), s.rescale_factor)?;
    resample::check_band("band", y0, y1, h1)?;
    scaled_overlay_region_v2(overlay, mask, s, (w1, h1), (0, y0, w1, y1))
}

/// The rectangle `rect = (x0, y0, x1, y1)` of the v2 overlay mirrored (+ mask) and scaled to
/// `scaled` (SPEC 2.2 steps 1–2), preparing only the overlay rows the resize reads.
fn scaled_overlay_region_v2(
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
    scaled: (u32, u32),
    rect: (u32, u32, u32, u32),
) -> Result<RgbaImage> {
    let (w, h) = (overlay.width(), overlay.height());
    let (w1, h1) = scaled;
    let filter = v2_scale_filter(s);
    let (iy0, iy1) = resample::input_rows(w, h, w1, h1, filter, rect.1, rect.3)?;
    let src = overlay_rows_v2(overlay, mask, s.mirror, iy0, iy1)?;
    let win = resample::Window {
        pixels: &src,
        x0: 0,
        y0: iy0,
        full_w: w,
        full_h: h,
    };
    resample::resize_region(win, w1, h1, filter, rect)
}

/// [`composite_v2_band`] from the scaled overlay (`scaled`, the whole of
/// [`scaled_overlay_rows_v2`] of an overlay `overlay_w × overlay_h`), on a crop of the base:
/// `base_crop` holds the pixels `[x0, x0 + width) × [y0, y0 + height)` of a `base_w × base_h`
/// base and is returned composited (alpha 255, as [`composite_v2`]). Only the rotation of the
/// crop's rows and the composite remain; a crop that covers just the overlay's rectangle
/// ([`v2_prepared_placement`]) leaves the rest of the base to the caller (its RGB unchanged,
/// alpha 255).
///
/// # Errors
/// As [`composite_v2_band`]; `E_PARAM_RANGE` (param `band`) for a crop outside the base;
/// `E_DIMENSIONS` when `scaled` is not the scaled size of the overlay.
pub fn composite_v2_crop_scaled(
    base_crop: RgbaImage,
    (x0, y0): (u32, u32),
    (base_w, base_h): (u32, u32),
    scaled: &RgbaImage,
    (overlay_w, overlay_h): (u32, u32),
    s: &V2Settings,
) -> Result<RgbaImage> {
    let y1 = y0.saturating_add(base_crop.height());
    let x1 = x0.saturating_add(base_crop.width());
    let want = v2_scaled_size(overlay_w, overlay_h, s.rescale_factor)?;
    if (scaled.width(), scaled.height()) != want {
        return Err(Error::dimensions(format!(
            "the scaled overlay is {}×{}; a {overlay_w}×{overlay_h} overlay scaled by {} is {}×{}",
            scaled.width(),
            scaled.height(),
            s.rescale_factor,
            want.0,
            want.1
        )));
    }
    check_band_budget(&base_crop, (overlay_w, overlay_h), None, s)?;
    let blender = Blender::new(s.blend_mode, s.opacity / 100.0, s.seed)?;
    let crop = opaque_base(base_crop);
    let Some(p) = plan_band(
        (base_w, base_h),
        (x0, x1),
        (y0, y1),
        (overlay_w, overlay_h),
        s,
    )?
    else {
        return Ok(crop);
    };
    finish_band(
        crop,
        (x0, y0),
        &p,
        resample::Window::whole(scaled),
        &blender,
    )
}

/// [`composite_v2_crop_scaled`] on full-width rows `[y0, y0 + base_band.height())`.
///
/// # Errors
/// As [`composite_v2_crop_scaled`].
pub fn composite_v2_band_scaled(
    base_band: RgbaImage,
    base_height: u32,
    y0: u32,
    scaled: &RgbaImage,
    overlay: (u32, u32),
    s: &V2Settings,
) -> Result<RgbaImage> {
    let bw = base_band.width();
    composite_v2_crop_scaled(base_band, (0, y0), (bw, base_height), scaled, overlay, s)
}

/// The prepared (scaled and rotated) v2 overlay's size `(w₂, h₂)` and its top-left
/// `(left, top)` on a `base_w × base_h` base (SPEC 2.2 steps 2–4), for an overlay `w × h`:
/// the base outside `[left, left + w₂) × [top, top + h₂)` is only made opaque.
///
/// # Errors
/// As [`v2_scaled_size`] and [`rotate::rotated_size`].
pub fn v2_prepared_placement(
    (base_w, base_h): (u32, u32),
    (w, h): (u32, u32),
    s: &V2Settings,
) -> Result<((u32, u32), (i64, i64))> {
    let (w1, h1) = v2_scaled_size(w, h, s.rescale_factor)?;
    let (w2, h2) = if s.rotation.rem_euclid(360) != 0 {
        rotate::rotated_size(w1, h1, s.rotation as f64)?
    } else {
        (w1, h1)
    };
    Ok((
        (w2, h2),
        v2_placement(base_w, base_h, w2, h2, s.x_percent, s.y_percent),
    ))
}

/// Rows `[y0, y1)` of the v2 overlay before scaling (SPEC 2.2 step 1): RGB of `overlay`, the
/// alpha plane M (mask luminance, bicubic-resized to the overlay's size, else the overlay's
/// alpha) in the 4th byte, mirrored — the same bytes as those rows of the full preparation.
fn overlay_rows_v2(
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    mirror: Mirror,
    y0: u32,
    y1: u32,
) -> Result<RgbaImage> {
    let (w, h) = (overlay.width(), overlay.height());
    // Source rows: a vertical mirror reads rows [h − y1, h − y0), reversed.
    let (a, b) = if mirror == Mirror::Vertical {
        (h - y1, h - y0)
    } else {
        (y0, y1)
    };
    let mut ov = resample::rows_of(overlay, a, b)?;
    if let Some(mask) = mask {
        let m = if (mask.width(), mask.height()) != (w, h) {
            let (my0, my1) =
                resample::input_rows(mask.width(), mask.height(), w, h, Filter::Bicubic, a, b)?;
            let lum = GrayImage::luminance_of(&resample::rows_of(mask, my0, my1)?);
            let win = resample::Window {
                pixels: &lum,
                x0: 0,
                y0: my0,
                full_w: mask.width(),
                full_h: mask.height(),
            };
            resample::resize_region(win, w, h, Filter::Bicubic, (0, a, w, b))?
        } else {
            GrayImage::luminance_of(&resample::rows_of(mask, a, b)?)
        };
        put_alpha(&mut ov, &m)?;
    }
    if mirror == Mirror::Horizontal {
        rotate::flip_horizontal_in_place(&mut ov);
    }
    if mirror == Mirror::Vertical {
        rotate::flip_vertical_in_place(&mut ov);
    }
    Ok(ov)
}

/// `roundHalfEven` of a finite, non-negative f64.
fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

/// Run Superimpose v1 on a parsed body (SPEC 3.2).
///
/// # Errors
/// Image loading errors (named after the field), `E_DIMENSIONS` for a 0-px overlay size,
/// `E_IMAGE_TOO_LARGE` when a step would exceed the pixel limit.
pub fn superimpose_v1(p: SuperimposeV1) -> Result<Output> {
    let l = load_v1(p)?;
    let image = composite_v1(l.base, &l.overlay, l.mask.as_ref(), &l.settings)?;
    Ok(Output {
        image,
        warnings: Vec::new(),
    })
}

/// A v1 body with its images decoded (the base as decoded: the backends discard its alpha),
/// ready for a backend.
#[derive(Debug, Clone)]
pub struct LoadedV1 {
    /// The base as decoded (alpha discarded by the backends).
    pub base: RgbaImage,
    /// The overlay as decoded.
    pub overlay: RgbaImage,
    /// The mask image, if given.
    pub mask: Option<RgbaImage>,
    /// Everything but the images.
    pub settings: V1Settings,
}

/// The loading half of [`superimpose_v1`].
///
/// # Errors
/// Image loading errors (named after the field).
pub fn load_v1(p: SuperimposeV1) -> Result<LoadedV1> {
    p.check_memory_budget()?;
    let s = V1Settings::of(&p);
    // The base's alpha is discarded once, by `composite_v1` or the GPU path.
    let base = load("base_image", p.base_image)?;
    let overlay = load("overlay_image", p.overlay_image)?;
    let mask = match p.mask {
        Some(m) => Some(load("mask", m)?),
        None => None,
    };
    Ok(LoadedV1 {
        base,
        overlay,
        mask,
        settings: s,
    })
}

/// Superimpose v1's settings (everything but the images).
#[derive(Debug, Clone, PartialEq)]
pub struct V1Settings {
    /// How the overlay is sized.
    pub overlay_resize: OverlayResize,
    /// The f32 resampler.
    pub resize_method: resample::V1Method,
    /// > 0, ≤ 16.
    pub rescale_factor: f64,
    /// Target width for the width/height mode.
    pub width: u32,
    /// Target height for the width/height mode.
    pub height: u32,
    /// Overlay top-left x in base pixels (may be negative).
    pub x_offset: i64,
    /// Overlay top-left y in base pixels (may be negative).
    pub y_offset: i64,
    /// Degrees, counter-clockwise.
    pub rotation: i64,
    /// 0–1.
    pub opacity: f64,
}

impl V1Settings {
    /// v1's `opacity` is a fraction: in 0–1.
    ///
    /// # Errors
    /// `E_PARAM_RANGE` (param `opacity`) otherwise.
    pub fn check_opacity(&self) -> Result<()> {
        if (0.0..=1.0).contains(&self.opacity) {
            return Ok(());
        }
        Err(Error::range(
            "opacity",
            format!("`opacity` must be in 0–1; got {}", self.opacity),
        ))
    }

    /// The settings of a parsed v1 body.
    pub fn of(p: &SuperimposeV1) -> V1Settings {
        V1Settings {
            overlay_resize: p.overlay_resize,
            resize_method: p.resize_method,
            rescale_factor: p.rescale_factor,
            width: p.width,
            height: p.height,
            x_offset: p.x_offset,
            y_offset: p.y_offset,
            rotation: p.rotation,
            opacity: p.opacity,
        }
    }
}

/// The v1 overlay's target size (SPEC 3.2 step 2), or `None` for `"None"`.
pub fn v1_target_size(
    bw: u32,
    bh: u32,
    w: u32,
    h: u32,
    s: &V1Settings,
) -> Result<Option<(u32, u32)>> {
    let size = match s.overlay_resize {
        OverlayResize::None => return Ok(None),
        OverlayResize::Fit => {
            let r = (bh as f64 / h as f64).min(bw as f64 / w as f64);
            let fw = round_half_even(w as f64 * r);
            let fh = round_half_even(h as f64 * r);
            if fw < 1.0 || fh < 1.0 {
                return Err(Error::param(
                    ErrorCode::Dimensions,
                    "overlay_resize",
                    format!("`Fit` makes the {w}×{h} overlay {fw}×{fh} px on a {bw}×{bh} base"),
                ));
            }
            (fw as u32, fh as u32)
        }
        OverlayResize::RescaleFactor => (
            scaled_side("rescale_factor", w, s.rescale_factor)?,
            scaled_side("rescale_factor", h, s.rescale_factor)?,
        ),
        OverlayResize::WidthHeight => (s.width, s.height),
    };
    checked_size("overlay_resize", size.0, size.1).map(Some)
}

/// Prepare the v1 overlay: RGB resampled, alpha A (mask luminance, else the overlay's alpha)
/// resized with bicubic when needed, rotated with nearest, opacity applied (SPEC 3.2 steps 1–6).
pub fn prepare_overlay_v1(
    bw: u32,
    bh: u32,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V1Settings,
) -> Result<RgbaImage> {
    let (w, h) = (overlay.width(), overlay.height());
    let alpha = match mask {
        Some(m) => GrayImage::luminance_of(m),
        None => overlay.channel(3),
    };
    let mut ov = match v1_target_size(bw, bh, w, h, s)? {
        None => overlay.clone(),
        Some((tw, th)) => resample::resize_v1(overlay, tw, th, s.resize_method)?,
    };
    let alpha = if (alpha.width(), alpha.height()) != (ov.width(), ov.height()) {
        resample::resize(&alpha, ov.width(), ov.height(), Filter::Bicubic)?
    } else {
        alpha
    };
    put_alpha(&mut ov, &alpha)?;
    if s.rotation.rem_euclid(360) != 0 {
        ov = rotate::rotate(&ov, s.rotation as f64, Sampler::Nearest)?;
    }
    if s.opacity < 1.0 {
        for p in ov.data_mut().chunks_exact_mut(4) {
            p[3] = (p[3] as f64 * s.opacity).trunc() as u8;
        }
    }
    Ok(ov)
}

/// SPEC 3.2 on decoded images: `base` is consumed and returned composited.
///
/// # Errors
/// As [`superimpose_v1`], without the loading errors.
pub fn composite_v1(
    base: RgbaImage,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V1Settings,
) -> Result<RgbaImage> {
    crate::image::check_budget(
        "this superimpose call",
        crate::params::v1_budget(&base, overlay, mask, s),
    )?;
    s.check_opacity()?;
    let mut base = opaque_base(base);
    let ov = prepare_overlay_v1(base.width(), base.height(), overlay, mask, s)?;
    blend::mix_at(&mut base, &ov, s.x_offset, s.y_offset);
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_half_even_ties() {
        assert_eq!(round_half_even(0.5), 0.0);
        assert_eq!(round_half_even(1.5), 2.0);
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(2.4999), 2.0);
        assert_eq!(round_half_even(3.7), 4.0);
    }

    fn noise(w: u32, h: u32, seed: u32) -> RgbaImage {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        let data = (0..w * h * 4)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        RgbaImage::from_vec(w, h, data).unwrap()
    }

    /// The one-pass mirror (mirrored copy, mask plane flipped separately) gives the same
    /// overlay as SPEC 2.2's literal order: O and M together, then flip, then scale.
    #[test]
    fn mirror_fused_into_the_copy_matches_the_literal_order() {
        for (w, h) in [(7u32, 5u32), (8, 3), (1, 4)] {
            let ov = noise(w, h, w * 31 + h);
            let mask = noise(w + 2, h + 1, 99); // different size: bicubic-resized luminance
            for mirror in [Mirror::None, Mirror::Horizontal, Mirror::Vertical] {
                for m in [None, Some(&mask)] {
                    let s = V2Settings {
                        blend_mode: crate::blend::BlendMode::Multiply,
                        mirror,
                        opacity: 90.0,
                        rescale_factor: 1.5,
                        resize_method: Filter::Lanczos,
                        rotation: 0,
                        x_percent: 50,
                        y_percent: 50,
                        scale_filter: ScaleFilter::ResizeMethod,
                        seed: 0,
                    };
                    let got = prepare_overlay_v2(&ov, m, &s).unwrap();
                    let mut want = ov.clone();
                    if let Some(mk) = m {
                        let l = GrayImage::luminance_of(mk);
                        let l = resample::resize(&l, w, h, Filter::Bicubic).unwrap();
                        put_alpha(&mut want, &l).unwrap();
                    }
                    match mirror {
                        Mirror::None => {}
                        Mirror::Horizontal => rotate::flip_horizontal_in_place(&mut want),
                        Mirror::Vertical => rotate::flip_vertical_in_place(&mut want),
                    }
                    let want = resample::resize(&want, got.width(), got.height(), Filter::Lanczos)
                        .unwrap();
                    assert!(got == want, "{w}x{h} {mirror:?} mask={}", m.is_some());
                }
            }
        }
    }

    #[test]
    fn placement_truncates_toward_zero() {
        // 0.5·W − w/2 = −3.7 → −3 (toward zero), not −4.
        assert_eq!(v2_placement(10, 10, 17, 2, 15, 50).0, -7); // 1.5 − 8.5 = −7
        assert_eq!(v2_placement(10, 10, 27, 2, 98, 50).0, -3); // 9.8 − 13.5 = −3.7 → −3
        assert_eq!(v2_placement(640, 427, 154, 154, 50, 65), (243, 200)); // 277.55 − 77
    }
}
