// superimpose-wasm/threads in real headless Chromium: on a cross-origin isolated page the
// threads build's Web Workers join the pool and every output of the workload equals the
// single-threaded build's (on another isolated page) and Node's; on a page that is not isolated
// initThreads() rejects with E_UNSUPPORTED and the package carries on single-threaded.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./support/chromium.mjs";
import { threadsSkipReason } from "./support/threads.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";

const skip = threadsSkipReason() ?? false;
if (skip) console.log(`# threads browser tests skipped: ${skip}`);
let isolatedServer, plainServer, browser;
const problems = [];

before(async () => {
  if (skip) return;
  isolatedServer = await startStaticServer(0, { isolated: true, simUrl: "", bgModel: "none" });
  plainServer = await startStaticServer(0, { isolated: false, simUrl: "", bgModel: "none" });
  browser = await launchChromium("threads-e2e-");
});

after(async () => {
  await browser?.close();
  isolatedServer?.close();
  plainServer?.close();
});

async function runPage(server, mode, n) {
  const page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/tests/js/pages/threads.html`);
    await page.waitForFunction(() => window.T_READY === true, null, { timeout: 30000 });
    return await page.evaluate(([mode, n]) => window.runThreads(mode, n), [mode, n]);
  } finally {
    await page.close();
  }
}

test("isolated page: 2 threads give the single-threaded build's bytes (and Node's), the worker takes part", { skip, timeout: 300_000 }, async () => {
  const multi = await runPage(isolatedServer, "threads", 2);
  assert.equal(multi.isolated, true);
  assert.equal(multi.error, null);
  assert.equal(multi.reason, null);
  assert.equal(multi.threads, 2);
  assert.equal(multi.backend, "simd128");
  assert.ok(multi.workerChunks > 0, `the worker ran row chunks (${multi.workerChunks})`);
  assert.equal(multi.imageData, true, "results are ImageData (not views of the shared memory)");
  const single = await runPage(isolatedServer, "single");
  assert.equal(single.threads, 1);
  const node = JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL("./support/threads-run.mjs", import.meta.url)), "single"], { encoding: "utf8", maxBuffer: 1 << 24 }));
  assert.equal(multi.results.length, 58);
  for (let i = 0; i < multi.results.length; i++) {
    assert.deepEqual(multi.results[i], single.results[i], `${single.results[i][0]}: threads vs single in Chromium`);
    assert.deepEqual(multi.results[i], node.results[i], `${node.results[i][0]}: Chromium threads vs Node single`);
  }
  assert.deepEqual(problems, []);
});

test("page not cross-origin isolated: initThreads rejects with E_UNSUPPORTED, the package works single-threaded", { skip, timeout: 120_000 }, async () => {
  const r = await runPage(plainServer, "threads", 2);
  assert.equal(r.isolated, false);
  assert.equal(r.error?.code, "E_UNSUPPORTED");
  assert.equal(r.error?.name, "SuperimposeError");
  assert.match(r.error.message, /cross-origin isolated/);
  assert.match(r.reason, /cross-origin isolated/);
  assert.equal(r.threads, 1);
  assert.equal(r.results.length, 58);
  assert.deepEqual(problems, []);
});
