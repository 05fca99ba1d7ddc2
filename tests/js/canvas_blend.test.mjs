// Independent reference for the blend modes whose SPEC formula is the W3C Compositing one:
// Chromium's own Canvas 2D (`globalCompositeOperation` + `globalAlpha`) on opaque images must
// agree with ours within ±1 per channel at full opacity (Skia rounds, SPEC's to8 floors). At a
// fractional opacity Canvas works in 8-bit premultiplied steps — globalAlpha quantised to 1/255,
// the source premultiplied and the blend rounded again before the mix — so two roundings against
// SPEC's one floor allow ±2; the mean difference must stay small (no systematic deviation).
// The opacities used are multiples of 1/255 so that the quantisation itself adds nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

let server, browser, page;
before(async () => {
  server = await startStaticServer(0);
  browser = await launchChromium("canvas-blend-", { args: ["--force-color-profile=srgb"] });
  page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`http://127.0.0.1:${server.address().port}/www/index.html`);
});
after(async () => {
  await browser?.close();
  server?.close();
});

for (const mode of ["multiply", "screen", "darken", "lighten", "difference"]) {
  for (const opacity of [1, 128 / 255, 204 / 255, 37 / 255]) {
    test(`${mode} at opacity ${opacity.toFixed(3)} equals Canvas 2D (±1 at full opacity, ±2 below)`, async () => {
      const r = await page.evaluate(async ({ mode, opacity }) => {
        const { blend } = await import("/pkg/index.js");
        const W = 256, H = 256;
        const base = new ImageData(W, H), src = new ImageData(W, H);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          const i = (y * W + x) * 4;
          base.data.set([x, y, (x + y) & 255, 255], i);
          src.data.set([y, x, (x * 7 + y * 3) & 255, 255], i);
        }
        const c = new OffscreenCanvas(W, H);
        const ctx = c.getContext("2d", { willReadFrequently: true });
        ctx.putImageData(base, 0, 0);
        const s = new OffscreenCanvas(W, H);
        s.getContext("2d").putImageData(src, 0, 0);
        ctx.globalAlpha = opacity;
        ctx.globalCompositeOperation = mode;
        ctx.drawImage(s, 0, 0);
        const canvas = ctx.getImageData(0, 0, W, H).data;
        const ours = (await blend(base, src, { mode, opacity })).imageData.data;
        const tol = opacity === 1 ? 1 : 2;
        let max = 0, over = 0, sum = 0, n = 0;
        for (let i = 0; i < canvas.length; i++) {
          if ((i & 3) === 3) continue;
          const d = Math.abs(canvas[i] - ours[i]);
          if (d > max) max = d;
          if (d > tol) over++;
          sum += d;
          n++;
        }
        return { max, over, mean: sum / n, tol };
      }, { mode, opacity });
      assert.ok(r.max <= r.tol, `${mode}@${opacity}: max difference ${r.max}, ${r.over} values beyond ±${r.tol}`);
      assert.ok(r.mean < 1, `${mode}@${opacity}: mean difference ${r.mean.toFixed(3)} is systematic`);
    });
  }
}
