import { chromium } from "playwright-core";
import { startStaticServer } from "/work/wt/demo/scripts/serve.mjs";
const server = await startStaticServer(0, {});
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
let t0 = Date.now();
const log = (m) => console.log(((Date.now() - t0) / 1000).toFixed(1), m);
await page.goto(`http://127.0.0.1:${server.address().port}/www/`);
await page.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 60000 });
log("first render " + await page.textContent("#timing"));
const renders = () => page.evaluate(() => Number(document.getElementById("view").dataset.renders));
for (const [sel, value] of [["#blend_mode", "difference"], ["#opacity", "40"], ["#x_percent", "20"], ["#backend", "cpu"]]) {
  const n = await renders();
  if (sel === "#blend_mode" || sel === "#backend") await page.selectOption(sel, value); else await page.fill(sel, value);
  log("changed " + sel);
  await page.waitForFunction((k) => Number(document.getElementById("view").dataset.renders) > k, n, { timeout: 120000 });
  log("rendered " + await page.textContent("#timing"));
}
await browser.close(); server.close();
