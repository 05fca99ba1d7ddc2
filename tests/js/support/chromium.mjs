// One way to start the headless Chromium the browser tests drive (playwright-core against the
// system's /usr/bin/chromium, a fresh profile per launch, nothing that reaches the network).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** Flags every test launch uses: no sandbox (containers), no background traffic. */
const BASE_ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

/**
 * Launch Chromium with a fresh profile named after `prefix`. `webgpu: true` adds
 * `--enable-unsafe-webgpu` (headless Chromium's WebGPU: SwiftShader here); `args` are added to
 * the common flags; other options go to playwright's launchPersistentContext.
 */
export function launchChromium(prefix, { webgpu = false, args = [], ...options } = {}) {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), prefix)), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    ...options,
    args: [...BASE_ARGS, ...(webgpu ? ["--enable-unsafe-webgpu"] : []), ...args],
  });
}
