// A thread of superimpose-wasm/threads: instantiates the threads build on the shared memory it is
// sent, tells its creator, then joins the pool for good (the Rust side's worker loop never
// returns; it sleeps in memory.atomic.wait between calls). Browser module worker or Node
// worker_threads. Should the worker trap (a panic aborts), it raises the pool's poison flag so
// the thread waiting for its rows fails that call instead of waiting forever.
import { initSync, __threadsWorkerLoop, __threadsPoisonAddress } from "./superimpose_wasm_mt.js";

const node = typeof process !== "undefined" && !!process.versions?.node;
const port = node ? process.getBuiltinModule("node:worker_threads").parentPort : globalThis;

function start({ module, memory }) {
  let poison;
  try {
    initSync({ module, memory });
    poison = __threadsPoisonAddress();
  } catch (e) {
    port.postMessage({ error: String(e?.message ?? e) });
    return;
  }
  port.postMessage({ ready: true });
  try {
    __threadsWorkerLoop();
  } catch (e) {
    // Not through the trapped instance: straight into the shared memory.
    Atomics.store(new Int32Array(memory.buffer), poison >>> 2, 1);
    Atomics.notify(new Int32Array(memory.buffer), poison >>> 2);
    console.error(`superimpose-wasm thread trapped: ${e?.message ?? e}`);
  }
}

if (node) port.once("message", start);
else globalThis.addEventListener("message", (e) => start(e.data), { once: true });
