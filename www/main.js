// The demo editor: every Superimpose v1/v2 parameter, live re-render (v2 on the CPU through a
// resident scene on this thread, everything else in a worker pool), drag/scroll on the preview,
// blend-mode gallery, exports. Uses only the package's public API.
import { decode, kernelBackend, version, blendModes, ImageResult, createScene } from "../pkg/index.js";
import { createWorkerPool } from "../pkg/pool.js";
import { initRemote } from "./remote.js";

const $ = (id) => document.getElementById(id);
const view = $("view");
const ctx = view.getContext("2d");
const state = { op: "v2", base: null, overlay: null, mask: null, sampleMask: null, last: null, webgpu: null };
const pool = createWorkerPool({ size: 2 });
window.__demo = { state, pool }; // for the end-to-end tests

function showError(e) {
  const box = $("error");
  if (!e) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.textContent = errorText(e);
}

/** A readable one-line message with the error's code (and param / HTTP status / request id). */
export function errorText(e) {
  const extra = [e?.param && `field ${e.param}`, e?.status && `HTTP ${e.status}`, e?.requestId && `request ${e.requestId}`]
    .filter(Boolean).join(", ");
  return `${e?.code ?? "ERROR"}${extra ? ` (${extra})` : ""}: ${e?.message ?? String(e)}`;
}

// Never a blank page: anything that escapes a handler is shown in the error box.
window.addEventListener("error", (ev) => showError(ev.error ?? { message: ev.message }));
window.addEventListener("unhandledrejection", (ev) => showError(ev.reason));

function dataUriBytes(uri) {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(uri);
  if (!m) throw Object.assign(new Error("not a data: URI"), { code: "E_IMAGE_INPUT" });
  const raw = m[2] ? atob(m[3]) : decodeURIComponent(m[3]);
  const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: m[1] || "application/octet-stream" });
}

async function bytesToDataUri(bytes, type) {
  const blob = new Blob([bytes], { type });
  return new Promise((ok) => {
    const r = new FileReader();
    r.onload = () => ok(r.result);
    r.readAsDataURL(blob);
  });
}

// An image slot: pixels for local rendering, and a data: URI for the copy-as-JSON body.
async function loadImage(blobOrUrl) {
  let blob = blobOrUrl;
  if (typeof blobOrUrl === "string" && blobOrUrl.startsWith("data:")) blob = dataUriBytes(blobOrUrl);
  else if (typeof blobOrUrl === "string") {
    const res = await fetch(blobOrUrl);
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status} for ${blobOrUrl}`), { code: "E_IMAGE_FETCH" });
    blob = await res.blob();
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const pixels = await decode(bytes);
  return { pixels, dataUri: await bytesToDataUri(bytes, blob.type || "image/png") };
}

function num(id) {
  return Number($(id).value);
}

function body() {
  const mask = $("use-sample-mask").checked ? state.sampleMask : state.mask;
  if (state.op === "v2") {
    return {
      base_image: state.base.pixels,
      overlay_image: state.overlay.pixels,
      ...(mask ? { mask: mask.pixels } : {}),
      bg_remove_model: $("bg_remove_model").value,
      blend_mode: $("blend_mode").value,
      opacity: num("opacity"),
      rescale_factor: num("rescale_factor"),
      resize_method: $("resize_method").value,
      rotation: num("rotation"),
      mirror: $("mirror").value,
      x_percent: num("x_percent"),
      y_percent: num("y_percent"),
      ...($("scale_filter").value !== "resize_method" ? { scale_filter: $("scale_filter").value } : {}),
      ...(num("seed") ? { seed: num("seed") } : {}),
    };
  }
  return {
    base_image: state.base.pixels,
    overlay_image: state.overlay.pixels,
    ...(mask ? { mask: mask.pixels } : {}),
    overlay_resize: $("overlay_resize").value,
    resize_method: $("v1_resize_method").value,
    rescale_factor: num("v1_rescale_factor"),
    width: num("v1_width"),
    height: num("v1_height"),
    x_offset: num("x_offset"),
    y_offset: num("y_offset"),
    rotation: num("v1_rotation"),
    opacity: num("v1_opacity"),
  };
}

// Background removal (bg_remove_model "IsNet" with a registered model): the model takes seconds,
// so it runs once per overlay in a worker (pool.removeBackground) and renders reuse the cutout
// with bg_remove_model "None" — the same pixels the pipeline gives for "IsNet" (the matte times
// the overlay's alpha). The copied JSON body keeps "IsNet" and the original overlay.
const bg = { model: null, overlay: null, cutout: null };

function bgProgress(p) {
  const el = $("bg-status");
  if (p.phase === "download") {
    el.textContent = `Background model: ${p.cached ? "from cache" : "downloading"} ${(p.loaded / 1e6).toFixed(1)}${p.total ? ` / ${(p.total / 1e6).toFixed(1)}` : ""} MB`;
  } else if (p.phase === "load") {
    el.textContent = p.state === "start" ? "Background model: creating the session…" : `Background model: loaded (${p.executionProvider})`;
  } else if (p.phase === "inference") {
    el.textContent = p.state === "start" ? `Removing the background (${p.executionProvider})…` : `Background removed in ${(p.ms / 1000).toFixed(1)} s (${p.executionProvider})`;
  }
}

/** The render body: with a registered model, the overlay is swapped for its (cached) cutout. */
async function withCutout(b) {
  if (state.op !== "v2" || !bg.model || b.mask || b.bg_remove_model !== bg.model.name) return b;
  if (bg.overlay !== state.overlay) {
    const overlay = state.overlay;
    bg.overlay = overlay;
    bg.cutout = pool.removeBackground(overlay.pixels, { model: bg.model.name, onProgress: bgProgress })
      .then((r) => r.imageData)
      .catch((e) => {
        if (bg.overlay === overlay) bg.overlay = null; // try again on the next render
        throw e;
      });
  }
  return { ...b, overlay_image: await bg.cutout, bg_remove_model: "None" };
}

async function setUpBackgroundModel() {
  const cfg = await fetch("./demo-config.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  const m = cfg.bgModel;
  if (!m) {
    $("bg-status").textContent = "Background removal: no model registered here (make demo BG=u2netp, or BG=isnet for IS-Net). \"IsNet\" shows E_MODEL_UNAVAILABLE.";
    return;
  }
  const abs = (u) => new URL(u, location.href).href;
  pool.configureOnnxRuntime({
    moduleUrl: abs("/node_modules/onnxruntime-web/dist/ort.min.mjs"),
    wasmPaths: abs("/node_modules/onnxruntime-web/dist/"),
  });
  pool.registerBackgroundModel(m.name, { url: abs(m.url), preprocess: m.preprocess });
  bg.model = m;
  $("bg-status").textContent = `Background removal: "${m.name}" runs ${m.label} in a worker (choose IsNet above).`;
}

// CPU renders go through a resident Scene on this thread (v2 or v1): it is created when an image,
// the background model or the pipeline changes; then a drag (or, for v2, a new blend mode, opacity
// or seed) re-composites only the overlay's area and only the changed rectangle is repainted.
// Same pixels as superimposeV2 / superimpose.
const SCENE_FIXED = ["base_image", "overlay_image", "mask", "bg_remove_model"];
const live = { scene: null, key: null, frame: null, onCanvas: false, repaints: [] };
window.__demo.live = live;

async function sceneRender(rb, op) {
  const key = [op, ...SCENE_FIXED.map((k) => rb[k])];
  if (!live.scene || key.some((v, i) => v !== live.key[i])) {
    live.scene?.free();
    live.scene = null;
    live.onCanvas = false;
    live.scene = await createScene(rb, { pipeline: op });
    live.key = key;
    live.frame = new ImageData(live.scene.width, live.scene.height);
  }
  // Omitted optional v2 fields go back to their defaults (a scene merges the changes it is given).
  const changes = op === "v2" ? { scale_filter: "resize_method", seed: 0, ...rb } : { ...rb };
  for (const k of SCENE_FIXED) delete changes[k];
  const t0 = performance.now();
  const r = live.scene.render(changes, { into: live.frame });
  r.ms = performance.now() - t0;
  return r;
}

// Live rendering without a backlog: at most one render in flight, the latest state wins.
let inflight = false;
let dirty = false;
const times = [];
async function render() {
  if (!state.base || !state.overlay) return;
  if (inflight) {
    dirty = true;
    return;
  }
  inflight = true;
  dirty = false;
  const b = body();
  const options = { backend: $("backend").value };
  let t0 = performance.now();
  try {
    const rb = await withCutout(b);
    t0 = performance.now();
    const useScene = options.backend !== "webgpu";
    const r = useScene
      ? await sceneRender(rb, state.op)
      : state.op === "v2" ? await pool.superimposeV2(rb, options) : await pool.superimpose(rb, options);
    const total = performance.now() - t0;
    let resized = false;
    if (view.width !== r.width || view.height !== r.height) {
      view.width = r.width;
      view.height = r.height;
      resized = true;
    }
    const d = r.dirty;
    // A scene render whose settings did not change (e.g. the second of two input events) repaints
    // nothing and keeps the timing line and chart of the last real render.
    const noop = useScene && live.onCanvas && !resized && !d;
    if (useScene && live.onCanvas && !resized) {
      if (d) {
        ctx.putImageData(r.imageData, 0, 0, d.x, d.y, d.width, d.height);
        live.repaints.push([d.width, d.height]);
        if (live.repaints.length > 20) live.repaints.shift();
      }
    } else {
      ctx.putImageData(r.imageData, 0, 0);
    }
    live.onCanvas = useScene;
    state.last = { result: r, body: b, renderBody: rb, options };
    if (!noop) {
      times.push(r.ms);
      if (times.length > 50) times.shift();
      const median = [...times].sort((x, y) => x - y)[times.length >> 1];
      $("timing").textContent = useScene
        ? `last render ${r.ms.toFixed(1)} ms on the main thread, resident scene, repainted ${d.width}×${d.height} (median ${median.toFixed(1)} ms)`
        : `last render ${r.ms.toFixed(1)} ms in worker (median ${median.toFixed(1)} ms, ${total.toFixed(1)} ms round trip)`;
      drawChart();
    }
    $("backend-used").textContent = r.backendUsed ?? "cpu";
    $("size").textContent = `${r.width}×${r.height}`;
    showError(r.warnings.length ? { code: "NOTE", message: r.warnings.join("\n") } : null);
    view.dataset.renders = String(Number(view.dataset.renders ?? 0) + 1);
  } catch (e) {
    showError(e);
  } finally {
    inflight = false;
    if (dirty) render();
    else scheduleGallery();
  }
}

// A rolling bar chart of the last 50 render times (worker time), scaled to the slowest one.
function drawChart() {
  const c = $("chart");
  const g = c.getContext("2d");
  const w = c.width, h = c.height;
  g.clearRect(0, 0, w, h);
  if (!times.length) return;
  const max = Math.max(...times, 1);
  const bw = w / 50;
  g.fillStyle = "#0a66d8";
  times.forEach((t, i) => {
    const bh = Math.max(1, (t / max) * (h - 12));
    g.fillRect(i * bw + 1, h - bh, Math.max(1, bw - 2), bh);
  });
  g.fillStyle = "#333";
  g.font = "10px system-ui, sans-serif";
  g.fillText(`max ${max.toFixed(0)} ms`, 2, 10);
  c.setAttribute("aria-label", `Render times of the last ${times.length} renders: latest ${times.at(-1).toFixed(1)} ms, slowest ${max.toFixed(1)} ms`);
}

async function detectWebGpu() {
  let adapter = null;
  try {
    adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  } catch {
    adapter = null;
  }
  state.webgpu = !!adapter;
  const gpuOption = [...$("backend").options].find((o) => o.value === "webgpu");
  gpuOption.disabled = !adapter;
  gpuOption.textContent = adapter ? "webgpu" : "webgpu (unavailable)";
  $("webgpu-note").textContent = adapter
    ? "WebGPU available: auto uses it when the package supports it; cpu forces wasm."
    : `WebGPU unavailable (${navigator.gpu ? "no adapter" : "navigator.gpu missing"}): every backend renders on the CPU (wasm).`;
  $("webgpu-note").classList.toggle("warn", !adapter);
}

// Blend-mode gallery: the current composite in every mode, on thumbnails.
let galleryTimer = 0;
let galleryGen = 0;
function scheduleGallery() {
  clearTimeout(galleryTimer);
  galleryTimer = setTimeout(renderGallery, 150);
}
async function renderGallery() {
  if (state.op !== "v2" || !state.last) return;
  const gen = ++galleryGen;
  const scale = 120 / state.base.pixels.width;
  const thumbBase = await pool.resize(state.base.pixels, {
    width: 120, height: Math.max(1, Math.round(state.base.pixels.height * scale)), filter: "bilinear",
  });
  for (const btn of $("gallery").children) {
    if (gen !== galleryGen) return;
    const b = { ...state.last.renderBody, base_image: thumbBase.imageData, blend_mode: btn.dataset.mode };
    b.rescale_factor = Math.max(0.01, b.rescale_factor * scale);
    try {
      const r = await pool.superimposeV2(b, state.last.options);
      const c = btn.querySelector("canvas");
      c.width = r.width;
      c.height = r.height;
      c.getContext("2d").putImageData(r.imageData, 0, 0);
    } catch {
      /* a thumbnail that cannot render (e.g. a 0-px overlay) stays as it was */
    }
  }
}

function selectMode(mode) {
  $("blend_mode").value = mode;
  for (const b of $("gallery").children) b.setAttribute("aria-selected", String(b.dataset.mode === mode));
  render();
}

function wireOutputs() {
  const pairs = [["opacity", "opacity-out"], ["rescale_factor", "rescale-out"], ["rotation", "rotation-out"],
    ["x_percent", "x-out"], ["y_percent", "y-out"], ["v1_rescale_factor", "v1-rescale-out"],
    ["v1_rotation", "v1-rotation-out"], ["v1_opacity", "v1-opacity-out"]];
  for (const [input, out] of pairs) {
    const sync = () => ($(out).value = $(input).value);
    $(input).addEventListener("input", sync);
    sync();
  }
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function jsonBody() {
  const b = { ...state.last.body };
  b.base_image = state.base.dataUri;
  b.overlay_image = state.overlay.dataUri;
  const mask = $("use-sample-mask").checked ? state.sampleMask : state.mask;
  if (mask) b.mask = mask.dataUri;
  return b;
}

function setOverlayPosition(clientX, clientY) {
  const r = view.getBoundingClientRect();
  const fx = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
  const fy = Math.min(1, Math.max(0, (clientY - r.top) / r.height));
  if (state.op === "v2") {
    $("x_percent").value = Math.round(fx * 100);
    $("y_percent").value = Math.round(fy * 100);
    $("x_percent").dispatchEvent(new Event("input"));
    $("y_percent").dispatchEvent(new Event("input"));
  } else {
    const ow = state.overlay.pixels.width * num("v1_rescale_factor");
    const oh = state.overlay.pixels.height * num("v1_rescale_factor");
    $("x_offset").value = Math.round(fx * view.width - ow / 2);
    $("y_offset").value = Math.round(fy * view.height - oh / 2);
  }
  render();
}

function wireCanvas() {
  let dragging = false;
  view.addEventListener("pointerdown", (e) => {
    dragging = true;
    view.setPointerCapture(e.pointerId);
    setOverlayPosition(e.clientX, e.clientY);
  });
  view.addEventListener("pointermove", (e) => dragging && setOverlayPosition(e.clientX, e.clientY));
  view.addEventListener("pointerup", () => (dragging = false));
  view.addEventListener("wheel", (e) => {
    e.preventDefault();
    const id = state.op === "v2" ? "rescale_factor" : "v1_rescale_factor";
    const v = num(id) * Math.pow(1.1, -Math.sign(e.deltaY));
    $(id).value = Math.min(Number($(id).max), Math.max(Number($(id).min), v)).toFixed(2);
    $(id).dispatchEvent(new Event("input"));
    render();
  }, { passive: false });
  view.addEventListener("keydown", (e) => {
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!d) return;
    e.preventDefault();
    if (state.op === "v2") {
      $("x_percent").value = num("x_percent") + d[0];
      $("y_percent").value = num("y_percent") + d[1];
      $("x_percent").dispatchEvent(new Event("input"));
      $("y_percent").dispatchEvent(new Event("input"));
    } else {
      $("x_offset").value = num("x_offset") + d[0] * 5;
      $("y_offset").value = num("y_offset") + d[1] * 5;
    }
    render();
  });
  view.addEventListener("dragover", (e) => e.preventDefault());
  view.addEventListener("drop", async (e) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (!file) return;
    try {
      state[e.shiftKey ? "base" : "overlay"] = await loadImage(file);
      render();
    } catch (err) {
      showError(err);
    }
  });
}

/**
 * On a cross-origin isolated page (`make demo ISOLATED=1`) the CPU renders use every core: the
 * threads build of the package, loaded before its first call. Elsewhere (and where pkg/ was built
 * without it) the single-threaded build runs. Returns the thread count.
 */
async function startThreads() {
  if (globalThis.crossOriginIsolated !== true) return 1;
  try {
    const { initThreads } = await import("../pkg/threads.js");
    return (await initThreads()).threads;
  } catch (e) {
    console.warn(`demo: single-threaded (${e?.code ?? ""} ${e?.message ?? e})`);
    return 1;
  }
}

async function main() {
  state.threads = await startThreads();
  const modes = await blendModes();
  for (const m of modes) {
    $("blend_mode").append(new Option(m, m, m === "multiply", m === "multiply"));
    const btn = document.createElement("button");
    btn.dataset.mode = m;
    btn.setAttribute("role", "option");
    btn.setAttribute("aria-selected", String(m === "multiply"));
    btn.innerHTML = `<canvas width="120" height="80" aria-hidden="true"></canvas><span></span>`;
    btn.querySelector("span").textContent = m;
    btn.addEventListener("click", () => selectMode(m));
    $("gallery").append(btn);
  }
  wireOutputs();
  wireCanvas();
  for (const el of document.querySelectorAll(".panel select, .panel input[type=range], .panel input[type=number], .panel input[type=checkbox]")) {
    el.addEventListener("input", () => {
      if (el.id === "blend_mode") selectMode(el.value);
      else render();
    });
  }
  for (const r of document.querySelectorAll("input[name=op]")) {
    r.addEventListener("change", () => {
      state.op = r.value;
      $("params-v2").hidden = state.op !== "v2";
      $("params-v1").hidden = state.op !== "v1";
      render();
    });
  }
  for (const [id, slot] of [["file-base", "base"], ["file-overlay", "overlay"], ["file-mask", "mask"]]) {
    $(id).addEventListener("change", async () => {
      try {
        if ($(id).files[0]) state[slot] = await loadImage($(id).files[0]);
        render();
      } catch (e) {
        showError(e);
      }
    });
  }
  for (const slot of ["base", "overlay"]) {
    $(`url-${slot}`).addEventListener("change", async () => {
      const url = $(`url-${slot}`).value.trim();
      if (!url) return;
      try {
        state[slot] = await loadImage(url);
        render();
      } catch (e) {
        showError(e);
      }
    });
  }
  for (const f of ["png", "jpeg", "webp"]) {
    $(`dl-${f}`).addEventListener("click", async () => {
      if (!state.last) return;
      const r = new ImageResult(state.last.result.imageData);
      download(await r.toBlob({ format: f, quality: 90 }), `superimpose.${f === "jpeg" ? "jpg" : f}`);
    });
  }
  $("copy-json").addEventListener("click", async () => {
    await navigator.clipboard?.writeText(JSON.stringify(jsonBody(), null, 2)).catch(() => {});
    $("status").textContent = "Request body copied (it runs locally and on Segmind's API).";
  });
  $("copy-code").addEventListener("click", async () => {
    const b = jsonBody();
    for (const k of ["base_image", "overlay_image", "mask"]) if (b[k]) b[k] = `<${k}: URL, Blob, ImageData…>`;
    const fn = state.op === "v2" ? "superimposeV2" : "superimpose";
    const code = `import { ${fn} } from "superimpose-wasm";\n\nconst result = await ${fn}(${JSON.stringify(b, null, 2)});\nconst png = await result.toBlob({ format: "png" });\n`;
    await navigator.clipboard?.writeText(code).catch(() => {});
    $("status").textContent = "Code snippet copied.";
  });

  try {
    [state.base, state.overlay, state.sampleMask] = await Promise.all([
      loadImage("./samples/base.jpg"), loadImage("./samples/overlay.png"), loadImage("./samples/mask.png"),
    ]);
  } catch (e) {
    showError(e);
  }
  $("kernels").textContent = `${await kernelBackend()}${state.threads > 1 ? ` × ${state.threads} threads` : ""}`;
  await detectWebGpu();
  await setUpBackgroundModel();
  $("status").textContent = `superimpose-wasm ${await version()} · ${modes.length} blend modes · CPU renders: a resident scene on this thread (WebGPU, gallery, background removal: ${pool.size} workers) · WebGPU: ${
    state.webgpu ? "available" : "unavailable"}`;
  await render();
  await initRemote({
    state,
    errorText,
    composite: () => view.toDataURL("image/png"),
    async useAs(slot, src) {
      state[slot] = await loadImage(src);
      await render();
      window.__demo.remote?.refresh?.();
    },
  });
}

main().catch((e) => {
  showError(e);
  $("status").textContent = "The demo failed to start.";
});
