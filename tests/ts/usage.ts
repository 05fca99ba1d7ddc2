// Compiled with `tsc --noEmit` by tests/js/types.test.mjs: the declarations must accept real
// usage and reject wrong option values.
import {
  superimposeV2, superimpose, resize, rotate, blend, blendModes, type ImageResult,
  type SuperimposeError, type ErrorCode, createScene, type Scene, type SceneResult, type Rect,
} from "superimpose-wasm";
import { createWorkerPool, type PoolScene } from "superimpose-wasm/pool";
import { initThreads, threadCount, threadsUnsupportedReason, type ThreadsOptions } from "superimpose-wasm/threads";

async function main(file: File, canvas: HTMLCanvasElement) {
  const r: ImageResult = await superimposeV2({
    base_image: file,
    overlay_image: canvas,
    blend_mode: "soft light",
    opacity: 90,
    rescale_factor: 0.4,
    resize_method: "lanczos",
    mirror: "horizontal",
    x_percent: 50,
    y_percent: 65,
    bg_remove_model: "None",
  });
  const blob: Blob = await r.toBlob({ format: "webp" });
  const b64: string = await superimposeV2({ base_image: "data:...", overlay_image: "x", base64: true });
  await superimpose({ base_image: r.imageData, overlay_image: blob, overlay_resize: "Fit", opacity: 0.5 });
  await resize(r.imageData, { width: 10, height: 10, filter: "lanczos" });
  await rotate(r.imageData, { degrees: 30, sampler: "bicubic" });
  await blend(r.imageData, r.imageData, { mode: "soft-light", opacity: 0.5, seed: 1 });
  // A reused output image (an editor re-compositing on every pointer move).
  const frame = new ImageData(r.width, r.height);
  const again: ImageResult = await superimposeV2({ base_image: file, overlay_image: canvas }, { into: frame, backend: "cpu" });
  await resize(frame, { width: 10, height: 10, into: { width: 10, height: 10, data: new Uint8Array(400) } });
  // @ts-expect-error: `into` is an image, not a bare array
  await blend(frame, frame, { into: new Uint8ClampedArray(4) });
  // A resident scene: synchronous renders, only the dirty rectangle repainted.
  const scene: Scene = await createScene({ base_image: file, overlay_image: canvas, rotation: 30 });
  const shown: SceneResult = scene.render({ x_percent: 40, opacity: 75 }, { into: frame });
  const d: Rect | null = shown.dirty;
  if (d) canvas.getContext("2d")?.putImageData(frame, 0, 0, d.x, d.y, d.width, d.height);
  scene.render(undefined, { into: frame, full: true });
  // A whole body may be passed (the images it repeats are the scene's own).
  scene.render({ base_image: file, overlay_image: canvas, rotation: 45 });
  // @ts-expect-error: not a blend mode
  scene.render({ blend_mode: "Soft Light" });
  scene.free();
  // The same in a worker: asynchronous renders, only the changed rectangle crosses threads.
  const pool = createWorkerPool({ size: 2 });
  const inWorker: PoolScene = await pool.createScene({ base_image: frame, overlay_image: canvas });
  const moved = await inWorker.render({ x_percent: 10 }, { into: frame, signal: AbortSignal.timeout(1000) });
  const workerMs: number = moved.ms;
  const rect: Rect | null = moved.dirty;
  console.log(workerMs, rect);
  // @ts-expect-error: `full` is a boolean
  await inWorker.render({}, { full: 1 });
  inWorker.free();
  // v1 scenes: superimpose's body, x_offset / y_offset moves.
  const v1 = await createScene({ base_image: file, overlay_image: canvas, overlay_resize: "Fit" }, { pipeline: "v1" });
  v1.render({ x_offset: 10, y_offset: -4 }, { into: frame });
  // @ts-expect-error: x_percent is a v2 field
  v1.render({ x_percent: 10 });
  const v1Worker = await pool.createScene({ base_image: frame, overlay_image: canvas }, { pipeline: "v1" });
  await v1Worker.render({ x_offset: 3 });
  void again;
  const modes: string[] = await blendModes();
  try {
    // @ts-expect-error: not a blend mode
    await superimposeV2({ base_image: file, overlay_image: file, blend_mode: "Soft Light" });
    // @ts-expect-error: not a resize method
    await superimposeV2({ base_image: file, overlay_image: file, resize_method: "cubic" });
    // @ts-expect-error: overlay_image is required
    await superimposeV2({ base_image: file });
  } catch (e) {
    const err = e as SuperimposeError;
    const code: ErrorCode = err.code;
    console.log(code, err.param, b64, modes);
  }
}
void main;

// superimpose-wasm/threads: opt in before the first call, where the page is cross-origin isolated.
export async function useThreads(): Promise<number> {
  const why: string | null = threadsUnsupportedReason();
  if (why !== null) return 1;
  const opts: ThreadsOptions = { threads: 2 };
  const { threads } = await initThreads(opts);
  const n: number = threadCount();
  return Math.min(threads, n);
}
