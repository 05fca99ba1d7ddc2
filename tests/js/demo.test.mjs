// End-to-end tests of the demo page in real headless Chromium (playwright-core + /usr/bin/chromium).
// Screenshots of the main states go to test-results/ (ignored) for a human to look at.
// The remote panel talks to our own local Segmind protocol simulator (tests/server/segmind-sim.mjs),
// started here on a free 127.0.0.1 port.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { launchChromium } from "./support/chromium.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";
import { threadsSkipReason } from "./support/threads.mjs";

const shots = new URL("../../test-results/", import.meta.url).pathname;
let server, browser, page, base, sim, simUrl;
const consoleErrors = [];

async function startSim() {
  const child = spawn(process.execPath, [new URL("../server/segmind-sim.mjs", import.meta.url).pathname,
    "--port", "0", "--queued-ms", "1000", "--processing-ms", "2500"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^SIM_URL=(\S+)/m.exec(out);
      if (m) ok(m[1]);
    });
    child.on("exit", (c) => fail(new Error(`segmind-sim exited with ${c}`)));
  });
  return { child, url };
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  sim = await startSim();
  simUrl = sim.url;
  server = await startStaticServer(0, { simUrl });
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium("demo-e2e-", { webgpu: true, viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/www/`);
  await page.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  sim?.child.kill();
});

// The canvas pixels stay in the page (a million numbers through the devtools protocol are slow):
// `snap(name)` keeps a copy there and answers its size and an FNV-1a hash; `maxDiff` compares two.
const snap = (name) =>
  page.evaluate((k) => {
    const c = document.getElementById("view");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    (window.__snaps ??= {})[k] = d;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
  }, name);
const maxDiff = (a, b) =>
  page.evaluate(([x, y]) => {
    const p = window.__snaps[x], q = window.__snaps[y];
    if (p.length !== q.length) return Infinity;
    let worst = 0;
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i] - q[i]));
    return worst;
  }, [a, b]);

async function waitForRender(n) {
  await page.waitForFunction((k) => Number(document.getElementById("view").dataset.renders) > k, n, { timeout: 30000 });
}
const renders = () => page.evaluate(() => Number(document.getElementById("view").dataset.renders));

/** "equal" when the preview canvas holds exactly the package's output (superimposeV2 or, in v1
 * mode, superimpose) for the last body. */
const canvasMatchesPackage = () =>
  page.evaluate(async () => {
    const { superimposeV2, superimpose } = await import("/pkg/index.js");
    const { body, options } = window.__demo.state.last;
    const ref = await (window.__demo.state.op === "v2" ? superimposeV2 : superimpose)(body, options);
    const c = document.getElementById("view");
    const got = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    if (got.length !== ref.imageData.data.length) return `size ${got.length} vs ${ref.imageData.data.length}`;
    for (let i = 0; i < got.length; i++) if (got[i] !== ref.imageData.data[i]) return `byte ${i}: ${got[i]} vs ${ref.imageData.data[i]}`;
    return "equal";
  });

test("loads with no console errors and shows the package's own output for the same body", async () => {
  assert.equal(await canvasMatchesPackage(), "equal");
  await page.screenshot({ path: join(shots, "demo-default.png"), fullPage: true });
  assert.deepEqual(consoleErrors, []);
});

test("keyboard: arrow keys on the focused preview nudge the overlay and re-render", async () => {
  await page.focus("#view");
  const xs = [];
  for (const key of ["ArrowRight", "ArrowRight", "ArrowUp", "ArrowLeft", "ArrowLeft", "ArrowDown"]) {
    const n = await renders();
    await page.keyboard.press(key);
    await waitForRender(n);
    xs.push(await page.evaluate(() => `${document.getElementById("x_percent").value},${document.getElementById("y_percent").value}`));
  }
  assert.deepEqual(xs, ["51,65", "52,65", "52,64", "51,64", "50,64", "50,65"]);
  await page.screenshot({ path: join(shots, "demo-desktop.png") }); // the 1280×800 viewport
});

test("changing blend mode, opacity and position changes the pixels", async () => {
  let before = await snap("before");
  for (const [sel, value] of [["#blend_mode", "difference"], ["#opacity", "40"], ["#x_percent", "20"]]) {
    const n = await renders();
    if (sel === "#blend_mode") await page.selectOption(sel, value);
    else await page.fill(sel, value);
    await waitForRender(n);
    const after = await snap("after");
    assert.notEqual(after, before, `${sel} = ${value} did not change the composite`);
    before = after;
  }
  await page.screenshot({ path: join(shots, "demo-difference.png") });
});

test("dragging the overlay moves it", async () => {
  await page.evaluate(() => window.scrollTo(0, 0)); // the preview fully in view (mouse coordinates are the viewport's)
  const box = await page.locator("#view").boundingBox();
  const before = await snap("before-drag");
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.35);
  await page.mouse.up();
  const [x, y] = await page.evaluate(() => [document.getElementById("x_percent").value, document.getElementById("y_percent").value]);
  assert.equal(Number(x), 75);
  assert.equal(Number(y), 35);
  // the composite on the canvas is the one for the dropped position
  await page.waitForFunction(() => {
    const b = window.__demo.state.last?.body;
    return b?.x_percent === 75 && b?.y_percent === 35;
  }, null, { timeout: 30000 });
  assert.notEqual(await snap("after-drag"), before);
  // v2 on the CPU renders through the resident scene: a move repaints only the changed rectangle.
  assert.match(await page.textContent("#timing"), /on the main thread, resident scene/);
  const [cw, ch, partial] = await page.evaluate(() => [
    document.getElementById("view").width, document.getElementById("view").height, window.__demo.live.repaints.at(-1),
  ]);
  assert.ok(partial && partial[0] * partial[1] < cw * ch, `the drag's last repaint ${partial} was not a part of the ${cw}×${ch} frame`);
  // The partly repainted canvas is exactly the package's one-shot output for the dropped position.
  assert.equal(await canvasMatchesPackage(), "equal");
});

test("v1 renders through a v1 scene: after a move the canvas equals superimpose's output", async () => {
  let n = await renders();
  await page.check("input[name=op][value=v1]");
  await waitForRender(n);
  assert.equal(await canvasMatchesPackage(), "equal");
  n = await renders();
  await page.fill("#x_offset", "150");
  await waitForRender(n);
  assert.match(await page.textContent("#timing"), /resident scene, repainted \d+×\d+/);
  assert.equal(await canvasMatchesPackage(), "equal");
  n = await renders();
  await page.check("input[name=op][value=v2]");
  await waitForRender(n);
  assert.equal(await canvasMatchesPackage(), "equal");
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

test("backend switch: cpu and webgpu render within ±1 of each other; backend, time and chart shown", async () => {
  const pixelsFor = async (backend) => {
    const n = await renders();
    await page.selectOption("#backend", backend);
    await waitForRender(n);
    return snap(backend);
  };
  await pixelsFor("cpu");
  assert.equal(await page.textContent("#backend-used"), "cpu");
  const hasGpu = await page.evaluate(async () => !!(navigator.gpu && (await navigator.gpu.requestAdapter().catch(() => null))));
  const note = await page.textContent("#webgpu-note");
  // Chromium runs with --enable-unsafe-webgpu: its SwiftShader adapter must be there (set
  // DEMO_ALLOW_NO_WEBGPU=1 only on a browser without WebGPU, and the test then checks the fallback UI).
  assert.ok(hasGpu || process.env.DEMO_ALLOW_NO_WEBGPU === "1", "no WebGPU adapter in this Chromium");
  if (hasGpu) {
    assert.match(note, /WebGPU available/);
    await pixelsFor("webgpu");
    const worst = await maxDiff("cpu", "webgpu");
    assert.ok(worst <= 1, `webgpu differs from cpu by ${worst}`);
    // "webgpu" was asked for explicitly: the worker really ran it on the GPU.
    assert.equal(await page.textContent("#backend-used"), "webgpu");
  } else {
    assert.match(note, /WebGPU unavailable/);
    assert.equal(await page.isDisabled("#backend option[value=webgpu]"), true);
  }
  assert.match(await page.textContent("#timing"), /last render [\d.]+ ms/);
  // The chart has bars: some non-background pixels.
  const inked = await page.evaluate(() => {
    const c = document.getElementById("chart");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(inked > 50, `chart has ${inked} inked pixels`);
  await page.selectOption("#backend", "auto");
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

// ---- remote panel (against the local simulator) --------------------------------------------------

test("the remote form is generated from modelSchema, marked SIMULATED, key kept out of storage", async () => {
  const info = await page.evaluate(async () => {
    const { modelNames, modelSchema } = await import("/pkg/index.js");
    const out = {};
    for (const n of await modelNames()) out[n] = (await modelSchema(n)).fields.map((f) => f.name);
    return out;
  });
  assert.deepEqual(Object.keys(info).sort(), ["bg-replace", "seg-swap", "segmind-relighting-v2", "superimpose", "superimpose-v2"]);
  for (const [model, fields] of Object.entries(info)) {
    await page.selectOption("#remote-model", model);
    const rows = await page.$$eval("#remote-fields .field", (els) => els.map((e) => e.dataset.field));
    assert.deepEqual(rows, fields, `form of ${model}`);
    // every control has a label
    const unlabeled = await page.$$eval("#remote-fields select, #remote-fields input", (els) =>
      els.filter((e) => !e.labels?.length && !e.getAttribute("aria-label")).map((e) => e.id));
    assert.deepEqual(unlabeled, []);
  }
  await page.selectOption("#remote-model", "seg-swap");
  assert.equal(await page.isVisible("#sim-badge"), true);
  assert.equal(await page.inputValue("#remote-base"), simUrl);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.ok(!stored.includes("SG_"), "the key must not be stored");
});

test("an invalid remote field shows an inline error and nothing is sent", async () => {
  await page.fill("#rf-steps", "500");
  await page.fill("#rf-growmask", "1.5");
  await page.click("#remote-run");
  await page.waitForFunction(() => document.getElementById("rf-steps-err").textContent !== "", null, { timeout: 10000 });
  assert.match(await page.textContent("#rf-steps-err"), /E_PARAM_RANGE: .*10 to 100/);
  assert.match(await page.textContent("#rf-growmask-err"), /E_PARAM_TYPE/);
  assert.equal(await page.getAttribute("#rf-steps", "aria-invalid"), "true");
  assert.match(await page.textContent("#remote-status"), /Not sent: 2 fields/);
  await page.screenshot({ path: join(shots, "demo-remote-invalid.png") });
  await page.fill("#rf-steps", "");
  await page.fill("#rf-growmask", "");
  await page.waitForFunction(() => document.getElementById("rf-steps-err").textContent === "", null, { timeout: 10000 });
});

test("a remote seg-swap against the local simulator shows progress and the result; use as overlay", async () => {
  await page.fill("#rf-steps", "20");
  await page.click("#remote-run");
  // The status line while the job runs (read in the page at the moment it shows, not later).
  const live = await page.waitForFunction(() => {
    const el = document.getElementById("remote-status");
    return /^(QUEUED|PROCESSING)$/.test(el.dataset.state) && el.textContent;
  }, null, { timeout: 10000 });
  assert.match(await live.jsonValue(), /^(QUEUED|PROCESSING) · \d+\.\d s · request [0-9a-f-]+/);
  await page.waitForFunction(() => document.getElementById("remote-status").dataset.state === "COMPLETED", null, { timeout: 20000 });
  const progress = await page.evaluate(() => window.__demo.remote.progress);
  assert.deepEqual(progress.at(-1), "COMPLETED");
  assert.ok(progress.includes("QUEUED") || progress.includes("PROCESSING"), progress.join());
  assert.match(await page.textContent("#remote-status"), /SIMULATED/);
  await page.waitForFunction(() => document.querySelector("#remote-result img")?.naturalWidth > 0, null, { timeout: 10000 });
  assert.ok((await page.getAttribute("#remote-result img", "src")).startsWith(simUrl));
  await page.locator("#remote").screenshot({ path: join(shots, "demo-remote-done.png") });
  const n = await renders();
  await page.click("#use-overlay");
  await waitForRender(n);
  const w = await page.evaluate(() => window.__demo.state.overlay.pixels.width);
  assert.equal(w, 8); // the simulator's 8×8 placeholder
  // restore the sample overlay through the file picker
  const m = await renders();
  await page.setInputFiles("#file-overlay", new URL("../../www/samples/overlay.png", import.meta.url).pathname);
  await waitForRender(m);
  await page.fill("#rf-steps", "");
});

test("cancel aborts a running remote job", async () => {
  await page.click("#remote-run");
  await page.waitForFunction(() => /^(QUEUED|PROCESSING)$/.test(document.getElementById("remote-status").dataset.state), null, { timeout: 10000 });
  await page.click("#remote-cancel");
  await page.waitForFunction(() => document.getElementById("remote-status").dataset.state === "CANCELLED", null, { timeout: 10000 });
  assert.match(await page.textContent("#remote-error"), /E_ABORTED/);
  assert.equal(await page.isEnabled("#remote-run"), true);
  assert.equal(await page.isDisabled("#remote-cancel"), true);
});

test("a failed remote job's JS error carries the server's metrics", async () => {
  const { Client } = await import("../../pkg/index.js");
  const client = new Client({
    apiKey: "SG_0123456789abcdef",
    baseUrl: simUrl,
    headers: { "x-sim-scenario": JSON.stringify({ id: `demo-fail-${Date.now()}`, queuedMs: 0, processingMs: 0, fail: "simulated safety block" }) },
  });
  const img = "https://example.com/a.png";
  await assert.rejects(client.run("seg-swap", { main_image: img, object_image: img, mask_image: img }, { pollInterval: 50 }), (e) => {
    assert.equal(e.code, "E_INFERENCE_FAILED");
    assert.match(e.message, /simulated safety block/);
    assert.equal(typeof e.metrics, "object");
    assert.ok(e.metrics && "total_time" in e.metrics, JSON.stringify(e.metrics));
    assert.ok(e.requestId);
    return true;
  });
});

test("README per-model examples cover all five models and pass validateBody", async () => {
  const { readFile } = await import("node:fs/promises");
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("### Per-model examples")[1]?.split("\n## ")[0] ?? "";
  const { modelNames, validateBody } = await import("../../pkg/index.js");
  const seen = [];
  for (const m of section.matchAll(/client\.run\("([^"]+)", (\{[\s\S]*?\n\})\);/g)) {
    const body = new Function(`return (${m[2]});`)(); // literal objects of strings and numbers only
    const sent = await validateBody(m[1], body);
    for (const k of Object.keys(body)) assert.ok(k in sent, `${m[1]}: ${k} was dropped`);
    seen.push(m[1]);
  }
  assert.deepEqual(seen.sort(), (await modelNames()).sort());
});

test("a page whose package cannot load shows a coded error, not a blank page", async () => {
  const p2 = await browser.newPage();
  try {
    await p2.route("**/pkg/index.js", (r) => r.fulfill({ status: 404, body: "not built" }));
    await p2.goto(`${base}/www/`);
    await p2.waitForSelector("#error:not([hidden])", { timeout: 10000 });
    assert.match(await p2.textContent("#error"), /^E_LOAD: could not load .*make build/);
    assert.equal(await p2.textContent("#status"), "The demo failed to start.");
  } finally {
    await p2.close();
  }
});

test("works at a narrow (mobile) width without horizontal overflow", async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.locator("#view").boundingBox();
  assert.ok(box.width <= 390, `canvas is ${box.width}px wide`);
  const [overflow, culprits] = await page.evaluate(() => {
    const W = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > W + 0.5 && !e.closest(".gallery"));
    return [document.documentElement.scrollWidth - W, wide.slice(0, 8).map((e) => `${e.tagName}#${e.id}.${e.className}`)];
  });
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px: ${culprits.join(", ")}`);
  await page.screenshot({ path: join(shots, "demo-mobile.png"), fullPage: false });
  await page.locator("#remote").scrollIntoViewIfNeeded();
  await page.locator("#remote").screenshot({ path: join(shots, "demo-mobile-remote.png") });
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(consoleErrors, []);
});

test("served cross-origin isolated (make demo ISOLATED=1) the demo renders on the threads build, the same pixels", async () => {
  const isolated = await startStaticServer(0, { simUrl, isolated: true });
  const p = await browser.newPage();
  const errors = [];
  p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  p.on("pageerror", (e) => errors.push(String(e)));
  try {
    await p.goto(`http://127.0.0.1:${isolated.address().port}/www/`);
    await p.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 30000 });
    const [threads, kernels, cores] = await p.evaluate(() => [window.__demo.state.threads, document.getElementById("kernels").textContent, navigator.hardwareConcurrency]);
    const want = threadsSkipReason() ? 1 : Math.min(8, cores);
    assert.equal(threads, want, kernels);
    if (want > 1) assert.equal(kernels, `simd128 × ${want} threads`);
    // The preview is the single-threaded page's output for the same body, byte for byte.
    const hash = () => {
      const c = document.getElementById("view");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 0x811c9dc5;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193);
      return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
    };
    // The reference: a fresh page of the usual (not isolated) server, at its first render too.
    const ref = await browser.newPage();
    try {
      await ref.goto(`${base}/www/`);
      await ref.waitForFunction(() => Number(document.getElementById("view").dataset.renders ?? 0) >= 1, null, { timeout: 30000 });
      assert.equal(await ref.evaluate(() => window.__demo.state.threads), 1);
      const bodyOf = (pg) => pg.evaluate(() => JSON.stringify(window.__demo.state.last.body, (k, v) => (ArrayBuffer.isView(v) ? v.length : v)));
      assert.equal(await bodyOf(p), await bodyOf(ref), "both pages rendered the same body");
      assert.equal(await p.evaluate(hash), await ref.evaluate(hash));
    } finally {
      await ref.close();
    }
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
    isolated.close();
  }
});
