//! The WebGPU device through web-sys's raw bindings: one per JS context, created on first use
//! and kept (with its shader modules, pipelines, pooled buffers, the last base image and the
//! last blend table) in a thread_local until the device is lost.

use super::wgsl::Shader;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    GpuAdapter, GpuAutoLayoutMode, GpuBuffer, GpuBufferDescriptor, GpuComputePipeline,
    GpuComputePipelineDescriptor, GpuDevice, GpuErrorFilter, GpuProgrammableStage, GpuQueue,
    GpuShaderModuleDescriptor,
};

/// `GPUBufferUsage` flags (WebGPU spec values).
pub(crate) mod usage {
    /// MAP_READ.
    pub(crate) const MAP_READ: u32 = 0x0001;
    /// COPY_SRC.
    pub(crate) const COPY_SRC: u32 = 0x0004;
    /// COPY_DST.
    pub(crate) const COPY_DST: u32 = 0x0008;
    /// UNIFORM.
    pub(crate) const UNIFORM: u32 = 0x0040;
    /// STORAGE.
    pub(crate) const STORAGE: u32 = 0x0080;
}

/// `GPUMapMode.READ`.
pub(crate) const MAP_MODE_READ: u32 = 0x0001;

/// What the adapter says about itself.
#[derive(Debug, Clone)]
pub struct AdapterInfo {
    /// `GPUAdapterInfo.vendor`.
    pub vendor: String,
    /// `GPUAdapterInfo.architecture`.
    pub architecture: String,
    /// `GPUAdapterInfo.device`.
    pub device: String,
    /// `GPUAdapterInfo.description`.
    pub description: String,
    /// `isFallbackAdapter` (a software adapter such as SwiftShader).
    pub fallback: bool,
}

impl AdapterInfo {
    /// One line for logs.
    pub fn summary(&self) -> String {
        format!(
            "vendor={} architecture={} device={} description={} fallback={}",
            self.vendor, self.architecture, self.device, self.description, self.fallback
        )
    }
}

/// A cached GPU copy of a base image.
pub(crate) struct CachedBase {
    pub(crate) key: u64,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) buffer: GpuBuffer,
}

/// The device and everything kept alive across calls.
pub(crate) struct Gpu {
    pub(crate) device: GpuDevice,
    pub(crate) queue: GpuQueue,
    pub(crate) info: AdapterInfo,
    /// Every (shader, entry point) pipeline, created once.
    pipelines: Vec<((Shader, &'static str), GpuComputePipeline)>,
    /// Free buffers: (usage, size, buffer).
    pool: RefCell<Vec<(u32, u64, GpuBuffer)>>,
    pub(crate) base: RefCell<Option<CachedBase>>,
    /// The last blend table: (mode id, opacity bits, buffer).
    pub(crate) table: RefCell<Option<(u32, u64, GpuBuffer)>>,
    /// Set (with the reason) when the device is lost.
    pub(crate) lost: Rc<RefCell<Option<String>>>,
    pub(crate) max_binding: u64,
    pub(crate) max_groups: u32,
}

enum Slot {
    Empty,
    Ready(Rc<Gpu>),
    Unavailable(String),
}

thread_local! {
    static SLOT: RefCell<Slot> = const { RefCell::new(Slot::Empty) };
    static FORCE_UNAVAILABLE: Cell<bool> = const { Cell::new(false) };
}

/// Test hook: behave as if no adapter existed (`true`) or as normal (`false`).
pub(crate) fn set_force_unavailable(on: bool) {
    FORCE_UNAVAILABLE.with(|f| f.set(on));
}

/// Test hook: destroy the current device (a real "device lost"); the next call notices it
/// during its work, falls back to the CPU, and the call after that gets a new device.
pub(crate) fn lose_device() -> bool {
    SLOT.with(|s| match &*s.borrow() {
        Slot::Ready(g) => {
            g.device.destroy();
            true
        }
        _ => false,
    })
}

fn js_text(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

async fn await_promise(p: JsValue) -> Result<JsValue, String> {
    let p: js_sys::Promise = p.unchecked_into();
    JsFuture::from(p).await.map_err(|e| js_text(&e))
}

/// `navigator.gpu`, if this JS context has one.
fn navigator_gpu() -> Option<web_sys::Gpu> {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    if !nav.is_object() {
        return None;
    }
    let gpu = js_sys::Reflect::get(&nav, &"gpu".into()).ok()?;
    gpu.is_object().then(|| gpu.unchecked_into())
}

/// Pop the two error scopes pushed by [`push_scopes`] now (synchronously, so that no other
/// call's work lands in them); the returned future resolves to the first error's message.
pub(crate) fn pop_scopes(
    device: &GpuDevice,
) -> impl std::future::Future<Output = Result<(), String>> {
    let promises = [device.pop_error_scope(), device.pop_error_scope()];
    async move {
        let mut first = None;
        for p in promises {
            let e = await_promise(p.into()).await?;
            if !e.is_null() && !e.is_undefined() && first.is_none() {
                let msg = js_sys::Reflect::get(&e, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "unknown GPU error".into());
                first = Some(msg);
            }
        }
        match first {
            Some(m) => Err(format!("WebGPU error: {m}")),
            None => Ok(()),
        }
    }
}

/// Catch validation and out-of-memory errors of the work that follows.
pub(crate) fn push_scopes(device: &GpuDevice) {
    device.push_error_scope(GpuErrorFilter::OutOfMemory);
    device.push_error_scope(GpuErrorFilter::Validation);
}

/// The adapter's info, or `None` without WebGPU / adapter.
pub(crate) async fn adapter_info() -> Option<AdapterInfo> {
    if FORCE_UNAVAILABLE.with(Cell::get) {
        return None;
    }
    if let Some(g) = SLOT.with(|s| match &*s.borrow() {
        Slot::Ready(g) => Some(g.clone()),
        _ => None,
    }) {
        return Some(g.info.clone());
    }
    let gpu = navigator_gpu()?;
    let a = await_promise(gpu.request_adapter().into()).await.ok()?;
    if a.is_null() || a.is_undefined() {
        return None;
    }
    Some(info_of(&a.unchecked_into()))
}

fn info_of(adapter: &GpuAdapter) -> AdapterInfo {
    let i = adapter.info();
    // `isFallbackAdapter` moved from the adapter to its info; read either.
    let fallback = js_sys::Reflect::get(&i, &"isFallbackAdapter".into())
        .ok()
        .and_then(|v| v.as_bool())
        .or_else(|| {
            js_sys::Reflect::get(adapter, &"isFallbackAdapter".into())
                .ok()
                .and_then(|v| v.as_bool())
        })
        .unwrap_or(false);
    AdapterInfo {
        vendor: i.vendor(),
        architecture: i.architecture(),
        device: i.device(),
        description: i.description(),
        fallback,
    }
}

/// The cached device, created on first use. `Err` says why WebGPU is unavailable.
pub(crate) async fn get() -> Result<Rc<Gpu>, String> {
    if FORCE_UNAVAILABLE.with(Cell::get) {
        return Err("WebGPU is unavailable (forced by the test hook)".into());
    }
    let cached = SLOT.with(|s| match &*s.borrow() {
        Slot::Ready(g) if g.lost.borrow().is_none() => Some(Ok(g.clone())),
        Slot::Unavailable(r) => Some(Err(r.clone())),
        _ => None,
    });
    if let Some(c) = cached {
        return c;
    }
    match create().await {
        Ok(g) => {
            let g = Rc::new(g);
            SLOT.with(|s| *s.borrow_mut() = Slot::Ready(g.clone()));
            Ok(g)
        }
        Err((reason, permanent)) => {
            if permanent {
                SLOT.with(|s| *s.borrow_mut() = Slot::Unavailable(reason.clone()));
            }
            Err(reason)
        }
    }
}

/// A new device with every pipeline; `Err((reason, permanent))`.
async fn create() -> Result<Gpu, (String, bool)> {
    let gpu = navigator_gpu().ok_or_else(|| {
        (
            "this JS context has no WebGPU (navigator.gpu is missing)".to_string(),
            true,
        )
    })?;
    let a = await_promise(gpu.request_adapter().into())
        .await
        .map_err(|e| (format!("requestAdapter() failed: {e}"), false))?;
    if a.is_null() || a.is_undefined() {
        return Err((
            "navigator.gpu.requestAdapter() returned null: no WebGPU adapter".to_string(),
            true,
        ));
    }
    let adapter: GpuAdapter = a.unchecked_into();
    let info = info_of(&adapter);
    let d = await_promise(adapter.request_device().into())
        .await
        .map_err(|e| (format!("requestDevice() failed: {e}"), false))?;
    let device: GpuDevice = d.unchecked_into();
    let limits = device.limits();
    let max_binding = limits
        .max_storage_buffer_binding_size()
        .min(limits.max_buffer_size()) as u64;
    let max_groups = limits.max_compute_workgroups_per_dimension();

    push_scopes(&device);
    let mut pipelines = Vec::new();
    for &shader in Shader::ALL {
        let module = device.create_shader_module(&GpuShaderModuleDescriptor::new(&shader.source()));
        for &entry in shader.entry_points() {
            let stage = GpuProgrammableStage::new(&module);
            stage.set_entry_point(entry);
            let desc = GpuComputePipelineDescriptor::new_with_gpu_auto_layout_mode(
                GpuAutoLayoutMode::Auto,
                &stage,
            );
            pipelines.push(((shader, entry), device.create_compute_pipeline(&desc)));
        }
    }
    pop_scopes(&device)
        .await
        .map_err(|e| (format!("creating the WebGPU pipelines failed: {e}"), false))?;

    let lost = Rc::new(RefCell::new(None));
    {
        let lost = lost.clone();
        let p = device.lost();
        wasm_bindgen_futures::spawn_local(async move {
            let info = await_promise(p.into()).await;
            let msg = match info {
                Ok(i) => js_sys::Reflect::get(&i, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_default(),
                Err(e) => e,
            };
            *lost.borrow_mut() = Some(format!("the WebGPU device was lost: {msg}"));
            SLOT.with(|s| {
                let stale = matches!(&*s.borrow(), Slot::Ready(g) if g.lost.borrow().is_some());
                if stale {
                    *s.borrow_mut() = Slot::Empty;
                }
            });
        });
    }
    Ok(Gpu {
        queue: device.queue(),
        device,
        info,
        pipelines,
        pool: RefCell::new(Vec::new()),
        base: RefCell::new(None),
        table: RefCell::new(None),
        lost,
        max_binding,
        max_groups,
    })
}

/// Pool size classes: at most 1/8 wasted, multiples of 256 bytes.
fn size_class(bytes: u64) -> u64 {
    let b = bytes.max(16);
    let step = (b.next_power_of_two() / 8).max(256);
    b.div_ceil(step) * step
}

impl Gpu {
    pub(crate) fn pipeline(
        &self,
        shader: Shader,
        entry: &'static str,
    ) -> Result<&GpuComputePipeline, String> {
        self.pipelines
            .iter()
            .find(|(k, _)| *k == (shader, entry))
            .map(|(_, p)| p)
            .ok_or_else(|| format!("no pipeline {}::{entry}", shader.file()))
    }

    /// A buffer of at least `bytes` with `usage`, from the pool or new.
    pub(crate) fn buffer(&self, bytes: u64, usage: u32) -> Result<GpuBuffer, String> {
        if bytes > self.max_binding {
            return Err(format!(
                "a {bytes}-byte buffer exceeds this device's binding limit of {} bytes",
                self.max_binding
            ));
        }
        let size = size_class(bytes);
        let mut pool = self.pool.borrow_mut();
        if let Some(i) = pool.iter().position(|(u, s, _)| *u == usage && *s == size) {
            return Ok(pool.swap_remove(i).2);
        }
        drop(pool);
        let desc = GpuBufferDescriptor::new_with_f64(size as f64, usage);
        self.device
            .create_buffer(&desc)
            .map_err(|e| format!("createBuffer({size}) failed: {}", js_text(&e)))
    }

    /// Return buffers to the pool (kept up to 48 buffers / 768 MB; the rest are destroyed,
    /// which WebGPU defers until submitted work using them is done).
    pub(crate) fn recycle(&self, bufs: Vec<GpuBuffer>) {
        let mut pool = self.pool.borrow_mut();
        for b in bufs {
            let size = b.size() as u64;
            pool.push((b.usage(), size, b));
        }
        let mut total: u64 = pool.iter().map(|p| p.1).sum();
        while pool.len() > 48 || total > 768 << 20 {
            let (_, s, b) = pool.remove(0);
            total -= s;
            b.destroy();
        }
    }

    /// Write bytes (length a multiple of 4) at offset 0.
    pub(crate) fn write(&self, buf: &GpuBuffer, bytes: &[u8]) -> Result<(), String> {
        self.queue
            .write_buffer_with_u32_and_u8_slice(buf, 0, bytes)
            .map_err(|e| format!("writeBuffer failed: {}", js_text(&e)))
    }
}

/// Wait for a MAP_READ buffer and copy `len` bytes out of it.
pub(crate) async fn read(buf: &GpuBuffer, len: usize) -> Result<Vec<u8>, String> {
    await_promise(buf.map_async(MAP_MODE_READ).into())
        .await
        .map_err(|e| format!("mapAsync failed: {e}"))?;
    let range = buf
        .get_mapped_range()
        .map_err(|e| format!("getMappedRange failed: {}", js_text(&e)))?;
    let view = js_sys::Uint8Array::new(&range);
    let mut out = vec![0u8; len];
    if (view.length() as usize) < len {
        buf.unmap();
        return Err("mapped range is shorter than the result".into());
    }
    view.subarray(0, len as u32).copy_to(&mut out);
    buf.unmap();
    Ok(out)
}
