//! A resident Superimpose v2 scene: the interactive form of [`crate::pipeline::superimpose_v2`].
//!
//! An editor re-composites on every pointer move, and during a drag most of the body stays
//! the same: the images, the scale, the rotation and the mirror. A [`SceneV2`] keeps the
//! decoded images, the prepared overlay (mirrored, mask applied, scaled, rotated: SPEC 2.2
//! steps 1–3) and the composited frame between renders, and on each render redoes only what
//! the changed settings need:
//!
//! - `x_percent`, `y_percent`, `blend_mode`, `opacity`, `seed`: the previous composite is
//!   undone (the base pixels under it were saved) and the overlay is composited at the new
//!   place: work proportional to the overlay's area, not the base's;
//! - `rotation`: the kept scaled overlay is rotated again (no resize);
//! - `rescale_factor`, `resize_method`, `mirror`, `scale_filter`: the overlay is scaled and
//!   rotated again first (the cost of a one-shot call's overlay work).
//!
//! Every render gives exactly the bytes [`crate::pipeline::superimpose_v2`] gives for the same
//! body (tests/scene.rs checks this over sequences of changes), and reports the rectangle of
//! the frame it changed, so a caller can copy out or repaint only that.

use crate::blend::{self, Blender};
use crate::error::Result;
use crate::image::RgbaImage;
use crate::params::Mirror;
use crate::pipeline::{self, LoadedV1, LoadedV2, V1Settings, V2Settings};
use crate::resample::Filter;
use crate::rotate::Sampler;

/// A rectangle of the frame, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width (≥ 1).
    pub width: u32,
    /// Height (≥ 1).
    pub height: u32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(self, o: Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        let x1 = (self.x + self.width).max(o.x + o.width);
        let y1 = (self.y + self.height).max(o.y + o.height);
        Rect {
            x,
            y,
            width: x1 - x,
            height: y1 - y,
        }
    }
}

/// The settings that decide the scaled overlay (SPEC 2.2 steps 1–2).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ScaleKey {
    mirror: Mirror,
    rescale_factor: f64,
    filter: Filter,
}

/// The settings that decide the rotation (SPEC 2.2 step 3).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RotateKey {
    rotation: i64,
    sampler: Sampler,
}

impl ScaleKey {
    fn of(s: &V2Settings) -> ScaleKey {
        ScaleKey {
            mirror: s.mirror,
            rescale_factor: s.rescale_factor,
            filter: pipeline::v2_scale_filter(s),
        }
    }
}

impl RotateKey {
    fn of(s: &V2Settings) -> RotateKey {
        RotateKey {
            rotation: s.rotation.rem_euclid(360),
            sampler: pipeline::v2_rotation_sampler(s.resize_method),
        }
    }
}

/// The base pixels under the last composite.
#[derive(Debug)]
struct Saved {
    rect: Rect,
    /// `rect.width × rect.height` RGBA, row by row.
    pixels: Vec<u8>,
}

/// A resident Superimpose v2 scene (see the module docs).
#[derive(Debug)]
pub struct SceneV2 {
    overlay: RgbaImage,
    mask: Option<RgbaImage>,
    settings: V2Settings,
    /// The mirrored, masked, scaled overlay (kept so a new rotation skips the resize).
    scaled: Option<(ScaleKey, RgbaImage)>,
    /// That overlay rotated: what is composited.
    prepared: Option<(RotateKey, RgbaImage)>,
    resident: Resident,
    /// Whether the frame holds the composite of `settings` (false until the first render).
    rendered: bool,
    warnings: Vec<String>,
}

/// What a render changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The frame is as it was (the settings did not change).
    None,
    /// Only this rectangle of the frame changed.
    Rect(Rect),
}

impl Change {
    /// The changed rectangle, if any.
    pub fn rect(self) -> Option<Rect> {
        match self {
            Change::None => None,
            Change::Rect(r) => Some(r),
        }
    }
}

impl SceneV2 {
    /// A scene from a loaded body (see [`pipeline::load_v2_with_model`]). Nothing is
    /// composited until the first [`render`](Self::render).
    ///
    /// # Errors
    /// `E_MEMORY_BUDGET` when the scene's images would exceed the memory budget.
    pub fn new(l: LoadedV2) -> Result<SceneV2> {
        crate::image::check_budget(
            "this scene",
            crate::params::v2_budget(
                (l.base.width(), l.base.height()),
                &l.overlay,
                l.mask.as_ref(),
                &l.settings,
            ),
        )?;
        Ok(SceneV2 {
            overlay: l.overlay,
            mask: l.mask,
            settings: l.settings,
            scaled: None,
            prepared: None,
            resident: Resident::new(l.base),
            rendered: false,
            warnings: l.warnings,
        })
    }

    /// The frame: the base (alpha 255) with the last render's composite.
    pub fn frame(&self) -> &RgbaImage {
        &self.resident.frame
    }

    /// The settings of the next render.
    pub fn settings(&self) -> &V2Settings {
        &self.settings
    }

    /// The warnings of the body (as [`pipeline::Output::warnings`]).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Render with the current settings (see [`render_with`](Self::render_with)).
    ///
    /// # Errors
    /// As [`render_with`](Self::render_with).
    pub fn render(&mut self) -> Result<Change> {
        self.render_with(self.settings.clone())
    }

    /// Make `s` the scene's settings and bring the frame up to date: afterwards
    /// [`frame`](Self::frame) equals what [`pipeline::composite_v2`] gives for the base, the
    /// overlay, the mask and `s`. Returns the rectangle that changed.
    ///
    /// On an error the scene is unchanged: the previous settings, prepared overlay and frame
    /// stay as they were.
    ///
    /// # Errors
    /// As [`pipeline::composite_v2`]: `E_DIMENSIONS` / `E_IMAGE_TOO_LARGE` from the overlay's
    /// scale and rotation, `E_MEMORY_BUDGET`.
    pub fn render_with(&mut self, s: V2Settings) -> Result<Change> {
        if self.rendered && self.settings == s {
            return Ok(Change::None);
        }
        let blender = Blender::new(s.blend_mode, s.opacity / 100.0, s.seed)?;
        let (skey, rkey) = (ScaleKey::of(&s), RotateKey::of(&s));
        let scaled_ok = self.scaled.as_ref().map(|(k, _)| *k) == Some(skey);
        let rotated_ok = scaled_ok && self.prepared.as_ref().map(|(k, _)| *k) == Some(rkey);
        if !rotated_ok {
            crate::image::check_budget(
                "this scene",
                crate::params::v2_budget(
                    (self.frame().width(), self.frame().height()),
                    &self.overlay,
                    self.mask.as_ref(),
                    &s,
                ),
            )?;
            // Both stages are computed before either cache is replaced: an error keeps both.
            let fresh = match &self.scaled {
                Some(_) if scaled_ok => None,
                _ => Some(pipeline::scaled_overlay_v2(
                    &self.overlay,
                    self.mask.as_ref(),
                    &s,
                )?),
            };
            let Some(scaled) = fresh.as_ref().or(self.scaled.as_ref().map(|(_, img)| img)) else {
                return Err(crate::error::Error::internal("scene: no scaled overlay"));
            };
            // (A copy of the scaled overlay, which is small: the one-shot path rotates in place.)
            let rotated = pipeline::rotated_overlay_v2(scaled.clone(), &s)?;
            if let Some(img) = fresh {
                self.scaled = Some((skey, img));
            }
            self.prepared = Some((rkey, rotated));
        }
        let Some((_, ov)) = self.prepared.as_ref() else {
            return Err(crate::error::Error::internal("scene: no prepared overlay"));
        };
        let frame = &self.resident.frame;
        let (left, top) = pipeline::v2_placement(
            frame.width(),
            frame.height(),
            ov.width(),
            ov.height(),
            s.x_percent,
            s.y_percent,
        );
        let changed = self.resident.recomposite(ov, left, top, |frame| {
            blend::composite_at(frame, ov, left, top, &blender)
        });
        self.rendered = true;
        self.settings = s;
        Ok(changed)
    }
}

/// A resident Superimpose v1 scene: as [`SceneV2`] for the v1 body (SPEC 3). Moving the overlay
/// (`x_offset`, `y_offset`) re-composites only its area; any other change prepares the overlay
/// again (its resize, rotation and opacity).
#[derive(Debug)]
pub struct SceneV1 {
    overlay: RgbaImage,
    mask: Option<RgbaImage>,
    settings: V1Settings,
    /// The prepared overlay and the settings it was made with (offsets zeroed).
    prepared: Option<(V1Settings, RgbaImage)>,
    resident: Resident,
    /// Whether the frame holds the composite of `settings` (false until the first render).
    rendered: bool,
}

impl SceneV1 {
    /// A scene from a loaded v1 body (see [`pipeline::load_v1`]).
    ///
    /// # Errors
    /// `E_MEMORY_BUDGET` when the scene's images would exceed the memory budget.
    pub fn new(l: LoadedV1) -> Result<SceneV1> {
        crate::image::check_budget(
            "this scene",
            crate::params::v1_budget(&l.base, &l.overlay, l.mask.as_ref(), &l.settings),
        )?;
        Ok(SceneV1 {
            overlay: l.overlay,
            mask: l.mask,
            settings: l.settings,
            prepared: None,
            resident: Resident::new(l.base),
            rendered: false,
        })
    }

    /// The frame: the base (alpha 255) with the last render's composite.
    pub fn frame(&self) -> &RgbaImage {
        &self.resident.frame
    }

    /// The settings of the next render.
    pub fn settings(&self) -> &V1Settings {
        &self.settings
    }

    /// As [`SceneV2::render_with`] for v1: afterwards the frame equals
    /// [`pipeline::composite_v1`] for the images and `s`.
    ///
    /// # Errors
    /// As [`pipeline::composite_v1`].
    pub fn render_with(&mut self, s: V1Settings) -> Result<Change> {
        if self.rendered && self.settings == s {
            return Ok(Change::None);
        }
        s.check_opacity()?;
        let key = V1Settings {
            x_offset: 0,
            y_offset: 0,
            ..s.clone()
        };
        if self.prepared.as_ref().map(|(k, _)| k) != Some(&key) {
            let frame = self.frame();
            crate::image::check_budget(
                "this scene",
                crate::params::v1_budget(frame, &self.overlay, self.mask.as_ref(), &s),
            )?;
            let ov = pipeline::prepare_overlay_v1(
                frame.width(),
                frame.height(),
                &self.overlay,
                self.mask.as_ref(),
                &s,
            )?;
            self.prepared = Some((key, ov));
        }
        let Some((_, ov)) = self.prepared.as_ref() else {
            return Err(crate::error::Error::internal("scene: no prepared overlay"));
        };
        let (left, top) = (s.x_offset, s.y_offset);
        let changed = self
            .resident
            .recomposite(ov, left, top, |frame| blend::mix_at(frame, ov, left, top));
        self.rendered = true;
        self.settings = s;
        Ok(changed)
    }
}

/// The frame of a scene and what undoes its last composite: the base pixels that composite
/// covered.
#[derive(Debug)]
struct Resident {
    /// The base with its alpha discarded, plus the last composite.
    frame: RgbaImage,
    saved: Option<Saved>,
}

impl Resident {
    fn new(mut base: RgbaImage) -> Resident {
        base.set_opaque();
        Resident {
            frame: base,
            saved: None,
        }
    }

    /// Undo the last composite, save the base under `ov` placed at `(left, top)`, and run
    /// `composite` (which touches only that overlap). Nothing here fails. Returns what changed.
    fn recomposite(
        &mut self,
        ov: &RgbaImage,
        left: i64,
        top: i64,
        composite: impl FnOnce(&mut RgbaImage),
    ) -> Change {
        let mut spare = Vec::new();
        let mut changed = self.saved.take().map(|old| {
            put_region(&mut self.frame, &old);
            spare = old.pixels;
            old.rect
        });
        let (fw, fh) = (self.frame.width(), self.frame.height());
        if let Some((x0, y0, x1, y1)) = blend::overlap(fw, fh, ov.width(), ov.height(), left, top) {
            let rect = Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            };
            self.saved = Some(take_region(&self.frame, rect, spare));
            composite(&mut self.frame);
            changed = Some(changed.map_or(rect, |c| c.union(rect)));
        }
        changed.map_or(Change::None, Change::Rect)
    }
}

/// A copy of `rect` of `img`, in `pixels`' allocation.
fn take_region(img: &RgbaImage, rect: Rect, mut pixels: Vec<u8>) -> Saved {
    let (x0, x1) = (rect.x as usize * 4, (rect.x + rect.width) as usize * 4);
    pixels.clear();
    pixels.reserve((x1 - x0) * rect.height as usize);
    for y in rect.y..rect.y + rect.height {
        pixels.extend_from_slice(&img.row(y)[x0..x1]);
    }
    Saved { rect, pixels }
}

/// Write a saved region back.
fn put_region(img: &mut RgbaImage, s: &Saved) {
    let (x0, x1) = (
        s.rect.x as usize * 4,
        (s.rect.x + s.rect.width) as usize * 4,
    );
    for (y, src) in (s.rect.y..s.rect.y + s.rect.height).zip(s.pixels.chunks_exact(x1 - x0)) {
        img.row_mut(y)[x0..x1].copy_from_slice(src);
    }
}
