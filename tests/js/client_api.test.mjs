// The JS surface of the remote client (`Client`, `Job`) in Node, against segmind-sim.
// Build the package first (make build), then run under the simulator:
//   SIM_PORT=0 tests/server/with-sim.sh node --test tests/client_api.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

// The built package's own entry point (make build), exactly as an app imports it.
const { Client } = await import(new URL('../../pkg/index.js', import.meta.url));
const SIM = process.env.SIM_URL;
const KEY = 'SG_0123456789abcdef';
assert.ok(SIM, 'run under tests/server/with-sim.sh');

let n = 0;
function mk(extra = {}, key = KEY) {
  const id = `js${process.pid}-${++n}`;
  const spec = JSON.stringify({ id, queuedMs: 60, processingMs: 120, ...extra });
  return { id, client: new Client({ apiKey: key, baseUrl: SIM, headers: { 'x-sim-scenario': spec } }) };
}
async function log(id) {
  return (await (await fetch(`${SIM}/__sim/log?scenario=${id}`)).json()).requests;
}
const fast = { pollInterval: 40, timeout: 10000 };
function noKey(e) {
  assert.ok(!String(e.message).includes(KEY));
  assert.ok(!String(e.stack ?? '').includes(KEY));
}

test('run resolves with {requestId, status, output, metrics, remainingCredits, raw} and reports progress in order', async () => {
  const { id, client } = mk();
  const events = [];
  const r = await client.run('bg-replace', { image: 'https://x/a.png', ref_image: 'https://x/b.png', prompt: 'p', samples: 1 }, { ...fast, onProgress: (p) => events.push(p) });
  assert.equal(r.status, 'COMPLETED');
  assert.equal(typeof r.requestId, 'string');
  assert.equal(r.raw.simulated, true);
  assert.equal(r.remainingCredits, 99.5);
  assert.match(r.output, /\.png$/);
  assert.equal(r.metrics.cost, 0.01);
  const states = events.map((e) => e.status);
  assert.equal(states[0], 'QUEUED');
  assert.equal(states.at(-1), 'COMPLETED');
  for (const e of events) {
    assert.equal(e.requestId, r.requestId);
    assert.equal(typeof e.elapsedMs, 'number');
  }
  const l = await log(id);
  assert.equal(l.filter((x) => x.method === 'POST').length, 1);
  for (const x of l) { assert.ok(!x.url.includes(KEY)); assert.equal(x.apiKey, 'valid'); }
});

test('integers stay integers in the body; Blob image fields become data: URIs', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const seen = [];
  const client = new Client({
    apiKey: KEY, baseUrl: SIM,
    fetch: async (req) => { if (req.method === 'POST') seen.push(await req.clone().text()); return fetch(req); },
  });
  await client.run('bg-replace', { image: new Blob([png], { type: 'image/png' }), ref_image: 'https://x/b.png', prompt: 'p', num_inference_steps: 30, strength: 0.5 }, fast);
  const body = JSON.parse(seen[0]);
  assert.equal(body.image, `data:image/png;base64,${png.toString('base64')}`);
  assert.ok(seen[0].includes('"num_inference_steps":30'), seen[0]);
  assert.equal(body.strength, 0.5);
});

test('submit → Job with requestId at once, status(), wait(); resume(id)', async () => {
  const { client } = mk({ processingMs: 300 });
  const job = await client.submit('sim-model', {});
  assert.match(job.requestId, /^[0-9a-f-]{36}$/);
  const s = await job.status();
  assert.ok(['QUEUED', 'PROCESSING'].includes(s.status));
  const r = await job.wait(fast);
  assert.equal(r.requestId, job.requestId);
  const again = await client.resume(job.requestId).wait(fast);
  assert.equal(again.requestId, job.requestId);
});

test('runSync returns a Blob and the accounting headers', async () => {
  const { client } = mk();
  const r = await client.runSync('sim-model', { seed: 9 });
  assert.ok(r.blob instanceof Blob);
  assert.equal(r.contentType, 'image/png');
  const bytes = Buffer.from(await r.blob.arrayBuffer());
  assert.equal(bytes.subarray(0, 4).toString('hex'), '89504e47');
  assert.equal(r.remainingCredits, 99.5);
  assert.equal(r.cost, 0.01);
  assert.equal(r.generationTime, 0.25);
  assert.equal(r.seed, '9');
  assert.equal(typeof r.requestId, 'string');
});

test('errors are JS Errors with code, status, requestId and the server message; never the key', async () => {
  let { client } = mk({}, 'SG_ffffffffffffffff');
  await assert.rejects(client.run('sim-model', {}, fast), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'E_UNAUTHORIZED');
    assert.equal(e.status, 401);
    assert.match(e.message, /invalid x-api-key/);
    assert.ok(!e.message.includes('SG_ffffffffffffffff'));
    return true;
  });
  ({ client } = mk({ fail: 'simulated block' }));
  await assert.rejects(client.run('sim-model', {}, fast), (e) => {
    assert.equal(e.code, 'E_INFERENCE_FAILED');
    assert.equal(e.status, 422);
    assert.match(e.requestId, /^[0-9a-f-]{36}$/);
    assert.match(e.message, /simulated block/);
    noKey(e);
    return true;
  });
  ({ client } = mk());
  await assert.rejects(client.run('no-such-model', {}, fast), (e) => e.code === 'E_NOT_FOUND' && e.status === 404);
  await assert.rejects(client.run('bad/model', {}, fast), (e) => e.code === 'E_INVALID_REQUEST' && e.param === 'model');
  await assert.rejects(client.run('bg-replace', [1], fast), (e) => e.code === 'E_PARAM_TYPE');
  await assert.rejects(client.run('bg-replace', { x: () => 1 }, fast), (e) => e.code === 'E_PARAM_TYPE' && e.param === 'x');
  assert.throws(() => client.resume('../etc'), (e) => e.code === 'E_INVALID_REQUEST');
  assert.throws(() => new Client({ baseUrl: 'ftp://x' }), (e) => e.param === 'baseUrl');
});

test('a submit answered by a dropped connection is not retried', async () => {
  const { id, client } = mk({ faults: [{ on: 'submit', drop: true }] });
  await assert.rejects(client.run('sim-model', {}, fast), (e) => e.code === 'E_NETWORK' && /job may/.test(e.message));
  assert.equal((await log(id)).filter((x) => x.method === 'POST').length, 1);
});

test('timeout keeps the requestId; resume completes', async () => {
  const { client } = mk({ processingMs: 1200 });
  const e = await client.run('sim-model', {}, { pollInterval: 40, timeout: 300 }).catch((x) => x);
  assert.equal(e.code, 'E_TIMEOUT');
  assert.ok(e.requestId);
  const r = await client.resume(e.requestId).wait(fast);
  assert.equal(r.status, 'COMPLETED');
});

test('AbortSignal: before submit, while polling', async () => {
  const { id, client } = mk({ processingMs: 3000 });
  await assert.rejects(client.run('sim-model', {}, { ...fast, signal: AbortSignal.abort() }), (e) => e.code === 'E_ABORTED');
  assert.equal((await log(id)).filter((x) => x.method === 'POST').length, 0);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 250);
  await assert.rejects(client.run('sim-model', {}, { ...fast, signal: ac.signal }), (e) => e.code === 'E_ABORTED' && !!e.requestId);
});

test('option types are checked', async () => {
  const { client } = mk();
  await assert.rejects(client.run('sim-model', {}, { timeout: 'soon' }), (e) => e.code === 'E_PARAM_TYPE' && e.param === 'timeout');
  await assert.rejects(client.run('sim-model', {}, { pollInterval: -1 }), (e) => e.code === 'E_PARAM_RANGE');
  await assert.rejects(client.run('sim-model', {}, { signal: 5 }), (e) => e.param === 'signal');
});

test('upload: true uploads Blob fields first (SPEC 4.7) and sends their URLs; the uploaded bytes are the Blob', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
  const seen = [];
  const id = `js${process.pid}-up`;
  const client = new Client({
    apiKey: KEY, baseUrl: SIM, uploadUrl: `${SIM}/upload-asset`, upload: true,
    headers: { 'x-sim-scenario': JSON.stringify({ id, queuedMs: 20, processingMs: 20 }) },
    fetch: async (req) => { if (req.method === 'POST') seen.push([req.url, await req.clone().text()]); return fetch(req); },
  });
  const r = await client.run('bg-replace', { image: new Blob([png], { type: 'image/png' }), ref_image: 'https://x/b.png', prompt: 'p' }, fast);
  assert.equal(r.status, 'COMPLETED');
  assert.equal(seen.length, 2);
  assert.equal(seen[0][0], `${SIM}/upload-asset`);
  assert.deepEqual(JSON.parse(seen[0][1]), { data_urls: [`data:image/png;base64,${png.toString('base64')}`] });
  const body = JSON.parse(seen[1][1]);
  assert.match(body.image, new RegExp(`^${SIM}/__sim/asset/`));
  assert.equal(body.ref_image, 'https://x/b.png');
  const back = Buffer.from(await (await fetch(body.image)).arrayBuffer());
  assert.deepEqual(back, png);
  const l = await log(id);
  assert.equal(l.filter((x) => x.url === '/upload-asset').length, 1);
  assert.ok(l.every((x) => x.apiKey === 'valid'));
});

test('uploadAssets returns URLs in order; an invalid body uploads nothing; upload errors are coded and keyless', async () => {
  const a = Buffer.from('89504e470d0a1a0a01', 'hex');
  const b = Buffer.from('ffd8ffe000104a4649', 'hex');
  const client = new Client({ apiKey: KEY, baseUrl: SIM, uploadUrl: `${SIM}/upload-asset`, upload: true });
  const urls = await client.uploadAssets([new Blob([a], { type: 'image/png' }), new Blob([b])]);
  assert.equal(urls.length, 2);
  assert.deepEqual(Buffer.from(await (await fetch(urls[0])).arrayBuffer()), a);
  const second = await fetch(urls[1]);
  assert.equal(second.headers.get('content-type'), 'image/jpeg'); // sniffed: the Blob had no type
  assert.deepEqual(Buffer.from(await second.arrayBuffer()), b);

  // Validation first: nothing is uploaded for a body that would be refused.
  const posts = [];
  const c2 = new Client({ apiKey: KEY, baseUrl: SIM, uploadUrl: `${SIM}/upload-asset`, upload: true,
    fetch: async (req) => { posts.push(req.url); return fetch(req); } });
  await assert.rejects(c2.run('bg-replace', { image: new Blob([a], { type: 'image/png' }), ref_image: 'https://x/b.png', prompt: 'p', num_inference_steps: 1000 }, fast),
    (e) => e.code === 'E_PARAM_RANGE');
  assert.equal(posts.length, 0);

  // A Blob that is not an image is refused before anything is sent.
  await assert.rejects(client.uploadAssets([new Blob(['hello'], { type: 'text/plain' })]), (e) => e.code === 'E_IMAGE_INPUT');
  // Server errors keep their codes; 5xx are retried (not billable), then reported; the key never shows.
  const flap = new Client({ apiKey: KEY, baseUrl: SIM, uploadUrl: `${SIM}/upload-asset`,
    headers: { 'x-sim-scenario': JSON.stringify({ id: `js${process.pid}-upflap`, faults: [{ on: 'upload', status: 503, times: 1 }] }) } });
  const ok = await flap.uploadAssets([new Blob([a], { type: 'image/png' })]);
  assert.equal(ok.length, 1);
  const bad = new Client({ apiKey: 'SG_wrong', baseUrl: SIM, uploadUrl: `${SIM}/upload-asset` });
  await assert.rejects(bad.uploadAssets([new Blob([a], { type: 'image/png' })]), (e) => { noKey(e); return e.code === 'E_UNAUTHORIZED' && e.status === 401; });
  await assert.rejects(client.uploadAssets('nope'), (e) => e.code === 'E_PARAM_TYPE' || e.code === 'E_INVALID_REQUEST');
  assert.throws(() => new Client({ uploadUrl: 'ftp://x/y' }), (e) => e.code === 'E_INVALID_REQUEST');
});
