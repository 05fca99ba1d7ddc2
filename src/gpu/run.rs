//! The pipelines on the GPU: Superimpose v2 (SPEC 2.2) and v1 (SPEC 3.2) step by step as in
//! `crate::pipeline`, each step a compute pass; the CPU only decodes, plans (tables from the
//! CPU's own definitions, see [`super::plan`]) and pastes the read-back overlap rectangle into
//! its copy of the base.

use super::device::{self, usage, CachedBase, Gpu};
use super::plan::{self, geo, ResamplePass, RotationPlan};
use super::wgsl::{Shader, MODE_V1_MIX};
use crate::blend::{self, BlendMode, Blender};
use crate::error::{Error, ErrorCode, Result};
use crate::image::RgbaImage;
use crate::params::Mirror;
use crate::pipeline::{self, LoadedV1, LoadedV2, Output, V1Settings, V2Settings};
use crate::resample::Filter;
use crate::rotate::Sampler;
use std::rc::Rc;
use web_sys::{
    GpuBindGroupDescriptor, GpuBindGroupEntry, GpuBuffer, GpuBufferBinding, GpuCommandEncoder,
    GpuComputePassEncoder,
};

/// The `backend` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// WebGPU when an adapter exists and the work is large enough, else the CPU.
    Auto,
    /// Always the CPU.
    Cpu,
    /// WebGPU; `E_GPU_UNAVAILABLE` without an adapter.
    WebGpu,
}

impl Backend {
    /// `"auto"`, `"cpu"` or `"webgpu"`.
    ///
    /// # Errors
    /// `E_PARAM_ENUM` (param `backend`).
    pub fn parse(s: &str) -> Result<Backend> {
        match s {
            "auto" => Ok(Backend::Auto),
            "cpu" => Ok(Backend::Cpu),
            "webgpu" => Ok(Backend::WebGpu),
            _ => Err(Error::enumeration("backend", s, &["auto", "cpu", "webgpu"])),
        }
    }
}

/// `auto` picks WebGPU from this much work (overlay pixels after scaling + composited base
/// pixels) on a hardware adapter. See README "WebGPU" for how it was chosen.
pub const AUTO_MIN_PIXELS: u64 = 1_000_000;

/// A finished call.
pub struct Outcome {
    /// The composite and warnings.
    pub output: Output,
    /// `"cpu"` or `"webgpu"`.
    pub backend_used: &'static str,
    /// Why the CPU ran when WebGPU was asked for or considered.
    pub fallback_reason: Option<String>,
}

/// An image on the GPU: one u32 per pixel.
struct Img {
    buf: GpuBuffer,
    w: u32,
    h: u32,
}

/// One call's command recording.
///
/// A job is recorded synchronously from [`Job::new`] to [`Job::submit`] (no `await` in
/// between), inside its own pair of error scopes, so concurrent calls never mix their errors.
struct Job<'a> {
    gpu: &'a Gpu,
    enc: GpuCommandEncoder,
    pass: Option<GpuComputePassEncoder>,
    temps: Vec<GpuBuffer>,
    /// The error scopes are still pushed.
    scoped: bool,
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.pass.take() {
            p.end();
        }
        if self.scoped {
            // An early exit: keep the device's scope stack balanced (errors are moot now).
            drop(device::pop_scopes(&self.gpu.device));
        }
    }
}

fn words_to_bytes<T: Copy>(words: &[T], f: impl Fn(T) -> [u8; 4]) -> Vec<u8> {
    words.iter().flat_map(|&w| f(w)).collect()
}

fn u32_bytes(words: &[u32]) -> Vec<u8> {
    words_to_bytes(words, u32::to_le_bytes)
}

impl<'a> Job<'a> {
    fn new(gpu: &'a Gpu) -> Job<'a> {
        device::push_scopes(&gpu.device);
        let enc = gpu.device.create_command_encoder();
        let pass = Some(enc.begin_compute_pass());
        Job {
            gpu,
            enc,
            pass,
            temps: Vec::new(),
            scoped: true,
        }
    }

    /// Copy `img` into a new MAP_READ buffer, submit everything, pop the error scopes; then
    /// wait, check for errors and a lost device, read the bytes and recycle the buffers.
    async fn submit_and_read(
        mut self,
        img: &GpuBuffer,
        bytes: u64,
    ) -> std::result::Result<Vec<u8>, String> {
        let read = self.temp(bytes, usage::MAP_READ | usage::COPY_DST)?;
        if let Some(p) = self.pass.take() {
            p.end();
        }
        self.enc
            .copy_buffer_to_buffer_with_f64_and_f64_and_f64(img, 0.0, &read, 0.0, bytes as f64)
            .map_err(|_| "copyBufferToBuffer failed".to_string())?;
        let gpu = self.gpu;
        gpu.queue.submit(&[self.enc.finish()]);
        let scopes = device::pop_scopes(&gpu.device);
        self.scoped = false;
        let temps = std::mem::take(&mut self.temps);
        drop(self);
        let data = device::read(&read, bytes as usize).await;
        let scopes = scopes.await;
        if let Some(l) = gpu.lost.borrow().clone() {
            return Err(l);
        }
        scopes?;
        let data = data?;
        gpu.recycle(temps);
        Ok(data)
    }

    fn temp(&mut self, bytes: u64, usage: u32) -> std::result::Result<GpuBuffer, String> {
        let b = self.gpu.buffer(bytes, usage)?;
        self.temps.push(b.clone());
        Ok(b)
    }

    fn image(&mut self, w: u32, h: u32) -> std::result::Result<Img, String> {
        let buf = self.temp(
            u64::from(w) * u64::from(h) * 4,
            usage::STORAGE | usage::COPY_SRC | usage::COPY_DST,
        )?;
        Ok(Img { buf, w, h })
    }

    fn upload(&mut self, img: &RgbaImage) -> std::result::Result<Img, String> {
        let out = self.image(img.width(), img.height())?;
        self.gpu.write(&out.buf, img.data())?;
        Ok(out)
    }

    fn storage(&mut self, bytes: &[u8]) -> std::result::Result<GpuBuffer, String> {
        let b = self.temp(bytes.len().max(16) as u64, usage::STORAGE | usage::COPY_DST)?;
        if !bytes.is_empty() {
            self.gpu.write(&b, bytes)?;
        }
        Ok(b)
    }

    fn uniform(&mut self, words: &[u32]) -> std::result::Result<GpuBuffer, String> {
        let mut w = words.to_vec();
        while !w.len().is_multiple_of(4) {
            w.push(0);
        }
        let b = self.temp((w.len() * 4) as u64, usage::UNIFORM | usage::COPY_DST)?;
        self.gpu.write(&b, &u32_bytes(&w))?;
        Ok(b)
    }

    /// One dispatch over a `w × h` grid of 16 × 16 workgroups.
    fn dispatch(
        &mut self,
        shader: Shader,
        entry: &'static str,
        bindings: &[(u32, &GpuBuffer)],
        w: u32,
        h: u32,
    ) -> std::result::Result<(), String> {
        let (gx, gy) = (w.div_ceil(16), h.div_ceil(16));
        if gx > self.gpu.max_groups || gy > self.gpu.max_groups {
            return Err(format!(
                "a {w}×{h} grid exceeds the device's workgroup limit"
            ));
        }
        let pipeline = self.gpu.pipeline(shader, entry)?;
        let entries: Vec<GpuBindGroupEntry> = bindings
            .iter()
            .map(|(i, b)| {
                GpuBindGroupEntry::new_with_gpu_buffer_binding(*i, &GpuBufferBinding::new(b))
            })
            .collect();
        let bg = self
            .gpu
            .device
            .create_bind_group(&GpuBindGroupDescriptor::new(
                &entries,
                &pipeline.get_bind_group_layout(0),
            ));
        let pass = self.pass.as_ref().ok_or("compute pass already ended")?;
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, Some(&bg));
        pass.dispatch_workgroups_with_workgroup_count_y(gx, gy);
        Ok(())
    }

    /// `crate::resample::resize` (channel-independent).
    fn resample(
        &mut self,
        src: Img,
        w: u32,
        h: u32,
        filter: Filter,
    ) -> Result<std::result::Result<Img, String>> {
        let passes = plan::resample_passes(src.w, src.h, w, h, filter)?;
        Ok((|| {
            let mut cur = src;
            for p in passes {
                cur = match p {
                    ResamplePass::Horizontal { width, table } => {
                        self.conv(cur, width, 0, table, "horizontal")?
                    }
                    ResamplePass::Vertical { height, table } => {
                        self.conv(cur, 0, height, table, "vertical")?
                    }
                    ResamplePass::Gather {
                        width,
                        height,
                        indices,
                        lut,
                    } => self.gather("gather", cur, width, height, &indices, &lut)?,
                };
            }
            Ok(cur)
        })())
    }

    fn conv(
        &mut self,
        src: Img,
        width: u32,
        height: u32,
        table: plan::ConvTable,
        entry: &'static str,
    ) -> std::result::Result<Img, String> {
        let (ow, oh) = if entry == "horizontal" {
            (width, src.h)
        } else {
            (src.w, height)
        };
        let out = self.image(ow, oh)?;
        let params = self.uniform(&[src.w, src.h, ow, oh, table.stride])?;
        let bounds = self.storage(&u32_bytes(&table.bounds))?;
        let coeffs = self.storage(&words_to_bytes(&table.coeffs, i32::to_le_bytes))?;
        self.dispatch(
            Shader::Resample,
            entry,
            &[
                (0, &params),
                (1, &src.buf),
                (2, &out.buf),
                (3, &bounds),
                (4, &coeffs),
            ],
            ow,
            oh,
        )?;
        Ok(out)
    }

    fn gather(
        &mut self,
        entry: &'static str,
        src: Img,
        w: u32,
        h: u32,
        tables: &[u32],
        lut: &[u32],
    ) -> std::result::Result<Img, String> {
        let out = self.image(w, h)?;
        let params = self.uniform(&[src.w, src.h, w, h, 0])?;
        let t = self.storage(&u32_bytes(tables))?;
        let l = self.storage(&u32_bytes(lut))?;
        self.dispatch(
            Shader::Resample,
            entry,
            &[(0, &params), (1, &src.buf), (2, &out.buf), (3, &t), (5, &l)],
            w,
            h,
        )?;
        Ok(out)
    }

    fn transform(&mut self, src: Img, op: u32, w: u32, h: u32) -> std::result::Result<Img, String> {
        let out = self.image(w, h)?;
        let params = self.uniform(&[src.w, src.h, w, h, op])?;
        self.dispatch(
            Shader::Mirror,
            "transform",
            &[(0, &params), (1, &src.buf), (2, &out.buf)],
            w,
            h,
        )?;
        Ok(out)
    }

    fn luminance(&mut self, src: Img) -> std::result::Result<Img, String> {
        let out = self.image(src.w, src.h)?;
        let params = self.uniform(&[src.w, src.h, src.w, src.h, 0])?;
        self.dispatch(
            Shader::Mirror,
            "luminance",
            &[(0, &params), (1, &src.buf), (2, &out.buf)],
            src.w,
            src.h,
        )?;
        Ok(out)
    }

    /// `img.a = lut[byte `channel` of plane]` (same size).
    fn put_alpha(
        &mut self,
        img: &Img,
        plane: &Img,
        channel: u32,
        lut: &[u32],
    ) -> std::result::Result<(), String> {
        let params = self.uniform(&[plane.w, plane.h, img.w, img.h, channel])?;
        let l = self.storage(&u32_bytes(lut))?;
        self.dispatch(
            Shader::Mirror,
            "put_alpha",
            &[(0, &params), (1, &plane.buf), (2, &img.buf), (3, &l)],
            img.w,
            img.h,
        )
    }

    /// `crate::rotate::rotate` (channel-independent).
    fn rotate(
        &mut self,
        src: Img,
        degrees: f64,
        sampler: Sampler,
    ) -> Result<std::result::Result<Img, String>> {
        let plan = plan::rotation_plan(src.w, src.h, degrees, sampler)?;
        Ok((|| match plan {
            RotationPlan::Identity => Ok(src),
            RotationPlan::Transpose { op, width, height } => self.transform(src, op, width, height),
            RotationPlan::CpuOnly(why) => Err(format!("not on the GPU: {why}")),
            RotationPlan::Nearest {
                width,
                height,
                fixed,
            } => {
                let out = self.image(width, height)?;
                let mut p = vec![src.w, src.h, width, height];
                p.extend(fixed.iter().map(|&v| v as u32));
                let params = self.uniform(&p)?;
                self.dispatch(
                    Shader::Rotate,
                    "nearest",
                    &[(0, &params), (1, &src.buf), (2, &out.buf)],
                    width,
                    height,
                )?;
                Ok(out)
            }
            RotationPlan::Interpolate {
                sampler,
                width,
                height,
                terms,
            } => {
                let out = self.image(width, height)?;
                let params = self.uniform(&[src.w, src.h, width, height])?;
                let flat: Vec<f32> = terms.iter().flatten().copied().collect();
                let t = self.storage(&words_to_bytes(&flat, f32::to_le_bytes))?;
                let entry = if sampler == Sampler::Bicubic {
                    "bicubic"
                } else {
                    "bilinear"
                };
                self.dispatch(
                    Shader::Rotate,
                    entry,
                    &[(0, &params), (1, &src.buf), (2, &out.buf), (3, &t)],
                    width,
                    height,
                )?;
                Ok(out)
            }
        })())
    }

    /// The base on the GPU: the cached copy when `key` matches, else uploaded (and cached).
    fn base(&mut self, base: &RgbaImage, key: u64) -> std::result::Result<GpuBuffer, String> {
        if let Some(c) = self.gpu.base.borrow().as_ref() {
            if c.key == key && (c.width, c.height) == (base.width(), base.height()) {
                return Ok(c.buffer.clone());
            }
        }
        let bytes = base.data().len() as u64;
        if bytes > self.gpu.max_binding {
            return Err(format!(
                "the {}×{} base exceeds this device's binding limit of {} bytes",
                base.width(),
                base.height(),
                self.gpu.max_binding
            ));
        }
        let buf = self
            .gpu
            .device
            .create_buffer(&web_sys::GpuBufferDescriptor::new_with_f64(
                bytes.max(16) as f64,
                usage::STORAGE | usage::COPY_DST,
            ))
            .map_err(|_| "createBuffer for the base failed".to_string())?;
        self.gpu.write(&buf, base.data())?;
        if let Some(old) = self.gpu.base.borrow_mut().replace(CachedBase {
            key,
            width: base.width(),
            height: base.height(),
            buffer: buf.clone(),
        }) {
            old.buffer.destroy();
        }
        Ok(buf)
    }

    /// The blend table buffer for `mode` at `opacity` (cached), or a placeholder.
    fn table(
        &mut self,
        mode: u32,
        opacity: f64,
        words: impl FnOnce() -> Option<Vec<u32>>,
    ) -> std::result::Result<GpuBuffer, String> {
        if let Some((m, o, b)) = self.gpu.table.borrow().as_ref() {
            if *m == mode && *o == opacity.to_bits() {
                return Ok(b.clone());
            }
        }
        let w = words().unwrap_or_else(|| vec![0; 4]);
        let buf = self
            .gpu
            .device
            .create_buffer(&web_sys::GpuBufferDescriptor::new_with_f64(
                (w.len() * 4) as f64,
                usage::STORAGE | usage::COPY_DST,
            ))
            .map_err(|_| "createBuffer for the blend table failed".to_string())?;
        self.gpu.write(&buf, &u32_bytes(&w))?;
        *self.gpu.table.borrow_mut() = Some((mode, opacity.to_bits(), buf.clone()));
        Ok(buf)
    }

    /// Composite `ov` at (left, top) onto the base and read the overlap rectangle back into
    /// `base` (the CPU copy).
    #[allow(clippy::too_many_arguments)]
    async fn composite_and_read(
        mut self,
        base: &mut RgbaImage,
        base_key: u64,
        ov: Img,
        left: i64,
        top: i64,
        mode: u32,
        opacity: f64,
        seed: u32,
        table: impl FnOnce() -> Option<Vec<u32>>,
    ) -> std::result::Result<(), String> {
        let Some([x0, y0, x1, y1]) =
            plan::overlap(base.width(), base.height(), ov.w, ov.h, left, top)
        else {
            self.abandon();
            return Ok(());
        };
        let (nw, nh) = (x1 - x0, y1 - y0);
        let ox0 = (i64::from(x0) - left) as u32;
        let oy0 = (i64::from(y0) - top) as u32;
        let base_buf = self.base(base, base_key)?;
        let table_buf = self.table(mode, opacity, table)?;
        let out = self.image(nw, nh)?;
        let params = self.uniform(&[
            base.width(),
            ov.w,
            x0,
            y0,
            ox0,
            oy0,
            nw,
            nh,
            mode,
            blend::dissolve_threshold(opacity),
            seed,
            (opacity as f32).to_bits(),
        ])?;
        self.dispatch(
            Shader::Blend,
            "composite",
            &[
                (0, &params),
                (1, &base_buf),
                (2, &ov.buf),
                (3, &out.buf),
                (4, &table_buf),
            ],
            nw,
            nh,
        )?;
        let bytes = u64::from(nw) * u64::from(nh) * 4;
        let data = self.submit_and_read(&out.buf, bytes).await?;
        let row = nw as usize * 4;
        for (i, chunk) in data.chunks_exact(row).enumerate() {
            let y = y0 + i as u32;
            let dst = base.row_mut(y);
            dst[x0 as usize * 4..x0 as usize * 4 + row].copy_from_slice(chunk);
        }
        Ok(())
    }

    /// Stop without submitting (nothing was written that anyone reads).
    fn abandon(mut self) {
        let temps = std::mem::take(&mut self.temps);
        let gpu = self.gpu;
        drop(self);
        gpu.recycle(temps);
    }
}

/// A cheap identity of the base pixels when the caller gives no key: 64-bit multiply-xor over
/// 8-byte words, plus the size.
pub fn hash_image(img: &RgbaImage) -> u64 {
    let mut h: u64 =
        0xcbf2_9ce4_8422_2325 ^ (u64::from(img.width()) << 32 | u64::from(img.height()));
    let chunks = img.data().chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    for &b in rest {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// The key of a caller-given `baseKey` string (tagged so it never equals a pixel hash).
pub fn key_of(s: &str) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ 0x8000_0000_0000_0001
}

type GpuResult<T> = std::result::Result<T, String>;

/// Superimpose v2 on the GPU. `Ok(Err(reason))`: the GPU could not do it (the caller runs the
/// CPU); `Err`: an input error (the same the CPU would give).
/// On success the composite is written into `base` (only the overlap rectangle changes); on
/// any failure `base` is untouched.
async fn v2_gpu(
    gpu: &Gpu,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V2Settings,
    base: &mut RgbaImage,
    base_key: u64,
) -> Result<GpuResult<()>> {
    let op = s.opacity / 100.0;
    Blender::new(s.blend_mode, op, s.seed)?;
    let (w, h) = (overlay.width(), overlay.height());
    let (w1, h1) = pipeline::v2_scaled_size(w, h, s.rescale_factor)?;
    let filter = pipeline::v2_scale_filter(s);
    let mut job = Job::new(gpu);
    let steps = (|| -> Result<GpuResult<Img>> {
        let ov = match job.upload(overlay) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(mask) = mask {
            let m = match job.upload(mask).and_then(|m| job.luminance(m)) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let m = if (m.w, m.h) != (w, h) {
                match job.resample(m, w, h, Filter::Bicubic)? {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                }
            } else {
                m
            };
            if let Err(e) = job.put_alpha(&ov, &m, 0, &plan::identity_lut()) {
                return Ok(Err(e));
            }
        }
        let ov = match s.mirror {
            Mirror::None => Ok(ov),
            Mirror::Horizontal => job.transform(ov, geo::FLIP_H, w, h),
            Mirror::Vertical => job.transform(ov, geo::FLIP_V, w, h),
        };
        let ov = match ov {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let ov = match job.resample(ov, w1, h1, filter)? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        if s.rotation.rem_euclid(360) != 0 {
            return job.rotate(
                ov,
                s.rotation as f64,
                pipeline::v2_rotation_sampler(s.resize_method),
            );
        }
        Ok(Ok(ov))
    })();
    let ov = match steps {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            job.abandon();
            return Ok(Err(e));
        }
        Err(e) => {
            job.abandon();
            return Err(e);
        }
    };
    let (left, top) = pipeline::v2_placement(
        base.width(),
        base.height(),
        ov.w,
        ov.h,
        s.x_percent,
        s.y_percent,
    );
    let mode = s.blend_mode;
    let r = job
        .composite_and_read(base, base_key, ov, left, top, mode.id(), op, s.seed, || {
            plan::blend_table(mode, op)
        })
        .await;
    Ok(r)
}

/// Superimpose v1 on the GPU (as [`v2_gpu`]).
async fn v1_gpu(
    gpu: &Gpu,
    overlay: &RgbaImage,
    mask: Option<&RgbaImage>,
    s: &V1Settings,
    base: &mut RgbaImage,
    base_key: u64,
) -> Result<GpuResult<()>> {
    s.check_opacity()?;
    let (bw, bh) = (base.width(), base.height());
    let (w, h) = (overlay.width(), overlay.height());
    let target = pipeline::v1_target_size(bw, bh, w, h, s)?;
    let mut job = Job::new(gpu);
    let steps = (|| -> Result<GpuResult<Img>> {
        let src = match job.upload(overlay) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let plane_src = match mask {
            Some(m) => job.upload(m).and_then(|m| job.luminance(m)).map(|p| (p, 0)),
            // The overlay's own alpha. Without resampling the overlay buffer is also the
            // destination, and one dispatch may not read and write one buffer: upload a copy.
            None if target.is_none() => job.upload(overlay).map(|p| (p, 3)),
            None => Ok((
                Img {
                    buf: src.buf.clone(),
                    w,
                    h,
                },
                3,
            )),
        };
        let (plane, channel) = match plane_src {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let ov = match target {
            None => Ok(src),
            Some((tw, th)) => {
                crate::image::check_dimensions(tw, th)?;
                let p = plan::v1_pass(w, h, tw, th, s.resize_method);
                job.gather(p.entry, src, tw, th, &p.tables, &p.lut)
            }
        };
        let ov = match ov {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let plane = if (plane.w, plane.h) != (ov.w, ov.h) {
            match job.resample(plane, ov.w, ov.h, Filter::Bicubic)? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        } else {
            plane
        };
        // Opacity as a byte map here, before the rotation: nearest rotation and the transposes
        // only move pixels, and the fill (0) maps to 0, so this equals SPEC's order.
        if let Err(e) = job.put_alpha(&ov, &plane, channel, &plan::opacity_lut(s.opacity)) {
            return Ok(Err(e));
        }
        if s.rotation.rem_euclid(360) != 0 {
            return job.rotate(ov, s.rotation as f64, Sampler::Nearest);
        }
        Ok(Ok(ov))
    })();
    let ov = match steps {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            job.abandon();
            return Ok(Err(e));
        }
        Err(e) => {
            job.abandon();
            return Err(e);
        }
    };
    let r = job
        .composite_and_read(
            base,
            base_key,
            ov,
            s.x_offset,
            s.y_offset,
            MODE_V1_MIX,
            1.0,
            0,
            || None,
        )
        .await;
    Ok(r)
}

/// The work `auto` weighs: overlay pixels after scaling plus base pixels.
fn work_v2(l: &LoadedV2) -> u64 {
    work_v2_on(l, (l.base.width(), l.base.height()))
}

/// [`work_v2`] with the base's size given apart (a base that is not loaded).
fn work_v2_on(l: &LoadedV2, (bw, bh): (u32, u32)) -> u64 {
    let (w, h) = (l.overlay.width(), l.overlay.height());
    let scaled = pipeline::v2_scaled_size(w, h, l.settings.rescale_factor)
        .map(|(a, b)| u64::from(a) * u64::from(b))
        .unwrap_or(0);
    scaled + u64::from(bw) * u64::from(bh)
}

/// Whether [`superimpose_v2`] would composite `l` on the CPU for a base of `base` = (width,
/// height) (the device choice needs only the sizes): `Some(reason)` — the
/// [`Outcome::fallback_reason`] it would give — or `None` when the GPU would run.
///
/// # Errors
/// `E_GPU_UNAVAILABLE` for [`Backend::WebGpu`] without an adapter, as [`superimpose_v2`].
pub async fn v2_cpu_reason(
    backend: Backend,
    l: &LoadedV2,
    base: (u32, u32),
) -> Result<Option<Option<String>>> {
    Ok(choose(backend, work_v2_on(l, base)).await?.err())
}

fn work_v1(l: &LoadedV1) -> u64 {
    let (w, h) = (l.overlay.width(), l.overlay.height());
    let scaled = pipeline::v1_target_size(l.base.width(), l.base.height(), w, h, &l.settings)
        .ok()
        .flatten()
        .map(|(a, b)| u64::from(a) * u64::from(b))
        .unwrap_or(u64::from(w) * u64::from(h));
    scaled + u64::from(l.base.width()) * u64::from(l.base.height())
}

/// Which device to use, or why the CPU runs.
async fn choose(
    backend: Backend,
    work: u64,
) -> Result<std::result::Result<Rc<Gpu>, Option<String>>> {
    match backend {
        Backend::Cpu => Ok(Err(None)),
        Backend::WebGpu => match device::get().await {
            Ok(g) => Ok(Ok(g)),
            Err(reason) => Err(Error::new(
                ErrorCode::GpuUnavailable,
                format!("backend \"webgpu\" was requested but WebGPU is unavailable: {reason}"),
            )),
        },
        // Below the threshold the GPU is not even initialised.
        Backend::Auto if work < AUTO_MIN_PIXELS => Ok(Err(Some(format!(
            "auto: {work} px of work is below the WebGPU threshold of {AUTO_MIN_PIXELS} px"
        )))),
        Backend::Auto => match device::get().await {
            Err(reason) => Ok(Err(Some(format!("auto: {reason}")))),
            Ok(g) if g.info.fallback => Ok(Err(Some(format!(
                "auto: the WebGPU adapter is a software fallback ({}), slower than the CPU kernels",
                g.info.architecture
            )))),
            Ok(g) => Ok(Ok(g)),
        },
    }
}

/// The part both pipelines share: pick the device for `backend` and `work`, and when one is
/// chosen run `on_gpu(gpu, base, key)` on the base (made opaque first: the GPU reads back only
/// the overlap). Gives the base back, composited when the GPU ran (`Ok(())`), else untouched
/// with the reason the CPU must run (`Err`).
async fn try_gpu<F, Fut>(
    backend: Backend,
    work: u64,
    mut base: RgbaImage,
    base_key: Option<u64>,
    on_gpu: F,
) -> Result<(RgbaImage, std::result::Result<(), Option<String>>)>
where
    F: FnOnce(Rc<Gpu>, RgbaImage, u64) -> Fut,
    Fut: std::future::Future<Output = Result<(RgbaImage, GpuResult<()>)>>,
{
    match choose(backend, work).await? {
        Err(reason) => Ok((base, Err(reason))),
        Ok(gpu) => {
            base.set_opaque();
            let key = base_key.unwrap_or_else(|| hash_image(&base));
            let (base, r) = on_gpu(gpu, base, key).await?;
            Ok((base, r.map_err(Some)))
        }
    }
}

/// The [`Outcome`] of a pipeline that ran on the GPU or, after [`try_gpu`] said why not, on the
/// CPU through `cpu`.
fn outcome(
    base: RgbaImage,
    gpu: std::result::Result<(), Option<String>>,
    warnings: Vec<String>,
    cpu: impl FnOnce(RgbaImage) -> Result<RgbaImage>,
) -> Result<Outcome> {
    let (image, backend_used, fallback_reason) = match gpu {
        Ok(()) => (base, "webgpu", None),
        Err(reason) => (cpu(base)?, "cpu", reason),
    };
    Ok(Outcome {
        output: Output { image, warnings },
        backend_used,
        fallback_reason,
    })
}

/// Superimpose v2 with a backend choice.
///
/// # Errors
/// As [`crate::pipeline::composite_v2`]; `E_GPU_UNAVAILABLE` for [`Backend::WebGpu`] without
/// an adapter. A GPU failure during the call is not an error: the CPU result is returned with
/// the reason.
pub async fn superimpose_v2(
    l: LoadedV2,
    backend: Backend,
    base_key: Option<u64>,
) -> Result<Outcome> {
    let work = work_v2(&l);
    let LoadedV2 {
        base,
        overlay,
        mask,
        settings,
        warnings,
    } = l;
    let (base, gpu) = try_gpu(backend, work, base, base_key, |gpu, mut base, key| {
        let (overlay, mask, settings) = (&overlay, mask.as_ref(), &settings);
        async move {
            let r = v2_gpu(&gpu, overlay, mask, settings, &mut base, key).await?;
            Ok((base, r))
        }
    })
    .await?;
    outcome(base, gpu, warnings, |base| {
        pipeline::composite_v2(base, &overlay, mask.as_ref(), &settings)
    })
}

/// Superimpose v1 with a backend choice.
///
/// # Errors
/// As [`superimpose_v2`].
pub async fn superimpose_v1(
    l: LoadedV1,
    backend: Backend,
    base_key: Option<u64>,
) -> Result<Outcome> {
    let work = work_v1(&l);
    let LoadedV1 {
        base,
        overlay,
        mask,
        settings,
    } = l;
    let (base, gpu) = try_gpu(backend, work, base, base_key, |gpu, mut base, key| {
        let (overlay, mask, settings) = (&overlay, mask.as_ref(), &settings);
        async move {
            let r = v1_gpu(&gpu, overlay, mask, settings, &mut base, key).await?;
            Ok((base, r))
        }
    })
    .await?;
    outcome(base, gpu, Vec::new(), |base| {
        pipeline::composite_v1(base, &overlay, mask.as_ref(), &settings)
    })
}

/// Single steps on the GPU, each returned as an image (for the GPU-vs-CPU tests and benches).
/// `Err` is the GPU's failure text.
pub mod ops {
    use super::*;

    async fn finish(job: Job<'_>, img: Img) -> GpuResult<RgbaImage> {
        let bytes = u64::from(img.w) * u64::from(img.h) * 4;
        let data = job.submit_and_read(&img.buf, bytes).await?;
        RgbaImage::from_vec(img.w, img.h, data).map_err(|e| e.message().to_string())
    }

    fn flat<T>(r: Result<GpuResult<T>>) -> GpuResult<T> {
        match r {
            Ok(v) => v,
            Err(e) => Err(format!("{}: {}", e.code().as_str(), e.message())),
        }
    }

    /// `resample::resize` on the GPU.
    pub async fn resize(img: &RgbaImage, w: u32, h: u32, filter: Filter) -> GpuResult<RgbaImage> {
        let gpu = device::get().await?;
        let mut job = Job::new(&gpu);
        let src = job.upload(img)?;
        let out = flat(job.resample(src, w, h, filter))?;
        finish(job, out).await
    }

    /// `rotate::rotate` on the GPU.
    pub async fn rotate(img: &RgbaImage, degrees: f64, sampler: Sampler) -> GpuResult<RgbaImage> {
        let gpu = device::get().await?;
        let mut job = Job::new(&gpu);
        let src = job.upload(img)?;
        let out = flat(job.rotate(src, degrees, sampler))?;
        finish(job, out).await
    }

    /// Mirror on the GPU (`horizontal`: left ↔ right).
    pub async fn mirror(img: &RgbaImage, horizontal: bool) -> GpuResult<RgbaImage> {
        let gpu = device::get().await?;
        let mut job = Job::new(&gpu);
        let src = job.upload(img)?;
        let op = if horizontal { geo::FLIP_H } else { geo::FLIP_V };
        let out = job.transform(src, op, img.width(), img.height())?;
        finish(job, out).await
    }

    /// `blend::composite_at` on the GPU.
    pub async fn composite(
        base: &RgbaImage,
        ov: &RgbaImage,
        left: i64,
        top: i64,
        mode: BlendMode,
        opacity: f64,
        seed: u32,
    ) -> GpuResult<RgbaImage> {
        let gpu = device::get().await?;
        let mut job = Job::new(&gpu);
        let o = job.upload(ov)?;
        let mut out = base.clone();
        job.composite_and_read(
            &mut out,
            hash_image(base),
            o,
            left,
            top,
            mode.id(),
            opacity,
            seed,
            || plan::blend_table(mode, opacity),
        )
        .await?;
        Ok(out)
    }
}
