#!/usr/bin/env node
// segmind-sim: a local, dependency-free simulator of the Segmind serverless protocol (SPEC 4),
// for tests and demos. It CANNOT run the real models: every result is labelled
// `"simulated": true` and its output is a small PNG this server serves itself.
//
// Usage: node tests/server/segmind-sim.mjs [--port N] [--queued-ms N] [--processing-ms N]
//          [--expiry-ms N] [--api-key KEY] [--keep-alive]
// (env: SIM_PORT, SIM_QUEUED_MS, SIM_PROCESSING_MS, SIM_EXPIRY_MS, SIM_API_KEY).
// Listens on 127.0.0.1 only; port 0 picks a free port. Prints `SIM_URL=http://127.0.0.1:PORT`
// on stdout once it is listening.
//
// Endpoints (the documented protocol):
//   POST /v1/{model}                 sync run → PNG bytes + x-remaining-credits, x-cost, ...
//   POST /v2/{model}                 submit → {request_id, status, poll_url, status_url, response_url}
//   GET  /v2/requests/{id}/status    → {status, request_id, metrics} | 422 FAILED | 404 expired
//   GET  /v2/requests/{id}           → result {status: COMPLETED, output, metrics, ...}
//   POST /upload-asset               → {file_urls, message} for {data_urls} (SPEC 4.7; the real
//                                      one lives on workflows-api.segmind.com: set `uploadUrl`)
// Control (not part of the protocol):
//   GET  /__sim/health               → {"ok": true}
//   GET  /__sim/log?scenario=ID      → the requests received for that scenario
//   GET  /__sim/output/{id}.png      → the simulated output image
//   GET  /__sim/asset/{id}           → an uploaded asset's bytes
//
// Fault injection is chosen per request by the header `x-sim-scenario`, a JSON object:
//   {"id": "unique-test-id",                 // scopes counters and the log
//    "queuedMs": 100, "processingMs": 200,   // job timing (elapsed since submit)
//    "fail": "message",                      // the job ends FAILED (served as HTTP 422)
//    "expiryMs": 1000,                       // results expire after this (default 1 h)
//    "faults": [ rule, ... ]}
// A rule applies to the next request of its kind and is used up after `times` (default 1):
//   {"on": "submit"|"sync"|"status"|"result"|"upload"|"any", "times": N,
//    "pass": true                  // answer normally (to target a later request)
//    "status": 429|500|...         // answer this status (body: `body`, default {"error": ...})
//    "body": {...} | "text",       // the body to send with `status` (string = raw text)
//    "contentType": "text/plain",  // with `body`
//    "resetMs": 800,               // 429: x-rate-limit-reset-at-utc = now + resetMs (ISO 8601)
//    "resetFormat": "iso"|"epoch", // format of that header
//    "retryAfter": "1",            // Retry-After header value
//    "drop": true,                 // destroy the connection without answering
//    "delayMs": N,                 // wait before answering normally
//    "slowBodyMs": N,              // send headers and half the body, the rest after N ms
//    "malformed": true,            // 200 with truncated JSON
//    "omit": ["request_id"]}       // submit: leave these keys out of a normal answer
//    "expired": true               // status/result: 404 "Request <id> not found"

import http from 'node:http';
import crypto from 'node:crypto';
import { makePng } from './png.mjs';

const argv = process.argv.slice(2);
function opt(name, envName, dflt) {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  if (process.env[envName] !== undefined) return process.env[envName];
  return dflt;
}
const PORT = Number(opt('port', 'SIM_PORT', '0'));
const DEFAULT_QUEUED_MS = Number(opt('queued-ms', 'SIM_QUEUED_MS', '300'));
const DEFAULT_PROCESSING_MS = Number(opt('processing-ms', 'SIM_PROCESSING_MS', '600'));
const DEFAULT_EXPIRY_MS = Number(opt('expiry-ms', 'SIM_EXPIRY_MS', String(3600 * 1000)));
const API_KEY = opt('api-key', 'SIM_API_KEY', 'SG_0123456789abcdef');
// Connections are closed after every response unless --keep-alive: browsers transparently
// resend a request (even a POST) when a *reused* keep-alive connection dies before any answer
// byte, which would hide what the client itself does on a dropped connection.
const KEEP_ALIVE = argv.includes('--keep-alive') || process.env.SIM_KEEP_ALIVE === '1';

const MODELS = new Set(['sim-model', 'seg-swap', 'bg-replace', 'segmind-relighting-v2', 'superimpose', 'superimpose-v2']);
const RETIRED = new Set(['sim-retired-model']);
const FORBIDDEN = new Set(['sim-forbidden-model']);
const MAX_BODY = 32 * 1024 * 1024;
const MAX_JOBS = 5000;
const MAX_SCENARIOS = 2000;
const MAX_LOG = 400;

// ---- a small real PNG (8×8 RGBA checkerboard, tests/server/png.mjs) ----
const PNG = makePng(8, 8);

// ---- state ----
const jobs = new Map(); // id -> job
const assets = new Map(); // id -> {mime, bytes} (uploaded with /upload-asset)
const MAX_ASSETS = 200;

// SPEC 4.7: {"data_urls": ["data:<mime>;base64,…", …]} → {"file_urls": [...], "message": ...}.
function uploadAssets(req, res, body, entry) {
  const list = body.data_urls;
  if (!Array.isArray(list) || list.length === 0) return send(res, 400, { error: '`data_urls` must be a non-empty array' });
  const urls = [];
  for (const d of list) {
    const m = typeof d === 'string' ? d.match(/^data:(image\/[A-Za-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)$/) : null;
    if (!m) return send(res, 400, { error: 'each data_urls entry must be a data:image/...;base64 URI' });
    const id = crypto.randomUUID();
    if (assets.size >= MAX_ASSETS) assets.delete(assets.keys().next().value);
    assets.set(id, { mime: m[1], bytes: Buffer.from(m[2], 'base64') });
    urls.push(`${baseOf(req)}/__sim/asset/${id}`);
  }
  entry.uploaded = urls.length;
  return send(res, 200, { file_urls: urls, message: 'simulated upload', simulated: true });
}
const scenarios = new Map(); // id -> {rules, log}

function scenarioFor(req) {
  let spec = {};
  const h = req.headers['x-sim-scenario'];
  if (typeof h === 'string' && h.length > 0) {
    try { spec = JSON.parse(h); } catch { spec = { id: h }; }
    if (spec === null || typeof spec !== 'object') spec = {};
  }
  const id = typeof spec.id === 'string' && spec.id ? spec.id.slice(0, 200) : 'default';
  let s = scenarios.get(id);
  if (!s) {
    if (scenarios.size >= MAX_SCENARIOS) scenarios.delete(scenarios.keys().next().value);
    const rules = Array.isArray(spec.faults) ? spec.faults.map((r) => ({ ...r, left: Number.isInteger(r.times) ? r.times : 1 })) : [];
    s = { id, spec, rules, log: [] };
    scenarios.set(id, s);
  }
  return s;
}

function takeRule(s, kind) {
  for (const r of s.rules) {
    if (r.left > 0 && (r.on === kind || r.on === 'any')) {
      r.left -= 1;
      return r;
    }
  }
  return null;
}

function cors(req, res) {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  const asked = req.headers['access-control-request-headers'];
  res.setHeader('Access-Control-Allow-Headers', typeof asked === 'string' && asked ? asked : 'x-api-key, content-type, accept, x-sim-scenario');
  res.setHeader('Access-Control-Expose-Headers', 'x-remaining-credits, x-cost, x-generation-time, x-seed-value, x-request-id, x-rate-limit-reset-at-utc, retry-after, x-simulated, content-type');
  res.setHeader('Access-Control-Max-Age', '600');
}

function send(res, status, body, headers = {}) {
  if (res.writableEnded || res.destroyed) return;
  let buf;
  let type;
  if (Buffer.isBuffer(body)) { buf = body; type = 'application/octet-stream'; }
  else if (typeof body === 'string') { buf = Buffer.from(body); type = 'text/plain; charset=utf-8'; }
  else { buf = Buffer.from(JSON.stringify(body)); type = 'application/json'; }
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length, ...headers });
  res.end(buf);
}

function baseOf(req) {
  return `http://${req.headers.host}`;
}

function jobStatus(job, now) {
  const t = now - job.created;
  if (t < job.queuedMs) return 'QUEUED';
  if (t < job.queuedMs + job.processingMs) return 'PROCESSING';
  return job.fail ? 'FAILED' : 'COMPLETED';
}

function metricsOf(job, done) {
  if (!done) return {};
  return {
    queue_time: job.queuedMs / 1000,
    inference_time: job.processingMs / 1000,
    total_time: (job.queuedMs + job.processingMs) / 1000,
    cost: 0.01,
    remaining_credits: 99.5,
    retry_count: 0,
  };
}

function urls(base, id) {
  return {
    poll_url: `${base}/v1/requests/${id}`,
    status_url: `${base}/v2/requests/${id}/status`,
    response_url: `${base}/v2/requests/${id}`,
  };
}

async function readBody(req) {
  const parts = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > MAX_BODY) throw new Error('body too large');
    parts.push(c);
  }
  return Buffer.concat(parts);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, 120000))));

// Apply a rule that replaces the answer. Returns true when the request was answered.
async function applyRule(rule, req, res, kind, id) {
  if (!rule || rule.pass) return false;
  if (rule.delayMs) await sleep(rule.delayMs);
  if (rule.drop) {
    req.socket.destroy();
    return true;
  }
  if (rule.malformed) {
    send(res, 200, '{"status": "QUEU', { 'content-type': 'application/json' });
    return true;
  }
  if (rule.expired) {
    send(res, 404, { error: `Request ${id ?? 'unknown'} not found` });
    return true;
  }
  if (rule.status) {
    const headers = {};
    if (rule.status === 429) {
      const at = Date.now() + (Number.isFinite(rule.resetMs) ? rule.resetMs : 1000);
      headers['x-rate-limit-reset-at-utc'] = rule.resetFormat === 'epoch' ? String(Math.ceil(at / 1000)) : new Date(at).toISOString();
    }
    if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
    let body = rule.body;
    if (body === undefined) {
      const msgs = {
        400: 'Bad request: invalid parameters', 401: 'Unauthorized', 402: 'Payment required',
        403: 'Forbidden: this model is not enabled for your account', 404: 'Not found',
        406: 'Insufficient credits: please top up your account', 410: 'This model has been retired',
        429: 'Rate limit exceeded', 500: 'Internal server error', 502: 'Bad gateway',
        503: 'Service unavailable', 504: 'Gateway timeout',
      };
      body = { error: msgs[rule.status] ?? `simulated HTTP ${rule.status}` };
    }
    if (typeof body === 'string' && rule.contentType) headers['content-type'] = rule.contentType;
    send(res, rule.status, body, headers);
    return true;
  }
  return false; // delay-only / slow-body rules fall through to a normal answer
}

function slowSend(res, status, body, ms) {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length });
  const half = Math.floor(buf.length / 2);
  res.write(buf.subarray(0, half));
  setTimeout(() => { if (!res.destroyed) res.end(buf.subarray(half)); }, Math.min(ms, 120000));
}

function answer(res, rule, status, body) {
  if (rule && rule.slowBodyMs) slowSend(res, status, body, rule.slowBodyMs);
  else send(res, status, body);
}

async function handle(req, res) {
  cors(req, res);
  if (!KEEP_ALIVE) res.setHeader('connection', 'close');
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;
  if (req.method === 'OPTIONS') {
    res.writeHead(204);
    res.end();
    return;
  }
  // ---- control endpoints ----
  if (path === '/__sim/health') return send(res, 200, { ok: true, simulated: true });
  if (path === '/__sim/log') {
    const s = scenarios.get(url.searchParams.get('scenario') ?? 'default');
    return send(res, 200, { requests: s ? s.log : [] });
  }
  const asset = path.match(/^\/__sim\/asset\/([A-Za-z0-9-]+)$/);
  if (asset) {
    const a = assets.get(asset[1]);
    return a ? send(res, 200, a.bytes, { 'content-type': a.mime, 'x-simulated': 'true' }) : send(res, 404, { error: 'no such asset' });
  }
  const out = path.match(/^\/__sim\/output\/([A-Za-z0-9-]+)\.png$/);
  if (out) return send(res, 200, PNG, { 'content-type': 'image/png', 'x-simulated': 'true' });

  const s = scenarioFor(req);
  const key = req.headers['x-api-key'];
  const entry = {
    method: req.method,
    url: req.url,
    at: Date.now(),
    apiKey: key === undefined ? 'missing' : key === API_KEY ? 'valid' : 'invalid',
    contentType: req.headers['content-type'] ?? null,
    authorization: req.headers.authorization !== undefined,
  };
  if (s.log.length < MAX_LOG) s.log.push(entry);

  const v1 = path.match(/^\/v1\/([^/]+)$/);
  const v2 = path.match(/^\/v2\/([^/]+)$/);
  const st = path.match(/^\/v2\/requests\/([^/]+)\/status$/);
  const rs = path.match(/^\/v2\/requests\/([^/]+)$/);
  const up = path === '/upload-asset';
  const kind = up ? 'upload' : v1 ? 'sync' : st ? 'status' : rs ? 'result' : v2 ? 'submit' : null;
  if (!kind) return send(res, 404, { error: `No route for ${path}` });
  const wantMethod = kind === 'sync' || kind === 'submit' || kind === 'upload' ? 'POST' : 'GET';
  if (req.method !== wantMethod) {
    return send(res, 405, '<html><body><h1>405 Method Not Allowed</h1></body></html>', { 'content-type': 'text/html' });
  }
  if (key !== API_KEY) {
    if (wantMethod === 'POST') await readBody(req).catch(() => null);
    return send(res, 401, { error: 'Unauthorized: missing or invalid x-api-key' });
  }
  const id = st ? st[1] : rs ? rs[1] : undefined;
  const rule = takeRule(s, kind);
  if (wantMethod === 'POST') {
    let raw;
    try { raw = await readBody(req); } catch { return send(res, 413, { error: 'Request body too large' }); }
    entry.bodyBytes = raw.length;
    if (await applyRule(rule, req, res, kind, id)) return;
    const ct = String(req.headers['content-type'] ?? '');
    if (!ct.toLowerCase().startsWith('application/json')) {
      return send(res, 406, 'Not Acceptable: Content-Type must be application/json');
    }
    let body;
    try { body = JSON.parse(raw.toString('utf8')); } catch { return send(res, 400, { error: 'Malformed JSON body' }); }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, { error: 'Body must be a JSON object' });
    entry.bodyKeys = Object.keys(body).sort();
    if (up) return uploadAssets(req, res, body, entry);
    const model = decodeURIComponent((v1 ?? v2)[1]);
    if (RETIRED.has(model)) return send(res, 410, { error: `Model ${model} has been retired` });
    if (FORBIDDEN.has(model)) return send(res, 403, { error: `Model ${model} is not available for this account` });
    if (!MODELS.has(model)) return send(res, 404, { error: `Model ${model} not found` });
    if (kind === 'sync') {
      if (rule && rule.slowBodyMs) {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        res.write(PNG.subarray(0, 16));
        setTimeout(() => { if (!res.destroyed) res.end(PNG.subarray(16)); }, Math.min(rule.slowBodyMs, 120000));
        return;
      }
      return send(res, 200, PNG, {
        'content-type': 'image/png',
        'x-remaining-credits': '99.5',
        'x-cost': '0.01',
        'x-generation-time': '0.25',
        'x-seed-value': String(body.seed ?? 42),
        'x-request-id': crypto.randomUUID(),
        'x-simulated': 'true',
      });
    }
    const rid = crypto.randomUUID();
    if (jobs.size >= MAX_JOBS) jobs.delete(jobs.keys().next().value);
    const spec = s.spec;
    jobs.set(rid, {
      id: rid,
      model,
      created: Date.now(),
      queuedMs: Number.isFinite(spec.queuedMs) ? spec.queuedMs : DEFAULT_QUEUED_MS,
      processingMs: Number.isFinite(spec.processingMs) ? spec.processingMs : DEFAULT_PROCESSING_MS,
      expiryMs: Number.isFinite(spec.expiryMs) ? spec.expiryMs : DEFAULT_EXPIRY_MS,
      fail: typeof spec.fail === 'string' ? spec.fail : null,
      base64: body.base64 === true,
      seed: body.seed,
    });
    entry.requestId = rid;
    const answerBody = { request_id: rid, status: 'QUEUED', ...urls(baseOf(req), rid) };
    for (const k of (rule && Array.isArray(rule.omit) ? rule.omit : [])) delete answerBody[k];
    return answer(res, rule, 200, answerBody);
  }
  // GET status / result
  if (await applyRule(rule, req, res, kind, id)) return;
  const job = jobs.get(id);
  const now = Date.now();
  if (!job || now - job.created > job.expiryMs) {
    if (job) jobs.delete(id);
    return send(res, 404, { error: `Request ${id} not found` });
  }
  const state = jobStatus(job, now);
  const done = state === 'COMPLETED' || state === 'FAILED';
  if (state === 'FAILED') {
    return answer(res, rule, 422, { status: 'FAILED', error: job.fail, metrics: metricsOf(job, true), request_id: job.id });
  }
  if (kind === 'status') {
    return answer(res, rule, 200, { status: state, request_id: job.id, metrics: metricsOf(job, done), ...urls(baseOf(req), job.id) });
  }
  if (!done) {
    return answer(res, rule, 200, { status: state, request_id: job.id, error: null, metrics: {}, output: null });
  }
  const outUrl = `${baseOf(req)}/__sim/output/${job.id}.png`;
  return answer(res, rule, 200, {
    status: 'COMPLETED',
    error: null,
    request_id: job.id,
    metrics: metricsOf(job, true),
    output: job.base64 ? PNG.toString('base64') : outUrl,
    images: [{ url: outUrl, content_type: 'image/png', file_name: `${job.id}.png`, file_size: PNG.length }],
    seed: job.seed ?? 42,
    model: job.model,
    simulated: true,
    note: 'simulated by segmind-sim (tests/server); not a real inference',
  });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (!res.headersSent) send(res, 500, { error: `simulator error: ${e && e.message}` });
    else res.destroy();
  });
});
server.headersTimeout = 20000;
server.requestTimeout = 120000;
server.keepAliveTimeout = 1000;
server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`SIM_URL=http://127.0.0.1:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
