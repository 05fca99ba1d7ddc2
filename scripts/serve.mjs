// A small static file server for the demo: serves the repository root so that www/ can import
// ../pkg/. Loopback only. Usage: node scripts/serve.mjs [port]  (default 8080; 0 = any free port)
// With DEMO_SIM_URL set (`make demo` does it), /www/demo-config.json points the demo's remote panel
// at that local Segmind protocol simulator and marks it SIMULATED; without it the file is `{}` and
// the panel defaults to the real API (https://api.segmind.com).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".wasm": "application/wasm", ".png": "image/png",
  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".svg": "image/svg+xml",
  ".d.ts": "text/plain", ".ts": "text/plain", ".wgsl": "text/plain",
};

// Background-removal models the demo can register (fetched by `make models` / tests/bg/fetch-models.sh
// into .tools/models; never bundled). `make demo BG=u2netp` (default) or `BG=isnet` or `BG=none`.
const BG_MODELS = {
  u2netp: { file: "u2netp.onnx", preprocess: "u2net", label: "U²-Net-p (4.5 MB, a small stand-in for IS-Net)" },
  isnet: { file: "isnet_quint8.onnx", preprocess: "isnet", label: "IS-Net quint8 (44 MB; weights AGPL-3.0, opt-in)" },
};

async function bgModelConfig(name) {
  const m = BG_MODELS[String(name ?? "").toLowerCase()];
  if (!m) return undefined;
  try {
    await stat(join(root, ".tools/models", m.file));
  } catch {
    return undefined; // not fetched: the page says how to get it
  }
  return { name: "IsNet", url: `/.tools/models/${m.file}`, preprocess: m.preprocess, label: m.label };
}

export async function startStaticServer(listenPort = port, { simUrl = process.env.DEMO_SIM_URL, simKey = process.env.SIM_API_KEY, bgModel = process.env.DEMO_BG, isolated = process.env.DEMO_ISOLATED === "1" } = {}) {
  const demoConfig = JSON.stringify({
    ...(simUrl ? { baseUrl: simUrl.replace(/\/+$/, ""), simulated: true, apiKey: simKey || "SG_0123456789abcdef" } : {}),
    ...(await bgModelConfig(bgModel).then((m) => (m ? { bgModel: m } : {}))),
  });
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      let path = normalize(decodeURIComponent(url.pathname));
      if (path === "/www/demo-config.json") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        return res.end(demoConfig);
      }
      if (path === "/") {
        res.writeHead(302, { location: "/www/" });
        return res.end();
      }
      let file = join(root, path);
      if (!file.startsWith(root)) throw Object.assign(new Error("forbidden"), { status: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        // The demo runs under the Content-Security-Policy a careful app would use.
        "content-security-policy":
          "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob: http: https:; connect-src 'self' http://127.0.0.1:* http://localhost:* https:; worker-src 'self' blob:; style-src 'self'",
        // `isolated`: cross-origin isolation, which SharedArrayBuffer and so
        // superimpose-wasm/threads need. `credentialless` (not `require-corp`) keeps cross-origin
        // images without a CORP header loadable (they are fetched without cookies).
        ...(isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "credentialless" } : {}),
      });
      res.end(body);
    } catch (e) {
      const status = e.status ?? (e.code === "ENOENT" ? 404 : 500);
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(String(status));
    }
  });
  return new Promise((ok) => server.listen(listenPort, "127.0.0.1", () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startStaticServer();
  const { port: p } = server.address();
  console.log(`demo: http://127.0.0.1:${p}/www/  (Ctrl-C to stop)`);
  if (process.env.DEMO_ISOLATED === "1") console.log("cross-origin isolated: CPU renders run on the threads build (superimpose-wasm/threads)");
  if (process.env.DEMO_SIM_URL) console.log(`remote panel → SIMULATED Segmind API at ${process.env.DEMO_SIM_URL}`);
  const bg = await bgModelConfig(process.env.DEMO_BG);
  console.log(bg ? `background removal: ${bg.label} registered as "IsNet"` : "background removal: no model (make demo BG=u2netp or BG=isnet)");
}
