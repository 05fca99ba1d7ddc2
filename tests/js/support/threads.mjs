// Shared by the threads tests (Node and Chromium): whether this machine built the threads
// module, and digests of the workload's results (pages/threads-workload.js).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * null when pkg/ has the threads build; else why not. Only a toolchain the bootstrap could not
 * fetch (recorded in .tools/threads-toolchain) excuses a missing module: with the toolchain in
 * place, a missing module is a build failure and the tests fail.
 */
export function threadsSkipReason() {
  const status = existsSync(root + ".tools/threads-toolchain")
    ? readFileSync(root + ".tools/threads-toolchain", "utf8").trim()
    : "unavailable: scripts/bootstrap.sh has not run";
  if (status.startsWith("ok ")) {
    if (!existsSync(root + "pkg/superimpose_wasm_mt_bg.wasm")) {
      throw new Error(`the threads toolchain is installed (${status}) but pkg/ has no superimpose_wasm_mt_bg.wasm: scripts/build.sh failed to build it`);
    }
    return null;
  }
  return `no threads build on this machine (${status})`;
}

/** [name, width, height, sha-256 of the pixels] of a workload's results (Node). */
export async function digest(results) {
  const { createHash } = await import("node:crypto");
  return results.map(([name, im]) => [name, im.width, im.height, createHash("sha256").update(im.data).digest("hex")]);
}
