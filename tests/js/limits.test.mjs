// Limits through the built package (pkg/), as an app sees them: the pixel limit and the memory
// budget refuse before allocating (the wasm memory does not grow), and after every refused call —
// every error code reachable locally through the public API — the same module instance serves
// the next call with the same output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pngClaiming } from '../server/png.mjs';

const pkg = await import(new URL('../../pkg/index.js', import.meta.url));
// The glue's init returns the already-instantiated module's exports (same instance as the
// package uses), whose `memory` is the wasm linear memory.
await pkg.init();
const glue = await import(new URL('../../pkg/superimpose_wasm.js', import.meta.url));
const wasmExports = await glue.default();
// Encoded images are decoded by the codec module (its own instance and memory): count both.
await pkg.loadCodecs();
const codecGlue = await import(new URL('../../pkg/superimpose_codecs.js', import.meta.url));
const codecExports = await codecGlue.default();
const wasmMemory = () => wasmExports.memory.buffer.byteLength + codecExports.memory.buffer.byteLength;

const px = (w, h, k = 7) => ({ width: w, height: h, data: Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * k) % 256) });

async function reference() {
  const r = await pkg.superimposeV2({ base_image: px(40, 30), overlay_image: px(12, 9, 13), bg_remove_model: 'None', blend_mode: 'overlay', rotation: 30, rescale_factor: 1.7 });
  return Buffer.from(r.imageData.data).toString('base64');
}

test('a 50 000 × 50 000 PNG bomb is refused from its header; memory does not grow', async () => {
  const expected = await reference();
  const bomb = pngClaiming(50_000, 50_000);
  assert.ok(bomb.length < 200);
  // Warm both modules' heaps with a small decode and refusal (their first calls may grow the heap
  // by a page for bookkeeping); then refusing the bomb must not grow either memory at all.
  await pkg.decode(await pkg.encode(px(8, 8), { format: 'png' }));
  await assert.rejects(pkg.decode(pngClaiming(70_000, 70_000)), (e) => e.code === 'E_IMAGE_TOO_LARGE');
  const before = wasmMemory();
  await assert.rejects(pkg.decode(bomb), (e) => e.code === 'E_IMAGE_TOO_LARGE');
  await assert.rejects(pkg.superimposeV2({ base_image: bomb, overlay_image: px(2, 2), bg_remove_model: 'None' }), (e) => e.code === 'E_IMAGE_TOO_LARGE');
  await pkg.setMaxPixels(4_000_000_000);
  try {
    await assert.rejects(pkg.decode(bomb), (e) => e.code === 'E_MEMORY_BUDGET' && /MiB/.test(e.message));
  } finally {
    await pkg.setMaxPixels(64 * 1024 * 1024);
  }
  const grown = wasmMemory() - before;
  assert.equal(grown, 0, `wasm memory grew by ${grown} bytes`);
  assert.equal(await reference(), expected);
});

test('rescale_factor 100 on a large overlay: refused before allocating, then the next call works', async () => {
  const expected = await reference();
  const body = { base_image: px(64, 48), overlay_image: px(400, 300), bg_remove_model: 'None', rescale_factor: 100 };
  await assert.rejects(pkg.superimposeV2(body)); // let the allocator reach its working size
  const before = wasmMemory();
  await assert.rejects(pkg.superimposeV2(body), (e) => e.code === 'E_IMAGE_TOO_LARGE' && e.param === 'rescale_factor');
  await pkg.setMaxPixels(4_000_000_000);
  try {
    await assert.rejects(pkg.superimposeV2(body), (e) => e.code === 'E_MEMORY_BUDGET');
  } finally {
    await pkg.setMaxPixels(64 * 1024 * 1024);
  }
  assert.equal(wasmMemory() - before, 0, 'wasm memory grew while refusing');
  // Small overlay × 100 runs within the budget.
  const ok = await pkg.superimposeV2({ ...body, overlay_image: px(8, 6) });
  assert.equal(ok.width, 64);
  assert.equal(await reference(), expected);
});

test('setMemoryBudget / memoryBudget: default 1 GiB, checked, and applied', async () => {
  assert.equal(await pkg.memoryBudget(), 2 ** 30);
  await assert.rejects(pkg.setMemoryBudget(1000), (e) => e.code === 'E_PARAM_RANGE' && e.param === 'memoryBudget');
  await assert.rejects(pkg.setMemoryBudget(NaN), (e) => e.code === 'E_PARAM_RANGE');
  await pkg.setMemoryBudget(2 ** 20);
  try {
    await assert.rejects(pkg.resize(px(4, 4), { width: 600, height: 600 }), (e) => e.code === "E_MEMORY_BUDGET");
    await assert.rejects(pkg.rotate(px(300, 300), { degrees: 45 }), (e) => e.code === 'E_MEMORY_BUDGET');
  } finally {
    await pkg.setMemoryBudget(2 ** 30);
  }
  const r = await pkg.resize(px(4, 4), { width: 400, height: 400 });
  assert.equal(r.width, 400);
});

test('the codec module follows setMemoryBudget and setMaxPixels (also when it loads later)', async () => {
  const png = await pkg.encode(px(300, 300), { format: 'png' });
  await pkg.setMemoryBudget(2 ** 20);
  try {
    await assert.rejects(pkg.decode(png), (e) => e.code === 'E_MEMORY_BUDGET');
  } finally {
    await pkg.setMemoryBudget(2 ** 30);
  }
  await pkg.setMaxPixels(1000);
  try {
    await assert.rejects(pkg.decode(png), (e) => e.code === 'E_IMAGE_TOO_LARGE');
  } finally {
    await pkg.setMaxPixels(64 * 1024 * 1024);
  }
  assert.equal((await pkg.decode(png)).width, 300);
});

test('after every locally reachable error code, the same instance serves the next call identically', async () => {
  const expected = await reference();
  const png = await pkg.encode(px(3, 3), { format: 'png' });
  const ok = { base_image: px(8, 8), overlay_image: px(4, 4), bg_remove_model: 'None' };
  const cases = [
    ['E_PARAM_RANGE', () => pkg.superimposeV2({ ...ok, opacity: 101 })],
    ['E_PARAM_RANGE', () => pkg.superimposeV2({ ...ok, opacity: Infinity })],
    ['E_PARAM_ENUM', () => pkg.superimposeV2({ ...ok, blend_mode: 'nope' })],
    ['E_PARAM_TYPE', () => pkg.superimposeV2({ ...ok, rotation: 'x' })],
    ['E_PARAM_TYPE', () => pkg.superimposeV2(null)],
    ['E_PARAM_MISSING', () => pkg.superimposeV2({})],
    ['E_PARAM_UNKNOWN', () => pkg.superimposeV2({ ...ok, rotate: 3 })],
    ['E_BUFFER_SIZE', () => pkg.superimposeV2({ ...ok, base_image: { width: 2, height: 2, data: new Uint8ClampedArray(15) } })],
    ['E_DIMENSIONS', () => pkg.superimposeV2({ ...ok, rescale_factor: 0.01 })],
    ['E_DIMENSIONS', () => pkg.resize(px(2, 2), { width: 0, height: 3 })],
    ['E_IMAGE_TOO_LARGE', () => pkg.decode(pngClaiming(60_000, 60_000))],
    ['E_MEMORY_BUDGET', async () => {
      await pkg.setMemoryBudget(2 ** 20);
      try { return await pkg.decode(pngClaiming(400, 400)); } finally { await pkg.setMemoryBudget(2 ** 30); }
    }],
    ['E_IMAGE_DECODE', () => pkg.decode(png.subarray(0, png.length >> 1))],
    ['E_IMAGE_DECODE', () => pkg.decode(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))],
    ['E_IMAGE_INPUT', () => pkg.superimposeV2({ ...ok, base_image: 42 })],
    ['E_IMAGE_INPUT', () => pkg.superimposeV2({ ...ok, base_image: 'file:///etc/passwd' })],
    ['E_IMAGE_FETCH', () => pkg.superimposeV2({ ...ok, base_image: 'http://127.0.0.1:9/a.png' })],
    ['E_MODEL_UNAVAILABLE', () => pkg.superimposeV2({ ...ok, bg_remove_model: 'Bria' })],
    ['E_ABORTED', () => pkg.superimposeV2(ok, { signal: AbortSignal.abort() })],
    ['E_NOT_FOUND', () => pkg.modelSchema('no-such-model')],
    ['E_PARAM_RANGE', () => pkg.encode(px(2, 2), { format: 'jpeg', quality: 0 })],
    ['E_PARAM_ENUM', () => pkg.encode(px(2, 2), { format: 'gif' })],
    ['E_PARAM_RANGE', () => pkg.setMaxPixels(0)],
    ['E_PARAM_RANGE', () => pkg.superimpose({ base_image: px(8, 8), overlay_image: px(4, 4), opacity: 2 })],
    ['E_PARAM_RANGE', () => pkg.validateBody('superimpose-v2', { base_image: 'https://x/a.png', overlay_image: 'https://x/b.png', opacity: 300 })],
  ];
  const codes = new Set();
  for (const [code, call] of cases) {
    await assert.rejects(Promise.resolve().then(call), (e) => {
      assert.equal(e.code, code, `${e.code}: ${e.message}`);
      assert.equal(e.name, 'SuperimposeError');
      return true;
    });
    codes.add(code);
    assert.equal(await reference(), expected, `the call after ${code} differs`);
  }
  console.log(`limits: ${cases.length} refused calls, ${codes.size} codes, instance still serving`);
  // Every code of the public union is either exercised above or accounted for here, so a new
  // code cannot be added without deciding how it is tested.
  const NOT_LOCAL = {
    E_IMAGE_ENCODE: 'the encoders accept every valid RGBA image; no input reaches it',
    E_UNSUPPORTED: 'environment-dependent features only',
    E_GPU_UNAVAILABLE: 'WebGPU (tests/webgpu.rs)', E_GPU: 'WebGPU (tests/webgpu.rs)',
    E_INTERNAL: 'a bug: no input is known to reach it (the panic report is tested in tests/limits.rs)',
  };
  for (const c of ['E_INVALID_REQUEST', 'E_UNAUTHORIZED', 'E_FORBIDDEN', 'E_EXPIRED', 'E_GONE',
    'E_INSUFFICIENT_CREDITS', 'E_RATE_LIMITED', 'E_SERVER', 'E_INFERENCE_FAILED', 'E_PROTOCOL',
    'E_NETWORK', 'E_TIMEOUT']) NOT_LOCAL[c] = 'remote client (tests/js/security.test.mjs, client_load.test.mjs, client_api.test.mjs, tests/client.rs)';
  const dts = readFileSync(new URL('../../pkg/index.d.ts', import.meta.url), 'utf8');
  const union = [...dts.slice(dts.indexOf('export type ErrorCode'), dts.indexOf(';', dts.indexOf('export type ErrorCode'))).matchAll(/"(E_[A-Z_]+)"/g)].map((m) => m[1]);
  assert.ok(union.length >= 30, union.join(' '));
  const missing = union.filter((c) => !codes.has(c) && !(c in NOT_LOCAL));
  assert.deepEqual(missing, [], `error codes neither exercised nor accounted for: ${missing}`);
});
