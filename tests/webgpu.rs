//! WebGPU smoke test in headless Chromium (started with `--enable-unsafe-webgpu` by
//! `webdriver.json`): request an adapter, run a real WGSL compute shader, check its output and
//! report which adapter ran it. No adapter is a failure here, not a skip: CI's Chromium has the
//! SwiftShader fallback adapter, and a GPU test that silently passes without one proves nothing.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export async function gpu_smoke(n) {
  if (!('gpu' in navigator)) throw new Error('navigator.gpu is missing');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null (is --enable-unsafe-webgpu set?)');
  const device = await adapter.requestDevice();
  const module = device.createShaderModule({ code: `
    @group(0) @binding(0) var<storage, read_write> v: array<u32>;
    @compute @workgroup_size(64)
    fn main(@builtin(global_invocation_id) id: vec3<u32>) {
      if (id.x < arrayLength(&v)) { v[id.x] = v[id.x] * 3u + 1u; }
    }` });
  const info = await module.getCompilationInfo();
  const errs = info.messages.filter((m) => m.type === 'error');
  if (errs.length) throw new Error('WGSL: ' + errs.map((m) => m.message).join('; '));
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bytes = n * 4;
  const buf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, Uint32Array.from({ length: n }, (_, i) => i));
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline); pass.setBindGroup(0, bind); pass.dispatchWorkgroups(Math.ceil(n / 64)); pass.end();
  enc.copyBufferToBuffer(buf, 0, read, 0, bytes);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const out = Array.from(new Uint32Array(read.getMappedRange()));
  read.unmap();
  const ai = adapter.info || {};
  const adapterName = `vendor=${ai.vendor} architecture=${ai.architecture} device=${ai.device || '-'} description=${ai.description || '-'} fallback=${adapter.isFallbackAdapter ?? ai.isFallbackAdapter}`;
  device.destroy();
  return { out, adapter: adapterName };
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn gpu_smoke(n: u32) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen_test]
async fn webgpu_compute_shader_runs_and_reports_its_adapter() {
    let n = 1000u32;
    let res = gpu_smoke(n)
        .await
        .unwrap_or_else(|e| panic!("WebGPU smoke failed: {e:?}"));
    let adapter = js_sys::Reflect::get(&res, &"adapter".into())
        .unwrap()
        .as_string()
        .unwrap();
    let out: Vec<u32> = js_sys::Array::from(&js_sys::Reflect::get(&res, &"out".into()).unwrap())
        .iter()
        .map(|v| v.as_f64().unwrap() as u32)
        .collect();
    assert_eq!(out.len(), n as usize);
    for (i, v) in out.iter().enumerate() {
        assert_eq!(*v, i as u32 * 3 + 1, "element {i}");
    }
    // Printed so that CI's log says which adapter ran the shader.
    wasm_bindgen_test::console_log!("WebGPU adapter: {adapter}");
}
