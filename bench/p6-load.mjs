// P6: 60 s of mixed traffic over 500 tenants. Owners of 50 tenants each (10 users) drive
// concurrent loops that pick a random tenant of theirs and a random operation: list (45 %),
// search (15 %), get a document (15 %), create one (10 %), patch one (5 %), read the tenant
// through the management API (5 %), list tenants (5 %). The result: 0 errors (every answer
// 2xx), p50/p99 per operation, and the RSS of the API and the worker sampled every second:
// growth after warm-up (first 20 s) must stay under 10 %. Baseline for the ratio: the RSS
// peak of the 15 s right after warm-up, in the same run, against the peak of the last 15 s.
import { readFile } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { createTenant, DATA, fmt, log, machine, mapLimit, percentile, registerUser, http, sleep, table, tenantEvents, withStack } from './lib.mjs';

const TENANTS = Number(process.env.P6_TENANTS ?? 500);
const OWNERS = Number(process.env.P6_OWNERS ?? 10);
const DURATION_S = Number(process.env.P6_DURATION_S ?? 60);
const WARMUP_S = Number(process.env.P6_WARMUP_S ?? 20);
const CONCURRENCY = Number(process.env.P6_CONCURRENCY ?? 32);
const DOCS = 3;

const OPS = [
  ['list', 45],
  ['search', 15],
  ['get', 15],
  ['create', 10],
  ['patch', 5],
  ['tenant', 5],
  ['tenants', 5],
];

async function rssKb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export async function runP6() {
  return withStack('p6', (DURATION_S + 600) * 1000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_p6');
    const env = stack.appEnv(databaseUrl, { WARM_POOL_SIZE: '10' });
    const api = await stack.startApp('api', env);
    const worker = await stack.startApp('worker', env);
    const request = http(api.url);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);

    const started = Date.now();
    const owners = await mapLimit(Array.from({ length: OWNERS }, (_, i) => i), 4, () => registerUser(request));
    const tenants = await mapLimit(Array.from({ length: TENANTS }, (_, i) => i), 8, async (i) => {
      const owner = owners[i % OWNERS];
      const t = await createTenant(request, owner.token, `p6-${i}-${Date.now().toString(36)}`, `P6 ${i}`);
      await events.wait(t.id);
      const docs = [];
      for (let d = 0; d < DOCS; d++) {
        const res = await request('POST', '/api/v1/corpus/documents', {
          token: owner.token,
          headers: { 'x-tenant-id': t.id },
          body: { title: `P6 ${i} doc ${d}`, content: `word${i} body ${d}`, metadata: { d } },
        });
        if (res.status !== 201) throw new Error(`seed document: ${res.status} ${JSON.stringify(res.body)}`);
        docs.push(res.body.id);
      }
      return { id: t.id, index: i, token: owner.token, docs };
    });
    log(`p6: ${TENANTS} tenants of ${OWNERS} owners with ${DOCS} documents each in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const base = new URL(api.url);
    const send = (method, path, token, headers, body) =>
      new Promise((resolve) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const h = { authorization: `Bearer ${token}`, ...headers };
        if (payload !== undefined) Object.assign(h, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        const req = httpRequest({ agent, host: base.hostname, port: base.port, method, path, headers: h }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => resolve({ status: 0, text: String(e) }));
        });
        req.on('error', (e) => resolve({ status: 0, text: String(e) }));
        req.end(payload);
      });
    const total = OPS.reduce((s, [, w]) => s + w, 0);
    const pick = () => {
      let r = Math.random() * total;
      for (const [name, w] of OPS) if ((r -= w) < 0) return name;
      return OPS[0][0];
    };
    const run = (op, t) => {
      const h = { 'x-tenant-id': t.id };
      const doc = t.docs[Math.floor(Math.random() * t.docs.length)];
      switch (op) {
        case 'list': return send('GET', '/api/v1/corpus/documents?limit=20', t.token, h);
        case 'search': return send('GET', `/api/v1/corpus/documents?q=word${t.index}`, t.token, h);
        case 'get': return send('GET', `/api/v1/corpus/documents/${doc}`, t.token, h);
        case 'create': return send('POST', '/api/v1/corpus/documents', t.token, h, { title: 'P6 load', content: 'created under load' });
        case 'patch': return send('PATCH', `/api/v1/corpus/documents/${doc}`, t.token, h, { metadata: { touched: Date.now() } });
        case 'tenant': return send('GET', `/api/tenants/${t.id}`, t.token, {});
        case 'tenants': return send('GET', '/api/tenants?limit=20', t.token, {});
      }
    };

    const samples = [];
    const lat = Object.fromEntries(OPS.map(([n]) => [n, []]));
    const errors = [];
    let stop = false;
    const t0 = Date.now();
    const sampler = (async () => {
      while (!stop) {
        samples.push({ s: (Date.now() - t0) / 1000, api: await rssKb(api.child.pid), worker: await rssKb(worker.child.pid) });
        await sleep(1000);
      }
    })();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() - t0 < DURATION_S * 1000) {
        const t = tenants[Math.floor(Math.random() * tenants.length)];
        const op = pick();
        const s = performance.now();
        const res = await run(op, t);
        lat[op].push(performance.now() - s);
        if (res.status < 200 || res.status >= 300) errors.push(`${op} ${res.status} ${res.text.slice(0, 200)}`);
      }
    }));
    stop = true;
    await sampler;
    agent.destroy();

    const all = Object.values(lat).flat();
    const after = samples.filter((x) => x.s >= WARMUP_S);
    // V8's heap makes RSS a sawtooth (it climbs with garbage until a major GC, then drops, about
    // every 10 s here; after a minute or so V8 keeps the pages and RSS goes flat), so one sample
    // says more about the phase than about growth. Compared: the peak (highest sample) of the
    // first 15 s after warm-up and of the last 15 s, windows longer than a GC cycle; the floors
    // (lowest samples) of the same windows are reported beside them.
    const WINDOW_S = 15;
    const growth = (key) => {
      const first = after.filter((x) => x.s < WARMUP_S + WINDOW_S).map((x) => x[key]);
      const last = after.filter((x) => x.s >= after[after.length - 1].s - WINDOW_S).map((x) => x[key]);
      const base = Math.max(...first);
      const end = Math.max(...last);
      return { base: base / 1024, end: end / 1024, growth: (end - base) / base, floorBase: Math.min(...first) / 1024, floorEnd: Math.min(...last) / 1024 };
    };
    const rss = { api: growth('api'), worker: growth('worker') };
    console.log(`\nP6 mixed load (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ${TENANTS} tenants, ${CONCURRENCY} concurrent loops, ${DURATION_S} s, warm-up ${WARMUP_S} s for RSS)\n`);
    console.log(table(['operation', 'requests', 'p50 ms', 'p99 ms'], [
      ...OPS.map(([n]) => [n, lat[n].length, fmt(percentile(lat[n], 50)), fmt(percentile(lat[n], 99))]),
      ['all', all.length, fmt(percentile(all, 50)), fmt(percentile(all, 99))],
    ]));
    console.log('');
    console.log(table(['process', `RSS peak ${WARMUP_S}-${WARMUP_S + WINDOW_S} s MB`, `RSS peak, last ${WINDOW_S} s MB`, 'growth', 'goal < 10 %', 'floors (same windows) MB'], Object.entries(rss).map(([name, r]) => [
      name, fmt(r.base), fmt(r.end), `${fmt(r.growth * 100)} %`, r.growth < 0.1 ? 'MET' : 'NOT MET', `${fmt(r.floorBase)} -> ${fmt(r.floorEnd)}`,
    ])));
    console.log(`RSS of the API every second (MB): ${samples.map((x) => Math.round(x.api / 1024)).join(' ')}`);
    console.log(`\n${all.length} requests (${fmt(all.length / DURATION_S)} req/s), errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 3).join(' | ')})` : ''} (goal 0: ${errors.length === 0 ? 'MET' : 'NOT MET'})\n`);
    const result = { bench: 'p6', machine: machine(), tenants: TENANTS, durationS: DURATION_S, requests: all.length, errors: errors.length, p50: percentile(all, 50), p99: percentile(all, 99), rss, samples };
    await writeFile(join(DATA, 'p6-result.json'), JSON.stringify(result, null, 2));
    if (errors.length > 0) throw new Error(`p6: ${errors.length} requests failed`);
    return result;
  });
}
