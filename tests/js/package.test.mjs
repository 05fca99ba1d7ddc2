// The built package (pkg/): loads in Node through its own entry point, and `npm pack` gives a
// tarball that installs into a fresh project and works there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const pkgDir = new URL("../../pkg/", import.meta.url).pathname;

test("pkg/ loads in Node and runs the simd128 build", async () => {
  const m = await import(join(pkgDir, "index.js"));
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  assert.equal(await m.version(), manifest.version);
  assert.equal(await m.kernelBackend(), "simd128");
  const modes = await m.blendModes();
  assert.equal(modes.length, 30);
  assert.equal(modes[7], "soft light");
});

test("npm pack gives a tarball that installs into a fresh project", async () => {
  const dir = mkdtempSync(join(tmpdir(), "superimpose-pack-"));
  const out = execFileSync("npm", ["pack", pkgDir, "--pack-destination", dir, "--json"], {
    encoding: "utf8",
  });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path);
  for (const f of ["package.json", "index.js", "index.node.js", "index.d.ts", "superimpose_wasm_bg.wasm",
    "superimpose_wasm.js", "superimpose_codecs_bg.wasm", "superimpose_codecs.js", "superimpose_client_bg.wasm",
    "superimpose_client.js", "worker.js", "pool.js"]) {
    assert.ok(files.includes(f), `${f} missing from the tarball: ${files}`);
  }
  const app = join(dir, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, info.filename)], {
    cwd: app,
    stdio: "pipe",
  });
  writeFileSync(
    join(app, "main.mjs"),
    `import { blendModes, decode } from "superimpose-wasm";
import { readFileSync } from "node:fs";
const png = new Uint8Array(readFileSync(${JSON.stringify(join(sampleDir, "overlay.png"))}));
const img = await decode(png);
console.log(JSON.stringify({ modes: await blendModes(), entry: import.meta.resolve("superimpose-wasm"),
  size: [img.width, img.height], px: Array.from(img.data.slice(0, 4)) }));
`,
  );
  const printed = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: app, encoding: "utf8" }));
  assert.equal(printed.modes.length, 30);
  // Node resolves the `node` condition; the codec module loads from the installed files.
  assert.match(printed.entry, /\/node_modules\/superimpose-wasm\/index\.node\.js$/);
  const ref = pillowRgba("overlay.png");
  assert.deepEqual(printed.size, [ref.width, ref.height]);
  assert.deepEqual(printed.px, Array.from(ref.data.subarray(0, 4)));
  // A browser bundler's conditions pick the browser entry, which has no node: import at all.
  const resolve = (conds) =>
    execFileSync("node", [...conds.flatMap((c) => ["-C", c]), "--input-type=module", "-e",
      'console.log(import.meta.resolve("superimpose-wasm"))'], { cwd: app, encoding: "utf8" }).trim();
  assert.match(resolve(["browser"]), /\/superimpose-wasm\/index\.js$/);
  assert.match(resolve(["worker"]), /\/superimpose-wasm\/index\.js$/);
  assert.doesNotMatch(readFileSync(join(app, "node_modules/superimpose-wasm/index.js"), "utf8"), /from\s+["']node:|import\(["']node:/);
});

const sampleDir = new URL("../../www/samples/", import.meta.url).pathname;

/** Pillow's RGBA decode of a bundled sample (an independent decoder). */
function pillowRgba(name) {
  const python = process.env.PYTHON ?? new URL("../../.tools/venv/bin/python", import.meta.url).pathname;
  const out = execFileSync(python, ["-c",
    "import sys,base64;from PIL import Image;im=Image.open(sys.argv[1]).convert('RGBA');" +
    "print(im.width, im.height, base64.b64encode(im.tobytes()).decode())", join(sampleDir, name)], { encoding: "utf8" });
  const [w, h, b64] = out.trim().split(" ");
  return { width: Number(w), height: Number(h), data: new Uint8Array(Buffer.from(b64, "base64")) };
}

test("the client module loads with the first Client call only; loadClient takes an explicit module", () => {
  const run = (code) => JSON.parse(execFileSync("node", ["--input-type=module", "-e", code], { cwd: pkgDir, encoding: "utf8" }));
  const r = run(`
    import { _setPackageFileReader, resize, Client } from "./index.js";
    import { readFile } from "node:fs/promises";
    const loaded = [];
    _setPackageFileReader((name) => { loaded.push(name); return readFile(name); });
    await resize({ width: 2, height: 2, data: new Uint8Array(16).fill(200) }, { width: 1, height: 1, filter: "bilinear" });
    const afterLocal = [...loaded];
    // Options are checked by the client module on the first call: it loads, then rejects.
    const err = await new Client({ apiKey: 5 }).run("superimpose-v2", {}).catch((e) => e);
    console.log(JSON.stringify({ afterLocal, loaded, code: err.code, param: err.param }));`);
  assert.deepEqual(r.afterLocal, ["superimpose_wasm_bg.wasm"], "a local call loads the core alone");
  assert.deepEqual(r.loaded, ["superimpose_wasm_bg.wasm", "superimpose_client_bg.wasm"]);
  assert.equal(r.code, "E_PARAM_TYPE");
  const explicit = run(`
    import { loadClient, Client } from "./index.js";
    import { readFileSync } from "node:fs";
    await loadClient(readFileSync("superimpose_client_bg.wasm")); // as a CDN user would
    let code = null;
    try { new Client({ apiKey: 5 }); } catch (e) { code = e.code; } // checked at once once loaded
    console.log(JSON.stringify({ code }));`);
  assert.equal(explicit.code, "E_PARAM_TYPE");
});

test("the codec module: decodes like Pillow through index.js too, and honours a pixel limit set before it loaded", () => {
  // A fresh process each, so the codec module is not loaded yet when the limit is set.
  const run = (code) => JSON.parse(execFileSync("node", ["--input-type=module", "-e", code], { cwd: pkgDir, encoding: "utf8" }));
  const png = JSON.stringify(join(sampleDir, "overlay.png"));
  const decoded = run(`
    import { decode, loadCodecs } from "./index.js";
    import { readFileSync } from "node:fs";
    await loadCodecs(readFileSync("superimpose_codecs_bg.wasm")); // an explicit module, as a CDN user would
    const img = await decode(new Uint8Array(readFileSync(${png})));
    console.log(JSON.stringify({ w: img.width, h: img.height, data: Buffer.from(img.data).toString("base64") }));`);
  const ref = pillowRgba("overlay.png");
  assert.deepEqual([decoded.w, decoded.h], [ref.width, ref.height]);
  assert.ok(Buffer.from(decoded.data, "base64").equals(Buffer.from(ref.data)), "PNG decode equals Pillow's");
  const limited = run(`
    import { setMaxPixels, decode, encode } from "./index.js";
    import { readFileSync } from "node:fs";
    await setMaxPixels(1000);
    const codes = [];
    for (const f of [() => decode(new Uint8Array(readFileSync(${png}))),
      () => setMaxPixels(0)]) {
      try { await f(); codes.push("ok"); } catch (e) { codes.push(e.code); }
    }
    await setMaxPixels(64 << 20);
    const img = await decode(new Uint8Array(readFileSync(${png})));
    console.log(JSON.stringify({ codes, w: img.width }));`);
  assert.deepEqual(limited.codes, ["E_IMAGE_TOO_LARGE", "E_PARAM_RANGE"]);
  // An image field's text that is not an image: decoded by the codec module, the field named.
  const bad = run(`
    import { superimposeV2 } from "./index.js";
    const px = { width: 1, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255]) };
    try { await superimposeV2({ base_image: px, overlay_image: "data:image/png;base64,AAAA" }); console.log("{}"); }
    catch (e) { console.log(JSON.stringify({ code: e.code, param: e.param, message: e.message })); }`);
  assert.equal(bad.code, "E_IMAGE_DECODE");
  assert.equal(bad.param, "overlay_image");
  assert.match(bad.message, /^`overlay_image`: /);
  assert.equal(limited.w, ref.width);
});

test("results own their pixels: not views of wasm memory that a later call would overwrite", async () => {
  const m = await import(join(pkgDir, "index.js"));
  const img = (v) => ({ width: 2, height: 1, data: new Uint8ClampedArray([v, v, v, 255, v, 0, v, 255]) });
  const first = await m.blend(img(10), img(200), { mode: "normal", opacity: 1 });
  const before = Array.from(first.imageData.data);
  for (let i = 0; i < 20; i++) await m.blend(img(i), img(255 - i), { mode: "multiply" });
  assert.deepEqual(Array.from(first.imageData.data), before);
  assert.equal(first.imageData.data.buffer.byteLength, first.imageData.data.byteLength);
});
