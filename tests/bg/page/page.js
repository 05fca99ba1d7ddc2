// Test page for tests/js/bg_browser.test.mjs: the built package and the shared checks on window.
import * as api from "/pkg/index.js";
import { createWorkerPool } from "/pkg/pool.js";
import * as checks from "/tests/bg/checks.mjs";

/** Fetch a PNG and decode it with the package (RGBA pixels). */
async function png(url) {
  return api.decode(new Uint8Array(await (await fetch(url)).arrayBuffer()));
}

/** An absolute URL on this origin (the package takes http(s) URLs, not paths). */
const abs = (path) => new URL(path, location.href).href;

Object.assign(window, { api, createWorkerPool, png, checks, abs });
window.T_READY = true;
