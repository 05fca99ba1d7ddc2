// The remote client under load with injected faults: 200 concurrent jobs against segmind-sim
// (127.0.0.1 only), each with its own scenario of random faults drawn from a seeded RNG (the
// seed is printed; LOAD_SEED=<n> replays a run). Checks, for every job:
//   * it ends delivered, or rejected with a coded SuperimposeError (E_…);
//   * a rejection carries the requestId whenever the server handed one to the client;
//   * no POST was sent twice, unless every earlier POST of the job was answered with a status
//     that proves it was not accepted (429, 500, 502, 503, 504) — checked against both what the
//     client's fetch saw and the simulator's own request log;
//   * the API key appears in no error, no URL and no log line;
//   * no unhandled promise rejection anywhere in the process.
// Bounded: 200 jobs, at most 2 faults each, a 20 s deadline per job and 90 s for the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const { Client } = await import(new URL('../../pkg/index.js', import.meta.url));
const SIM = process.env.SIM_URL;
const KEY = 'SG_0123456789abcdef';
assert.ok(SIM, 'run under tests/server/with-sim.sh');
assert.match(new URL(SIM).hostname, /^(127\.0\.0\.1|localhost)$/, 'loopback only');

const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(r));

const JOBS = 200;
const SEED = Number(process.env.LOAD_SEED ?? ((Date.now() % 2147483647) >>> 0));

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fault menu. `deliver`: the job can still complete; `idKnown`: whether the client will have
// received a request id when the job ends (an error must then carry it).
const FAULTS = [
  { on: 'submit', status: 429, resetMs: 150, resetFormat: 'iso' },
  { on: 'submit', status: 503, retryAfter: '0' },
  { on: 'submit', status: 500 },
  { on: 'submit', status: 502 },
  { on: 'submit', drop: true },
  { on: 'submit', malformed: true },
  { on: 'submit', omit: ['request_id'] },
  { on: 'submit', status: 400, body: { error: 'bad body (simulated)' } },
  { on: 'submit', delayMs: 120 },
  { on: 'status', status: 500, times: 2 },
  { on: 'status', status: 429, resetMs: 100 },
  { on: 'status', drop: true },
  { on: 'status', delayMs: 150 },
  { on: 'status', malformed: true },
  { on: 'status', expired: true },
  { on: 'result', status: 503 },
  { on: 'result', drop: true },
  { on: 'result', slowBodyMs: 120 },
  { on: 'result', malformed: true },
  { on: 'any', pass: true, times: 2 },
];
const PROVES_NOT_ACCEPTED = new Set([429, 500, 502, 503, 504]);

function scenarioFor(i, r) {
  const faults = [];
  const n = r() < 0.25 ? 0 : r() < 0.7 ? 1 : 2;
  for (let k = 0; k < n; k++) faults.push(FAULTS[Math.floor(r() * FAULTS.length)]);
  const spec = { id: `load${SEED}-${process.pid}-${i}`, queuedMs: 20 + Math.floor(r() * 80), processingMs: 40 + Math.floor(r() * 160), faults };
  if (r() < 0.05) spec.fail = 'simulated inference failure';
  return spec;
}

test(`${JOBS} concurrent jobs with random faults: delivered or coded, no lost id, no double POST`, { timeout: 90_000 }, async () => {
  console.log(`client_load: seed ${SEED} (LOAD_SEED=${SEED} replays this run)`);
  const r = rng(SEED);
  const jobs = [];
  for (let i = 0; i < JOBS; i++) {
    const spec = scenarioFor(i, r);
    const wrongKey = r() < 0.03;
    const seen = { posts: [], ids: new Set(), urls: [] };
    const client = new Client({
      apiKey: wrongKey ? 'SG_wrong_key_for_the_test' : KEY,
      baseUrl: SIM,
      headers: { 'x-sim-scenario': JSON.stringify(spec) },
      // Observe what the client sends and receives; the request itself is untouched.
      fetch: async (req) => {
        seen.urls.push(req.url);
        let res;
        try {
          res = await fetch(req);
        } catch (e) {
          if (req.method === 'POST') seen.posts.push('network');
          throw e;
        }
        if (req.method === 'POST') seen.posts.push(res.status);
        if (res.ok && req.method === 'POST') {
          try {
            const j = await res.clone().json();
            if (typeof j?.request_id === 'string') seen.ids.add(j.request_id);
          } catch { /* malformed on purpose */ }
        }
        return res;
      },
    });
    const params = { image: 'https://example.invalid/a.png', ref_image: 'https://example.invalid/b.png', prompt: `job ${i}`, samples: 1 };
    const model = i % 2 ? 'bg-replace' : 'sim-model';
    const run = client.run(model, model === 'sim-model' ? { seed: i } : params, { pollInterval: 40, timeout: 20_000 });
    jobs.push({ i, spec, wrongKey, seen, run: run.then((v) => ({ ok: v }), (e) => ({ err: e })) });
  }
  const t0 = Date.now();
  const outcomes = await Promise.all(jobs.map((j) => j.run));
  const elapsed = Date.now() - t0;

  const tally = {};
  for (const [k, j] of jobs.entries()) {
    const o = outcomes[k];
    const where = `job ${j.i} (scenario ${JSON.stringify(j.spec)}, posts ${JSON.stringify(j.seen.posts)})`;
    if (o.ok) {
      assert.equal(o.ok.status, 'COMPLETED', where);
      assert.ok(j.seen.ids.has(o.ok.requestId), `${where}: delivered with an id the server did not issue`);
      tally.delivered = (tally.delivered ?? 0) + 1;
    } else {
      const e = o.err;
      assert.equal(e?.name, 'SuperimposeError', `${where}: ${e}`);
      assert.match(String(e.code), /^E_[A-Z_]+$/, `${where}: ${e}`);
      if (j.seen.ids.size > 0) {
        assert.ok(j.seen.ids.has(e.requestId), `${where}: ${e.code} lost the request id (${e.requestId}) — ${e.message}`);
      }
      for (const s of [e.message, e.stack, JSON.stringify(e)]) assert.ok(!String(s).includes(KEY), `${where}: key in the error`);
      tally[e.code] = (tally[e.code] ?? 0) + 1;
    }
    // No POST twice unless every earlier one was proved not accepted.
    const p = j.seen.posts;
    for (const s of p.slice(0, -1)) {
      assert.ok(PROVES_NOT_ACCEPTED.has(s), `${where}: POST re-sent after ${s}`);
    }
    for (const u of j.seen.urls) assert.ok(!u.includes(KEY), `${where}: key in a URL`);
  }
  // The simulator's own log agrees: as many POSTs arrived as the client's fetch sent.
  for (const j of jobs) {
    const log = (await (await fetch(`${SIM}/__sim/log?scenario=${encodeURIComponent(j.spec.id)}`)).json()).requests;
    const posts = log.filter((x) => x.method === 'POST');
    assert.equal(posts.length, j.seen.posts.length, `job ${j.i}: the server saw ${posts.length} POSTs, the client sent ${j.seen.posts.length}`);
    for (const x of log) {
      assert.ok(!x.url.includes(KEY));
      assert.equal(x.apiKey, j.wrongKey ? 'invalid' : 'valid');
    }
  }
  console.log(`client_load: ${JOBS} jobs in ${elapsed} ms: ${JSON.stringify(tally)}`);
  assert.ok((tally.delivered ?? 0) >= JOBS / 3, `too few delivered: ${JSON.stringify(tally)}`);
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(unhandled, [], 'unhandled promise rejections');
});
