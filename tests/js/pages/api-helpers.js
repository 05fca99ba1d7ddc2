// Helpers for tests/js/browser_api.test.mjs, run inside the page. The package is imported
// exactly as an app imports it: /pkg/index.js and /pkg/pool.js.
import * as lib from "/pkg/index.js";
import { createWorkerPool } from "/pkg/pool.js";

/** Raw RGBA bytes (written by Pillow) → {width, height, data: Uint8Array}. */
async function raw(url, width, height) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.length !== width * height * 4) throw new Error(`${url}: ${data.length} bytes for ${width}×${height}`);
  return { width, height, data };
}

async function bytesOf(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function base64Of(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function bytesOfBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function loadImg(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

function canvasOf(px) {
  const c = document.createElement("canvas");
  c.width = px.width;
  c.height = px.height;
  c.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(px.data), px.width, px.height), 0, 0);
  return c;
}

function offscreenOf(px) {
  const c = new OffscreenCanvas(px.width, px.height);
  c.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(px.data), px.width, px.height), 0, 0);
  return c;
}

/** First difference between two RGBA images, or "equal". */
function compare(a, b) {
  if (a.width !== b.width || a.height !== b.height) return `size ${a.width}×${a.height} vs ${b.width}×${b.height}`;
  const x = a.data, y = b.data;
  if (x.length !== y.length) return `length ${x.length} vs ${y.length}`;
  let n = 0, first = -1;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) { n++; if (first < 0) first = i; }
  if (!n) return "equal";
  const p = first >> 2;
  return `${n} bytes differ; first at pixel (${p % a.width}, ${Math.floor(p / a.width)}) channel ${first & 3}: ${x[first]} vs ${y[first]}`;
}

/** Mean and max absolute difference over RGB, and PSNR (dB). */
function error(a, b) {
  let sum = 0, max = 0, sq = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) {
    if ((i & 3) === 3) continue;
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d; sq += d * d; n++;
    if (d > max) max = d;
  }
  const mse = sq / n;
  return { mean: sum / n, max, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}

/** The error a rejected promise carries, as plain data (or "resolved" if it did not reject). */
async function codeOf(promise) {
  try {
    await promise;
    return { resolved: true };
  } catch (e) {
    return { code: e?.code, name: e?.name, message: String(e?.message ?? e), param: e?.param, status: e?.status, isError: e instanceof Error };
  }
}

/**
 * Every accepted image input, made from one fixture `f = {png, rgba, width, height}` (the PNG's URL
 * and the URL of its pixels as Pillow decoded them).
 */
const inputs = {
  "{width,height,data: Uint8ClampedArray}": async (f) => {
    const r = await raw(f.rgba, f.width, f.height);
    return { width: r.width, height: r.height, data: new Uint8ClampedArray(r.data) };
  },
  "{width,height,data: Uint8Array}": (f) => raw(f.rgba, f.width, f.height),
  ImageData: async (f) => {
    const r = await raw(f.rgba, f.width, f.height);
    return new ImageData(new Uint8ClampedArray(r.data), r.width, r.height);
  },
  ImageBitmap: async (f) => createImageBitmap(await (await fetch(f.png)).blob()),
  HTMLImageElement: (f) => loadImg(f.png),
  HTMLCanvasElement: async (f) => canvasOf(await raw(f.rgba, f.width, f.height)),
  OffscreenCanvas: async (f) => offscreenOf(await raw(f.rgba, f.width, f.height)),
  Blob: async (f) => (await fetch(f.png)).blob(),
  File: async (f) => new File([await bytesOf(f.png)], "image.png", { type: "image/png" }),
  "Blob without a type": async (f) => new Blob([await bytesOf(f.png)]),
  ArrayBuffer: async (f) => (await bytesOf(f.png)).buffer,
  "Uint8Array (encoded PNG)": (f) => bytesOf(f.png),
  "Uint8Array view at an offset": async (f) => {
    const b = await bytesOf(f.png);
    const big = new Uint8Array(b.length + 7);
    big.set(b, 3);
    return big.subarray(3, 3 + b.length);
  },
  "data: URI": async (f) => `data:image/png;base64,${base64Of(await bytesOf(f.png))}`,
  "raw base64": async (f) => base64Of(await bytesOf(f.png)),
  "http URL string": (f) => new URL(f.png, location.href).href,
  "URL object": (f) => new URL(f.png, location.href),
};
/** The inputs that carry the encoded file itself (no canvas in between). */
const encodedInputs = ["Blob", "File", "Blob without a type", "ArrayBuffer", "Uint8Array (encoded PNG)",
  "Uint8Array view at an offset", "data: URI", "raw base64", "http URL string", "URL object"];

window.T = { inputs, encodedInputs, lib, createWorkerPool, raw, bytesOf, base64Of, bytesOfBase64, loadImg, canvasOf, offscreenOf, compare, error, codeOf };
window.T_READY = true;
