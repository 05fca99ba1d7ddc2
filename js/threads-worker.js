// A thread of superimpose-wasm/threads: instantiates the threads build on the shared memory it is
// sent, tells its creator, then joins the pool for good (the Rust side's worker loop never
// returns; it sleeps in memory.atomic.wait between calls). Browser module worker or Node
// worker_threads.
import { initSync, __threadsWorkerLoop } from "./superimpose_wasm_mt.js";

const node = typeof process !== "undefined" && !!process.versions?.node;
const port = node ? process.getBuiltinModule("node:worker_threads").parentPort : globalThis;

function start({ module, memory }) {
  try {
    initSync({ module, memory });
  } catch (e) {
    port.postMessage({ error: String(e?.message ?? e) });
    return;
  }
  port.postMessage({ ready: true });
  __threadsWorkerLoop();
}

if (node) port.once("message", start);
else globalThis.addEventListener("message", (e) => start(e.data), { once: true });
