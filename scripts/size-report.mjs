// Size report of the built npm package: raw and gzipped (level 9, what a server sends with
// gzip) bytes of each .wasm module and of the JS the package ships, as a Markdown table (the
// README's "Package size" section is this output). Run by scripts/build.sh.
//   node scripts/size-report.mjs [pkg-dir]
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dir = process.argv[2] ?? "pkg";
const rows = [
  ["superimpose_wasm_bg.wasm", "core module: superimpose v1/v2, scenes, resize, rotate, blend (30 modes), mask, model schemas"],
  ["superimpose_codecs_bg.wasm", "codec module, loaded on first use: PNG/JPEG/WebP decode and encode (`image` crate)"],
  ["superimpose_client_bg.wasm", "client module, loaded by the first `Client` call: Segmind submit/poll client, retries, uploads"],
  ["superimpose_wasm.js", "wasm-bindgen glue of the core"],
  ["superimpose_codecs.js", "wasm-bindgen glue of the codec module"],
  ["superimpose_client.js", "wasm-bindgen glue of the client module"],
  ["superimpose_wasm_mt_bg.wasm", "threads build of the core (`superimpose-wasm/threads`, instead of the core module): shared memory, atomics"],
  ["superimpose_wasm_mt.js", "wasm-bindgen glue of the threads build"],
].filter(([f]) => !f.includes("_mt") || existsSync(join(dir, f)));
const what = {
  "index.js": "package entry: input/output conversions, lazy loading of the three modules",
  "index.node.js": "Node entry (`node` condition): index.js + reading the .wasm files from disk",
  "worker.js": "worker entry (`superimpose-wasm/worker`)",
  "pool.js": "worker pool client (`superimpose-wasm/pool`)",
  "core.js": "which core module is in use (single-threaded, or the threads build)",
  "threads.js": "`superimpose-wasm/threads`: initThreads() loads the threads build and starts its workers",
  "threads-worker.js": "a thread of the threads build (a Web Worker or Node worker_threads)",
};
const ours = readdirSync(dir).filter((f) => f.endsWith(".js") && !f.startsWith("superimpose_")).sort();
for (const f of ours) rows.push([f, what[f] ?? "package JS"]);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = rows.map(([f, what]) => {
  const b = readFileSync(join(dir, f));
  return { f, what, raw: b.length, gz: gzipSync(b, { level: 9 }).length };
});
console.log("| file | raw | gzip -9 | contents |");
console.log("|---|--:|--:|---|");
for (const s of sizes) console.log(`| \`${s.f}\` | ${kb(s.raw)} | ${kb(s.gz)} | ${s.what} |`);
const sum = (pred) => sizes.filter(pred).reduce((a, s) => a + s.gz, 0);
// index.js imports the three glues statically; the codec and client .wasm wait until needed.
const first = ["superimpose_wasm_bg.wasm", "superimpose_wasm.js", "superimpose_codecs.js", "superimpose_client.js", "index.js", "core.js"];
console.log(`\nA page that passes pixels loads ${kb(sum((s) => first.includes(s.f)))} gzipped (core .wasm + the three glues + index.js + core.js); ` +
  `the codec .wasm adds ${kb(sum((s) => s.f === "superimpose_codecs_bg.wasm"))} the first time an encoded image is decoded or a result encoded, ` +
  `the client .wasm ${kb(sum((s) => s.f === "superimpose_client_bg.wasm"))} on the first Client call.` +
  (sizes.some((s) => s.f === "superimpose_wasm_mt_bg.wasm")
    ? ` With \`superimpose-wasm/threads\` the threads build (${kb(sum((s) => s.f === "superimpose_wasm_mt_bg.wasm"))} + glue ${kb(sum((s) => ["superimpose_wasm_mt.js", "threads.js", "threads-worker.js"].includes(s.f)))}) loads instead of the core .wasm.`
    : ""));
