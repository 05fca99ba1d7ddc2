// End-to-end tests of the demo page in real headless Chromium (playwright-core + /usr/bin/chromium).
// Screenshots of the main states go to test-results/ (ignored) for a human to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startStaticServer } from "../../scripts/serve.mjs";

const shots = new URL("../../test-results/", import.meta.url).pathname;
let server, browser, page, base;
const consoleErrors = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startStaticServer(0);
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "demo-e2e-")), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    args: ["--no-sandbox", "--enable-unsafe-webgpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/www/`);
  await page.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const canvasPixels = () =>
  page.evaluate(() => {
    const c = document.getElementById("view");
    return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
  });

async function waitForRender(n) {
  await page.waitForFunction((k) => Number(document.getElementById("view").dataset.renders) > k, n, { timeout: 30000 });
}
const renders = () => page.evaluate(() => Number(document.getElementById("view").dataset.renders));

test("loads with no console errors and shows the package's own output for the same body", async () => {
  const same = await page.evaluate(async () => {
    const { superimposeV2 } = await import("/pkg/index.js");
    const { body } = window.__demo.state.last;
    const ref = await superimposeV2(body);
    const c = document.getElementById("view");
    const got = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    if (got.length !== ref.imageData.data.length) return `size ${got.length} vs ${ref.imageData.data.length}`;
    for (let i = 0; i < got.length; i++) if (got[i] !== ref.imageData.data[i]) return `byte ${i}: ${got[i]} vs ${ref.imageData.data[i]}`;
    return "equal";
  });
  assert.equal(same, "equal");
  await page.screenshot({ path: join(shots, "demo-default.png"), fullPage: true });
  assert.deepEqual(consoleErrors, []);
});

test("changing blend mode, opacity and position changes the pixels", async () => {
  let before = await canvasPixels();
  for (const [sel, value] of [["#blend_mode", "difference"], ["#opacity", "40"], ["#x_percent", "20"]]) {
    const n = await renders();
    if (sel === "#blend_mode") await page.selectOption(sel, value);
    else await page.fill(sel, value);
    await waitForRender(n);
    const after = await canvasPixels();
    assert.notDeepEqual(after, before, `${sel} = ${value} did not change the composite`);
    before = after;
  }
  await page.screenshot({ path: join(shots, "demo-difference.png") });
});

test("dragging the overlay moves it", async () => {
  const box = await page.locator("#view").boundingBox();
  const n = await renders();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.35);
  await page.mouse.up();
  await waitForRender(n);
  const [x, y] = await page.evaluate(() => [document.getElementById("x_percent").value, document.getElementById("y_percent").value]);
  assert.equal(Number(x), 75);
  assert.equal(Number(y), 35);
});

test("an invalid parameter shows a readable coded error, not a blank page", async () => {
  const n = await renders();
  await page.selectOption("#bg_remove_model", "IsNet");
  await page.waitForFunction(() => !document.getElementById("error").hidden, null, { timeout: 30000 });
  const text = await page.textContent("#error");
  assert.match(text, /E_MODEL_UNAVAILABLE/);
  await page.selectOption("#bg_remove_model", "None");
  await waitForRender(n);
});

test("download produces a decodable PNG of the composite", async () => {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#dl-png")]);
  const path = await dl.path();
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(path);
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const { decode } = await import("../../pkg/index.js");
  const img = await decode(new Uint8Array(bytes));
  const c = await page.evaluate(() => [document.getElementById("view").width, document.getElementById("view").height]);
  assert.deepEqual([img.width, img.height], c);
});

test("works at a narrow (mobile) width", async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  const box = await page.locator("#view").boundingBox();
  assert.ok(box.width <= 390, `canvas is ${box.width}px wide`);
  await page.screenshot({ path: join(shots, "demo-mobile.png"), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 800 });
});
