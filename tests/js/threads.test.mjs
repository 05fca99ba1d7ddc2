// The wasm-threads build (superimpose-wasm/threads) in Node worker_threads: every resample
// filter, rotation sampler, blend mode, the v2 pipeline and scene renders give the same bytes
// as the single-threaded build, the workers really take part, and initThreads() refuses what it
// must with coded errors. Each run is a fresh Node process (support/threads-run.mjs), since a
// process chooses its core once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { threadsSkipReason } from "./support/threads.mjs";

const skip = threadsSkipReason() ?? false;
if (skip) console.log(`# threads tests skipped: ${skip}`);
const runner = fileURLToPath(new URL("./support/threads-run.mjs", import.meta.url));
const run = (...args) => JSON.parse(execFileSync(process.execPath, [runner, ...args], { encoding: "utf8", maxBuffer: 1 << 24 }));

test("threads build: same bytes as the single-threaded build, with the workers taking part", { skip }, () => {
  const single = run("single");
  assert.equal(single.threads, 1);
  assert.equal(single.results.length, 58);
  for (const n of [2, 3]) {
    const multi = run("threads", String(n));
    assert.equal(multi.threads, n, `${n} threads joined`);
    assert.equal(multi.backend, "simd128");
    assert.ok(multi.workerChunks > 0, `the ${n - 1} worker(s) ran row chunks (${multi.workerChunks})`);
    assert.equal(multi.results.length, single.results.length);
    for (let i = 0; i < single.results.length; i++) {
      assert.deepEqual(multi.results[i], single.results[i], `${single.results[i][0]} with ${n} threads`);
    }
  }
});

test("initThreads: coded refusals, and the package keeps working", { skip }, async () => {
  const script = (body) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", body], { encoding: "utf8", cwd: fileURLToPath(new URL("../../pkg/", import.meta.url)) });
  // After the single-threaded core loaded: E_UNSUPPORTED, and calls still work.
  const late = JSON.parse(script(`
    const pkg = await import("./index.js");
    const { initThreads, threadCount } = await import("./threads.js");
    await pkg.version();
    let e1; try { await initThreads({ threads: 2 }); } catch (e) { e1 = { code: e.code, name: e.name, message: e.message }; }
    const r = await pkg.resize({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(200) }, { width: 3, height: 3 });
    console.log(JSON.stringify({ e1, w: r.width, threads: threadCount() }));
  `));
  assert.equal(late.e1.code, "E_UNSUPPORTED");
  assert.equal(late.e1.name, "SuperimposeError");
  assert.match(late.e1.message, /before any other call/);
  assert.equal(late.w, 3);
  assert.equal(late.threads, 1);
  // Bad thread counts: E_PARAM_RANGE, nothing loaded, then a good call still succeeds; a second
  // initThreads returns the first one's promise.
  const bad = JSON.parse(script(`
    const { initThreads, threadCount } = await import("./threads.js");
    const codes = [];
    for (const threads of [0, 1.5, 65, "2"]) {
      try { await initThreads({ threads }); codes.push("resolved"); } catch (e) { codes.push(e.code + ":" + e.param); }
    }
    const p = initThreads({ threads: 2 });
    const same = p === initThreads({ threads: 4 });
    const { threads } = await p;
    const pkg = await import("./index.js");
    const r = await pkg.rotate({ width: 300, height: 300, data: new Uint8ClampedArray(360000).fill(90) }, { degrees: 10 });
    console.log(JSON.stringify({ codes, same, threads, count: threadCount(), w: r.width }));
  `));
  assert.deepEqual(bad.codes, Array(4).fill("E_PARAM_RANGE:threads"));
  // A threads build that cannot be loaded: E_UNSUPPORTED, and the single-threaded core takes over.
  const missing = JSON.parse(script(`
    const { initThreads, threadCount } = await import("./threads.js");
    let e1; try { await initThreads({ threads: 2, module: new Uint8Array([0, 97, 115, 109, 9, 9]) }); } catch (e) { e1 = { code: e.code, message: e.message }; }
    const pkg = await import("./index.js");
    const r = await pkg.resize({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(7) }, { width: 5, height: 1 });
    console.log(JSON.stringify({ e1, w: r.width, threads: threadCount(), backend: await pkg.kernelBackend() }));
  `));
  assert.equal(missing.e1.code, "E_UNSUPPORTED");
  assert.match(missing.e1.message, /could not load the threads build/);
  assert.deepEqual([missing.w, missing.threads, missing.backend], [5, 1, "simd128"]);
  assert.equal(bad.same, true);
  assert.equal(bad.threads, 2);
  assert.equal(bad.count, 2);
  assert.equal(bad.w, 348);
});

test("a worker that traps fails the call it held rows of, instead of hanging the caller", { skip, timeout: 60_000 }, () => {
  // __threadsTrapInWorker(n): a job whose chunks panic on pool workers. Before the poison flag,
  // the calling thread spun forever waiting for the trapped worker's chunk.
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", `
    const { initThreads } = await import("./threads.js");
    await initThreads({ threads: 2 });
    const mt = await import("./superimpose_wasm_mt.js");
    let outcome = "returned";
    const t0 = Date.now();
    for (let i = 0; i < 20 && outcome === "returned"; i++) {
      try { mt.__threadsTrapInWorker(64); } catch (e) { outcome = e.name + ": " + e.message; }
    }
    // A Node worker's console output reaches this process through its event loop: let it in.
    await new Promise((r) => setTimeout(r, 500));
    console.log(JSON.stringify({ outcome, chunks: mt.__threadsWorkerChunks(), ms: Date.now() - t0 }));
  `], { encoding: "utf8", cwd: fileURLToPath(new URL("../../pkg/", import.meta.url)), timeout: 50_000 });
  assert.equal(res.status, 0, res.stderr);
  const r = JSON.parse(res.stdout);
  assert.match(r.outcome, /^RuntimeError: unreachable/, "the caller's call failed (the worker trapped)");
  assert.match(res.stderr, /deliberate panic on a pool worker/, "the worker's panic was reported");
  assert.match(res.stderr, /a thread of the pool trapped/, "the caller's panic says why");
});
