// superimpose-wasm worker entry: `new Worker(new URL("superimpose-wasm/worker", import.meta.url),
// { type: "module" })`, or let createWorkerPool() (superimpose-wasm/pool) start them for you.
// Messages: {id, op, args} → {id, ok: true, value} | {id, ok: false, error}. Output pixels are
// transferred (zero-copy) back to the caller.
import * as api from "./index.js";
// The same module instance index.js initialises (ES modules are singletons): the band entry
// points of the pool's row split are called on it directly.
import * as core from "./superimpose_wasm.js";

const OPS = new Set(["superimposeV2", "superimpose", "resize", "rotate", "blend", "decode", "encode",
  "blendModes", "version", "kernelBackend", "setMaxPixels", "maxPixels", "setMemoryBudget", "memoryBudget", "webgpuInfo", "removeBackground",
  "registerBackgroundModel", "unregisterBackgroundModel", "configureOnnxRuntime", "resizeBand", "superimposeV2Band",
  "superimposeV2ScaledRows", "superimposeV2BandScaled", "sceneCreate", "sceneRender", "sceneFree"]);

// Scenes of the pool (pool.createScene): each lives in this worker with its own frame, which
// every render writes into (so the scene reports what changed); only that rectangle is sent back.
const scenes = new Map();
let nextScene = 1;

function sceneOf(id) {
  const e = scenes.get(id);
  if (!e) {
    throw Object.assign(new Error("this scene is gone from its worker (freed, or the worker was restarted after an abort); create it again"),
      { code: "E_UNSUPPORTED", param: "scene" });
  }
  return e;
}

/** Rectangle `d` of an RGBA frame as a new (transferable) buffer. */
function rectOf(frame, d) {
  const out = new Uint8ClampedArray(d.width * d.height * 4);
  const row = d.width * 4;
  for (let y = 0; y < d.height; y++) {
    const at = ((d.y + y) * frame.width + d.x) * 4;
    out.set(frame.data.subarray(at, at + row), y * row);
  }
  return out;
}

function serialiseError(e) {
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(e),
    code: e?.code ?? "E_INTERNAL",
    param: e?.param,
    status: e?.status,
    requestId: e?.requestId,
  };
}

self.onmessage = async ({ data }) => {
  const { id, op, args = [] } = data ?? {};
  try {
    if (!OPS.has(op)) throw Object.assign(new Error(`unknown worker op ${op}`), { code: "E_UNSUPPORTED" });
    const t0 = performance.now();
    // Background removal reports download/load/inference progress as {id, progress} messages.
    const onProgress = (progress) => self.postMessage({ id, progress });
    let value;
    if (op === "superimposeV2") value = await api.superimposeV2(args[0], { ...args[1], onProgress });
    else if (op === "removeBackground") value = await api.removeBackground(args[0], { ...args[1], onProgress });
    else if (op === "registerBackgroundModel") value = (api.registerBackgroundModel(...args), true);
    else if (op === "resizeBand") value = (await api.init(), core.resizeBand(...args));
    else if (op === "superimposeV2Band") value = (await api.init(), await core.superimposeV2Band(...args));
    else if (op === "superimposeV2ScaledRows") value = (await api.init(), core.superimposeV2ScaledRows(...args));
    else if (op === "superimposeV2BandScaled") value = (await api.init(), await core.superimposeV2BandScaled(...args));
    else if (op === "sceneCreate") {
      const scene = await api.createScene(args[0], { ...args[1], onProgress });
      const id = nextScene++;
      const frame = { width: scene.width, height: scene.height, data: new Uint8ClampedArray(scene.width * scene.height * 4) };
      scenes.set(id, { scene, frame });
      value = { id, width: scene.width, height: scene.height, warnings: scene.warnings };
    } else if (op === "sceneRender") {
      const [sid, changes, full] = args;
      const { scene, frame } = sceneOf(sid);
      const r = scene.render(changes, { into: frame, full });
      const d = r.dirty;
      const px = d ? rectOf(frame, d) : null;
      self.postMessage({ id, ok: true, value: { kind: "scene", dirty: d, data: px, ms: performance.now() - t0 } }, px ? [px.buffer] : []);
      return;
    } else if (op === "sceneFree") {
      scenes.get(args[0])?.scene.free();
      value = scenes.delete(args[0]);
    }
    else value = await api[op](...args);
    const ms = performance.now() - t0;
    if (value instanceof api.ImageResult) {
      const { width, height, data: px } = value.imageData;
      self.postMessage(
        { id, ok: true, value: { kind: "image", width, height, data: px, warnings: value.warnings, ms,
          backendUsed: value.backendUsed, gpuFallbackReason: value.gpuFallbackReason } },
        [px.buffer],
      );
    } else if (value instanceof Uint8Array) {
      self.postMessage({ id, ok: true, value: { kind: "bytes", data: value, ms } }, [value.buffer]);
    } else if (value && typeof value === "object" && "data" in value && "width" in value) {
      const { width, height, data: px } = value;
      // Band results also carry their rows and sizes (the pool's row split).
      const { y0, y1, scaledWidth, scaledHeight, left, top, preparedWidth, preparedHeight } = value;
      self.postMessage({ id, ok: true, value: { kind: "image", width, height, data: px, warnings: value.warnings ?? [], ms,
        backendUsed: value.backendUsed, gpuFallbackReason: value.gpuFallbackReason,
        y0, y1, scaledWidth, scaledHeight, left, top, preparedWidth, preparedHeight } }, [px.buffer]);
    } else {
      self.postMessage({ id, ok: true, value: { kind: "value", value, ms } });
    }
  } catch (e) {
    self.postMessage({ id, ok: false, error: serialiseError(e) });
  }
};
