// Render the default superimpose of the bundled samples with the built package and print where
// the PNG is. Usage: node scripts/render.mjs [out.png]
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { superimposeV2 } from "../pkg/index.js";

const here = (p) => new URL(`../${p}`, import.meta.url);
const dataUri = async (p, mime) => `data:${mime};base64,${(await readFile(here(p))).toString("base64")}`;
const out = resolve(process.argv[2] ?? new URL("../out/demo.png", import.meta.url).pathname);

const body = {
  base_image: await dataUri("www/samples/base.jpg", "image/jpeg"),
  overlay_image: await dataUri("www/samples/overlay.png", "image/png"),
  bg_remove_model: "None",
  blend_mode: "multiply",
  opacity: 90,
  rescale_factor: 0.6,
  resize_method: "lanczos",
  rotation: 0,
  x_percent: 50,
  y_percent: 65,
};
const t0 = performance.now();
const result = await superimposeV2(body);
const ms = performance.now() - t0;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, await result.encode({ format: "png" }));
console.log(`rendered ${result.width}×${result.height} superimpose-v2 of www/samples in ${ms.toFixed(1)} ms → ${out}`);
