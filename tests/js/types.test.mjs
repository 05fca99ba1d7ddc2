// The package's TypeScript declarations type-check a realistic usage file (tsc --noEmit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("tsc --noEmit accepts tests/ts/usage.ts against pkg/index.d.ts", () => {
  const root = new URL("../../", import.meta.url).pathname;
  const r = spawnSync("node_modules/.bin/tsc", ["-p", "tests/ts/tsconfig.json"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
