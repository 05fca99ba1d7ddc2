// Runs the threads workload (support/threads.mjs) in a fresh Node process through the built
// package: `node threads-run.mjs single` (the default core) or `node threads-run.mjs threads N`
// (initThreads({threads: N}) first). Prints one JSON line: {threads, workerChunks, results}.
import { digest } from "./threads.mjs";
import { workload, img } from "../pages/threads-workload.js";

const [mode, n] = process.argv.slice(2);
let threadsApi = null;
let threads = 1;
if (mode === "threads") {
  threadsApi = await import(new URL("../../../pkg/threads.js", import.meta.url));
  threads = (await threadsApi.initThreads({ threads: Number(n) })).threads;
}
const pkg = await import(new URL("../../../pkg/index.js", import.meta.url));
const results = await digest(await workload(pkg, img));
let workerChunks = 0;
if (threadsApi) {
  const mt = await import(new URL("../../../pkg/superimpose_wasm_mt.js", import.meta.url));
  workerChunks = mt.__threadsWorkerChunks();
}
console.log(JSON.stringify({ threads, workerChunks, backend: await pkg.kernelBackend(), results }));
