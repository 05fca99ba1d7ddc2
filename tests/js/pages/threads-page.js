// window.runThreads(mode, n): with mode "threads", initThreads({threads: n}) first; then the
// workload (threads-workload.js) through the package, digested with SHA-256.
import * as pkg from "/pkg/index.js";
import { initThreads, threadCount, threadsUnsupportedReason } from "/pkg/threads.js";
import { workload, img } from "./threads-workload.js";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

window.runThreads = async (mode, n) => {
  let error = null;
  if (mode === "threads") {
    try {
      await initThreads({ threads: n });
    } catch (e) {
      error = { code: e.code, name: e.name, message: e.message };
    }
  }
  const results = [];
  let imageData = true;
  for (const [name, im] of await workload(pkg, img)) {
    imageData &&= im instanceof ImageData;
    results.push([name, im.width, im.height, hex(await crypto.subtle.digest("SHA-256", im.data))]);
  }
  const threads = threadCount();
  const workerChunks = threads > 1 ? (await import("/pkg/superimpose_wasm_mt.js")).__threadsWorkerChunks() : 0;
  return {
    isolated: globalThis.crossOriginIsolated === true, reason: threadsUnsupportedReason(), error, threads,
    workerChunks, imageData, backend: await pkg.kernelBackend(), results,
  };
};
window.T_READY = true;
