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
  for (const f of ["package.json", "index.js", "index.d.ts", "superimpose_wasm_bg.wasm"]) {
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
    'import { blendModes } from "superimpose-wasm";\nconsole.log(JSON.stringify(await blendModes()));\n',
  );
  const printed = execFileSync("node", ["main.mjs"], { cwd: app, encoding: "utf8" });
  assert.equal(JSON.parse(printed).length, 30);
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
