// Compiled with `tsc --noEmit` by tests/js/bg_node.test.mjs: the background-removal declarations
// accept real usage and reject wrong values.
import {
  registerBackgroundModel, unregisterBackgroundModel, backgroundModel, configureOnnxRuntime,
  removeBackground, superimposeV2, type BackgroundProgress, type ImageResult,
} from "superimpose-wasm";
import { createWorkerPool } from "superimpose-wasm/pool";

async function main(file: File, signal: AbortSignal) {
  configureOnnxRuntime({ wasmPaths: "/ort/", numThreads: 1 });
  const model = registerBackgroundModel("IsNet", {
    url: "/models/isnet_quint8.onnx",
    preprocess: "isnet",
    onProgress: (p: BackgroundProgress) => {
      if (p.phase === "download") console.log(p.loaded, p.total, p.cached);
    },
  });
  await model.load({ signal });
  const ep: string | null = model.executionProvider;
  const r: ImageResult = await superimposeV2(
    { base_image: file, overlay_image: file, bg_remove_model: "IsNet" },
    { signal, onProgress: (p) => p.phase === "inference" && p.state === "done" && console.log(p.ms) },
  );
  const cut: ImageResult = await removeBackground(file, { model: "mine" });
  registerBackgroundModel("mine", { bytes: new Uint8Array(4), preprocess: "u2net", executionProviders: ["wasm"] });
  unregisterBackgroundModel("mine");
  console.log(backgroundModel("IsNet")?.timings.inference, ep, r.warnings, cut.width);
  const pool = createWorkerPool({ size: 1 });
  pool.configureOnnxRuntime({ moduleUrl: "/ort/ort.min.mjs" });
  pool.registerBackgroundModel("Bria", { url: "/models/rmbg.onnx", preprocess: "rmbg2" });
  await pool.superimposeV2({ base_image: file, overlay_image: file }, { onProgress: (p) => console.log(p.phase) });
  // @ts-expect-error: not a contract name
  registerBackgroundModel("IsNet", { url: "/m.onnx", preprocess: "IsNet" });
  // @ts-expect-error: preprocess is required
  registerBackgroundModel("IsNet", { url: "/m.onnx" });
  // @ts-expect-error: onProgress is per call in a pool
  pool.registerBackgroundModel("IsNet", { url: "/m.onnx", preprocess: "isnet", onProgress: () => {} });
}
void main;
