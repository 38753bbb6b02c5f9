// P4: does the number of tenant schemas hurt? Throughput of the tenant-scoped
// GET /api/v1/corpus/documents with requests spread round-robin (X-Tenant-ID) over every
// tenant of a database holding 2,000 tenant schemas, against the same on a database
// holding 10. Both databases live on the same PostgreSQL server, each with its own API
// process, so the runs can alternate (10, 2000, 2000, 10) and cancel the drift of this
// shared machine. One user owns all tenants of a database; every tenant has 20 documents.
// Repeated for two API pool sizes (DB_POOL_SIZE) and for each P4_AFFINITY (DB_POOL_AFFINITY,
// tenant-affine sub-pools; default 1, e.g. P4_AFFINITY=1,4 compares both) and for each
// P4_API_PROCESSES (API processes per database, default 1, e.g. 1,2,4); after the last
// 2,000-tenant run it reads RssAnon of every PostgreSQL backend of the API (pg_stat_activity,
// application_name 'tenantry-api') from /proc/<pid>/status.
import autocannon from 'autocannon';
import pg from 'pg';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteIdent, tenantContextSql } from '../dist/libs/database/src/index.js';
import {
  cpuMeter, createTenant, createTenantsThroughSql, fmt, http, log, machine, mapLimit, now, registerUser, DATA, sleep, table, tenantEvents, withStack,
} from './lib.mjs';

const MANY = Number(process.env.P4_TENANTS ?? 2000);
const FEW = 10;
const DOCS = 20;
const POOL_SIZES = (process.env.P4_POOL_SIZES ?? '4,10').split(',').map(Number);
/** DB_POOL_AFFINITY of the API: each pool size is measured with each of these. */
const AFFINITIES = (process.env.P4_AFFINITY ?? '1').split(',').map(Number);
/**
 * API processes per database, each with its own pool (e.g. P4_API_PROCESSES=1,2,4): the load is
 * split evenly over them (CONNECTIONS / n each); req/s is their sum, p99 the worst of theirs,
 * CPU per request summed over all of them.
 */
const API_PROCESSES = (process.env.P4_API_PROCESSES ?? '1').split(',').map(Number);
/**
 * DB_POOL_IDLE_TIMEOUT_S of the measured APIs: what README "Running many tenants" advises with
 * thousands of tenants. The runs alternate between two APIs, so each sits out ~11 s: with
 * pg-pool's 10 s its connections would close there and the next run would measure backends
 * rebuilding every schema's catalog from cold, not the steady state of a busy API.
 */
const IDLE_TIMEOUT_S = process.env.P4_DB_POOL_IDLE_TIMEOUT_S ?? '300';
/** Issue 20's goals: throughput many/few >= 0.95 at 2,000 tenants, >= 0.85 at 10,000; p99 many/few <= 1.25. */
const GOAL = MANY >= 10_000 ? 0.85 : 0.95;
const P99_GOAL = 1.25;
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.P4_DURATION_S ?? 7);
const WARMUP_S = 3;
const API_CREATE_CONCURRENCY = 16;
/** Creating through the API beyond this projected time switches the rest to SQL. */
const API_CREATE_BUDGET_MS = 180_000;

/** `n` tenants through POST /api/tenants (bounded concurrency), waiting for each to be active. */
async function createThroughApi(request, token, events, prefix, n, budgetMs, started = now()) {
  const ids = [];
  const slugs = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  let next = 0;
  let abandoned = false;
  await Promise.all(Array.from({ length: Math.min(API_CREATE_CONCURRENCY, n) }, async () => {
    for (;;) {
      if (abandoned) return;
      const i = next++;
      if (i >= n) return;
      const tenant = await createTenant(request, token, slugs[i]);
      const done = await events.wait(tenant.id, 120_000);
      if (done.status !== 'active') throw new Error(`tenant ${slugs[i]} ended ${done.status}`);
      ids.push(tenant.id);
      const elapsed = now() - started;
      if (ids.length >= 100 && (elapsed / ids.length) * n > budgetMs) abandoned = true;
    }
  }));
  return { ids, rest: slugs.slice(next) };
}

async function seedDocuments(client) {
  const { rows } = await client.query(`SELECT schema_name FROM public.tenants WHERE status = 'active' ORDER BY slug`);
  for (let i = 0; i < rows.length; i += 100) {
    const sql = rows.slice(i, i + 100).map(({ schema_name }) =>
      `INSERT INTO ${quoteIdent(schema_name)}.documents (title, content, metadata)
       SELECT 'Document ' || g, repeat('Body of document ' || g || '. ', 10), jsonb_build_object('n', g) FROM generate_series(1, ${DOCS}) g`);
    await client.query(`BEGIN; ${sql.join(';\n')}; COMMIT`);
  }
  const ids = (await client.query(`SELECT id FROM public.tenants WHERE status = 'active' ORDER BY slug`)).rows.map((r) => r.id);
  return ids;
}

/** One tenant database: its API/worker env, owner and tenants. */
async function prepareDatabase(stack, label, n) {
  const databaseUrl = await stack.createDatabase(`tenantry_p4_${label}`);
  // P4_TENANT_CACHE_TTL_MS: a diagnostic knob (the API's TENANT_CACHE_TTL_MS; default: the product's).
  const ttl = process.env.P4_TENANT_CACHE_TTL_MS ? { TENANT_CACHE_TTL_MS: process.env.P4_TENANT_CACHE_TTL_MS } : {};
  const env = stack.appEnv(databaseUrl, { WARM_POOL_SIZE: '0', ...ttl });
  const api = await stack.startApp('api', env);
  const worker = await stack.startApp('worker', env);
  const client = await stack.client(databaseUrl);
  const events = await tenantEvents(stack, env.REDIS_PREFIX);
  const request = http(api.url);
  const owner = await registerUser(request);
  const started = now();
  const { ids, rest } = await createThroughApi(request, owner.token, events, `p4-${label}`, n, API_CREATE_BUDGET_MS, started);
  const apiMs = now() - started;
  if (rest.length > 0) {
    log(`p4 ${label}: ${ids.length} tenants through the API in ${fmt(apiMs / 1000)} s; projected over budget, the other ${rest.length} through SQL`);
    await createTenantsThroughSql(databaseUrl, owner.id, rest);
  }
  await Promise.all([api.stop(), worker.stop()]);
  const tenantIds = await seedDocuments(client);
  if (tenantIds.length !== n) throw new Error(`p4 ${label}: expected ${n} active tenants, found ${tenantIds.length}`);
  const created = { total: n, viaApi: ids.length, viaSql: rest.length, seconds: (now() - started) / 1000, apiSeconds: apiMs / 1000 };
  log(`p4 ${label}: ${n} tenants (${ids.length} via API, ${rest.length} via SQL) with ${DOCS} documents each, ${fmt(created.seconds)} s`);
  return { label, databaseUrl, env, owner, tenantIds, client, created, datname: `tenantry_p4_${label}` };
}

function roundRobin(ids) {
  let i = 0;
  return (req) => ({ ...req, headers: { ...req.headers, 'x-tenant-id': ids[i++ % ids.length] } });
}

/** One load run over the database's API processes (CONNECTIONS split evenly), results merged. */
async function cannon(apis, db, duration) {
  const next = roundRobin(db.tenantIds); // one round robin over all processes: every tenant in turn
  const parts = await Promise.all(apis.map((api) => autocannon({
    url: api.url,
    connections: Math.max(1, Math.round(CONNECTIONS / apis.length)),
    duration,
    headers: { authorization: `Bearer ${db.owner.token}` },
    requests: [{ method: 'GET', path: '/api/v1/corpus/documents', setupRequest: next }],
  })));
  const sum = (k) => parts.reduce((a, r) => a + r[k], 0);
  return {
    '2xx': sum('2xx'), non2xx: sum('non2xx'), errors: sum('errors'), timeouts: sum('timeouts'), duration: Math.max(...parts.map((r) => r.duration)),
    latency: { p50: Math.max(...parts.map((r) => r.latency.p50)), p99: Math.max(...parts.map((r) => r.latency.p99)) },
  };
}

async function xactCount(stack, datname) {
  const { rows } = await stack.admin.query('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [datname]);
  return Number(rows[0].n);
}

async function rssAnonKb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

/**
 * The worst case of one backend: a fresh connection runs the list's queries in the unit of
 * work of every tenant once (as a pooled API backend eventually does); RssAnon before/after.
 */
async function memoryProbe(db) {
  const client = new pg.Client({ connectionString: db.databaseUrl, application_name: 'tenantry-bench-probe' });
  await client.connect();
  try {
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const { rows } = await client.query(`SELECT id, schema_name FROM public.tenants WHERE status = 'active'`);
    const before = await rssAnonKb(pid);
    for (const t of rows) {
      await client.query(`BEGIN; ${tenantContextSql(t.schema_name, t.id)};
        SELECT count(*) FROM documents; SELECT * FROM documents ORDER BY created_at DESC, id DESC LIMIT 20; COMMIT`);
    }
    const after = await rssAnonKb(pid);
    return { schemas: rows.length, beforeKb: before, afterKb: after, perSchemaKb: (after - before) / rows.length };
  } finally {
    await client.end();
  }
}

async function backendMemory(stack, datname) {
  const { rows } = await stack.admin.query(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'tenantry-api' AND datname = $1 ORDER BY pid`, [datname]);
  const out = [];
  for (const { pid } of rows) out.push({ pid, rssAnonKb: await rssAnonKb(pid) });
  return out;
}

async function measurePoolSize(stack, dbs, poolSize, affinity, processes) {
  const apis = {};
  for (const db of dbs) {
    apis[db.label] = [];
    for (let i = 0; i < processes; i++) apis[db.label].push(await stack.startApp('api', { ...db.env, DB_POOL_SIZE: String(poolSize), DB_POOL_AFFINITY: String(affinity), DB_POOL_IDLE_TIMEOUT_S: IDLE_TIMEOUT_S }));
  }
  const label = `p4 pool ${poolSize} k=${affinity}${processes > 1 ? ` x${processes} API processes` : ''}`;
  try {
    // Warm-up: one pass over every tenant, then a short load.
    for (const db of dbs) {
      const t0 = now();
      for (const api of apis[db.label]) {
        const request = http(api.url);
        await mapLimit(db.tenantIds, CONNECTIONS, async (id) => {
          const res = await request('GET', '/api/v1/corpus/documents', { token: db.owner.token, headers: { 'x-tenant-id': id } });
          if (res.status !== 200 || res.body.total !== DOCS) throw new Error(`warm-up ${db.label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        });
      }
      log(`${label}: warm-up pass over ${db.tenantIds.length} tenants in ${fmt((now() - t0) / 1000)} s`);
      await cannon(apis[db.label], db, WARMUP_S);
    }
    const order = [dbs[0], dbs[1], dbs[1], dbs[0]];
    const runs = [];
    const memory = {};
    for (const db of order) {
      // An untimed 1 s burst first: should the pool have closed idle connections (with
      // P4_DB_POOL_IDLE_TIMEOUT_S=10, pg-pool's default), the API reconnects here, not in the run.
      await cannon(apis[db.label], db, 1);
      await sleep(1100); // let the previous run's transaction counters reach pg_stat_database
      const x0 = await xactCount(stack, db.datname);
      const stopMeter = await cpuMeter(stack, apis[db.label].map((a) => a.child.pid));
      const r = await cannon(apis[db.label], db, DURATION_S);
      const cpu = await stopMeter();
      // Right after its run, while the API's pool still holds every connection (pg-pool
      // closes connections idle for 10 s): RssAnon of the API's backends.
      memory[db.label] = await backendMemory(stack, db.datname);
      await sleep(1100); // PostgreSQL flushes its transaction counters about once a second
      const x1 = await xactCount(stack, db.datname);
      const bad = r.non2xx + r.errors + r.timeouts;
      if (bad > 0) throw new Error(`p4 ${db.label}: ${bad} requests failed or answered non-2xx`);
      const run = {
        poolSize, affinity, processes, tenants: db.tenantIds.length, rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, xactPerReq: (x1 - x0) / r['2xx'],
        apiUs: (cpu.apiMs * 1000) / r['2xx'], pgUs: (cpu.pgMs * 1000) / r['2xx'],
      };
      runs.push(run);
      log(`${label}: ${run.tenants} tenants: ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, CPU/req API ${fmt(run.apiUs, 0)} us + PostgreSQL ${fmt(run.pgUs, 0)} us, ~${fmt(run.xactPerReq, 2)} PostgreSQL transactions/request`);
    }
    return { runs, memory };
  } finally {
    await Promise.all(Object.values(apis).flat().map((a) => a.stop()));
  }
}

/**
 * Creating and seeding the tenants (up to ~0.15 s a tenant on the 2-core machine once the API is
 * over its budget and SQL takes over: a tenant schema's DDL is ~100 ms of CPU), then about two
 * minutes per configuration measured.
 */
export const P4_BUDGET_MS = 240_000 + MANY * 150 + POOL_SIZES.length * AFFINITIES.length * API_PROCESSES.reduce((a, n) => a + 60_000 + n * (60_000 + MANY * 5), 0);

export async function runP4() {
  return withStack('p4', P4_BUDGET_MS, async (stack) => {
    await stack.startServers();
    return p4On(stack);
  });
}

/** P4 on a stack whose servers are up; its result names the many-tenant database (bench:scale runs P3 on it next). */
export async function p4On(stack) {
  const few = await prepareDatabase(stack, 'few', FEW);
  const many = await prepareDatabase(stack, 'many', MANY);
  const dbs = [few, many];
  const results = [];
  for (const poolSize of POOL_SIZES) {
    for (const affinity of AFFINITIES) {
      for (const processes of API_PROCESSES) results.push({ poolSize, affinity, processes, ...(await measurePoolSize(stack, dbs, poolSize, affinity, processes)) });
    }
  }
  const probe = { few: await memoryProbe(few), many: await memoryProbe(many) };

  console.log(`\nP4 many tenants (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ${CONNECTIONS} connections, ` +
    `${DURATION_S} s runs, round-robin X-Tenant-ID over all tenants, ${DOCS} documents per tenant, DB_POOL_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S}` +
    `${process.env.P4_TENANT_CACHE_TTL_MS ? `, TENANT_CACHE_TTL_MS=${process.env.P4_TENANT_CACHE_TTL_MS}` : ''})`);
  console.log(`tenants created: ${FEW} via API; ${many.created.viaApi} of ${MANY} via API` +
    `${many.created.viaSql ? ` and ${many.created.viaSql} via SQL (API projected over ${API_CREATE_BUDGET_MS / 1000} s)` : ''} in ${fmt(many.created.seconds)} s\n`);
  console.log(table(['DB_POOL_SIZE', 'DB_POOL_AFFINITY', 'API processes', 'run', 'tenant schemas', 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req', 'PG xacts/req (approx.)'],
    results.flatMap((r) => r.runs.map((run, i) => [
      run.poolSize, run.affinity, run.processes, i + 1, run.tenants, fmt(run.rps), run.p50, run.p99, fmt(run.apiUs, 0), fmt(run.pgUs, 0), fmt(run.xactPerReq, 2),
    ]))));
  const summary = results.map((r) => {
    const avg = (n, k) => { const m = r.runs.filter((x) => x.tenants === n); return m.reduce((s, x) => s + x[k], 0) / m.length; };
    const mem = r.memory.many.map((b) => b.rssAnonKb);
    const memFew = r.memory.few.map((b) => b.rssAnonKb);
    return {
      poolSize: r.poolSize, affinity: r.affinity, processes: r.processes,
      rpsFew: avg(FEW, 'rps'), rpsMany: avg(MANY, 'rps'), ratio: avg(MANY, 'rps') / avg(FEW, 'rps'),
      cpuRatio: (avg(FEW, 'apiUs') + avg(FEW, 'pgUs')) / (avg(MANY, 'apiUs') + avg(MANY, 'pgUs')),
      p99Few: avg(FEW, 'p99'), p99Many: avg(MANY, 'p99'),
      backends: mem.length, rssAnonTotalMb: mem.reduce((a, b) => a + b, 0) / 1024, rssAnonMaxMb: mem.length ? Math.max(...mem) / 1024 : NaN,
      fewBackends: memFew.length, fewRssAnonTotalMb: memFew.reduce((a, b) => a + b, 0) / 1024,
      perBackendKb: r.memory.many,
    };
  });
  console.log('');
  console.log(table(['DB_POOL_SIZE', 'DB_POOL_AFFINITY', 'API processes', `req/s @${FEW}`, `req/s @${MANY}`, `ratio ${MANY}/${FEW}`, `goal >= ${GOAL}`, 'CPU/req ratio', `p99 ms @${FEW} / @${MANY}`,
    `p99 ratio <= ${P99_GOAL}`, `API backends @${MANY}`, `RssAnon total @${MANY}`, 'RssAnon max/backend', `RssAnon total @${FEW}`],
    summary.map((s) => [s.poolSize, s.affinity, s.processes, fmt(s.rpsFew), fmt(s.rpsMany), fmt(s.ratio, 3), s.ratio >= GOAL ? 'MET' : 'NOT MET', fmt(s.cpuRatio, 3),
      `${fmt(s.p99Few, 0)} / ${fmt(s.p99Many, 0)}`, `${fmt(s.p99Many / s.p99Few, 2)} ${s.p99Many / s.p99Few <= P99_GOAL ? 'MET' : 'NOT MET'}`, s.backends, `${fmt(s.rssAnonTotalMb)} MB`, `${fmt(s.rssAnonMaxMb)} MB`,
      `${fmt(s.fewRssAnonTotalMb)} MB (${s.fewBackends} backends)`])));
  for (const s of summary) {
    console.log(`\nDB_POOL_SIZE=${s.poolSize} DB_POOL_AFFINITY=${s.affinity} API processes=${s.processes}, RssAnon per API backend at ${MANY} tenants: ` +
      s.perBackendKb.map((b) => `pid ${b.pid} ${fmt(b.rssAnonKb / 1024)} MB`).join(', '));
  }
  console.log(`\nOne backend after running the list in every tenant's unit of work once (the steady state of a pooled backend): ` +
    `${MANY} schemas: RssAnon ${fmt(probe.many.beforeKb / 1024)} -> ${fmt(probe.many.afterKb / 1024)} MB (${fmt(probe.many.perSchemaKb)} kB per schema); ` +
    `${FEW} schemas: ${fmt(probe.few.beforeKb / 1024)} -> ${fmt(probe.few.afterKb / 1024)} MB`);
  const best = [...summary].sort((a, b) => b.rpsMany - a.rpsMany)[0];
  console.log(`\nbest at ${MANY} tenants by throughput: DB_POOL_SIZE=${best.poolSize} DB_POOL_AFFINITY=${best.affinity} API processes=${best.processes}\n`);
  const result = { bench: 'p4', machine: machine(), pg: stack.pgInfo, created: { few: few.created, many: many.created }, results, summary, probe };
  await writeFile(join(DATA, 'p4-result.json'), JSON.stringify(result, null, 2));
  return { ...result, manyDatabaseUrl: many.databaseUrl };
}
