// P2: create -> active latency of a tenant, through the real API and worker.
// Measured from the moment POST /api/tenants is sent to the moment the worker's
// `{id, status: 'active'}` message arrives on `${REDIS_PREFIX}:tenant-changed`, for 100
// tenants created one after another, with the warm pool on (WARM_POOL_SIZE=10, full
// before measuring) and off (WARM_POOL_SIZE=0). Baseline, same run, same server:
// PostgreSQL itself creating the same schema (createTenantSchemaSql) in one transaction
// on an open connection. Each configuration has its own database (and API + worker) on the
// same server, all started up front, and the configurations take turns in 4 rounds of 25,
// so that drift and PostgreSQL's own background work (new WAL segments, checkpoints) fall
// on all of them alike.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { createTenantSchemaSql } from '../dist/libs/database/src/index.js';
import { createTenant, fmt, http, log, machine, median, now, percentile, register, DATA, sleep, table, tenantEvents, withStack } from './lib.mjs';

const N = Number(process.env.P2_TENANTS ?? 100);
const WARMUP = 5;
const POOL_SIZE = 10;
const ROUNDS = 4;

function stats(ms) {
  return { n: ms.length, median: median(ms), p95: percentile(ms, 95), min: Math.min(...ms), max: Math.max(...ms) };
}

/** The baseline: PostgreSQL alone, createTenantSchemaSql in BEGIN/COMMIT on one open connection. */
async function baselineConfig(stack) {
  const client = await stack.client(await stack.createDatabase('tenantry_p2_base'));
  let i = 0;
  return {
    async beforeRound() {},
    async one() {
      const name = `tenant_base_${i++}`;
      const t0 = now();
      await client.query('BEGIN');
      await client.query(createTenantSchemaSql(name));
      await client.query('COMMIT');
      return { ms: now() - t0 };
    },
  };
}

async function poolCount(client) {
  return (await client.query('SELECT count(*)::int AS n FROM public.schema_pool')).rows[0].n;
}

async function waitPoolFull(client, size, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await poolCount(client)) < size) {
    if (Date.now() > deadline) throw new Error(`the warm pool did not reach ${size} spares within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** An API + worker on their own database; `one()` creates a tenant and times it to its active message. */
async function apiStack(stack, label, warmPoolSize) {
  const databaseUrl = await stack.createDatabase(`tenantry_p2_${label}`);
  const env = stack.appEnv(databaseUrl, { WARM_POOL_SIZE: String(warmPoolSize) });
  const [api] = await Promise.all([stack.startApp('api', env), stack.startApp('worker', env)]);
  const client = await stack.client(databaseUrl);
  const events = await tenantEvents(stack, env.REDIS_PREFIX);
  const request = http(api.url);
  const token = await register(request);
  let i = 0;
  /**
   * `spaced`: the diagnostic variant that waits (untimed) for the pool to be full again
   * before each POST, so that no refill runs while a tenant is being created.
   */
  const config = (spaced) => ({
    async beforeRound() {
      if (warmPoolSize > 0) await waitPoolFull(client, warmPoolSize);
    },
    async one() {
      if (spaced) await waitPoolFull(client, warmPoolSize);
      const spareAvailable = warmPoolSize > 0 ? (await poolCount(client)) > 0 : false;
      const slug = `p2-${label}-${i++}`;
      const t0 = now();
      const tenant = await createTenant(request, token, slug);
      const t1 = now();
      const done = await events.wait(tenant.id, 30_000);
      if (done.status !== 'active') throw new Error(`tenant ${slug} ended ${done.status}`);
      return { id: tenant.id, ms: done.t - t0, t0, t1, t2: done.t, spareAvailable };
    },
    /**
     * Where the time goes: the POST round trip (API: tenant row + membership committed,
     * job enqueued); the wait until the provisioning transaction starts (tenants.updated_at
     * is its now()); that transaction, its commit and the publish. Same clock (this machine).
     */
    async phases(results) {
      const { rows } = await client.query(`SELECT id, extract(epoch FROM updated_at) * 1000 AS upd FROM public.tenants WHERE id = ANY($1)`, [
        results.map((r) => r.id),
      ]);
      const started = new Map(rows.map((r) => [r.id, Number(r.upd) - performance.timeOrigin]));
      return {
        post: median(results.map((r) => r.t1 - r.t0)),
        pickup: median(results.map((r) => started.get(r.id) - r.t1)),
        provision: median(results.map((r) => r.t2 - started.get(r.id))),
      };
    },
  });
  return { config };
}

export async function runP2() {
  return withStack('p2', 115_000, async (stack) => {
    await stack.startServers();
    const pooled = await apiStack(stack, 'pool', POOL_SIZE);
    const unpooled = await apiStack(stack, 'nopool', 0);
    const configs = {
      baseline: { name: 'baseline: PostgreSQL CREATE SCHEMA + migrations, 1 tx', ...(await baselineConfig(stack)) },
      poolOn: { name: `API+worker, warm pool on (${POOL_SIZE})`, ...pooled.config(false) },
      poolOff: { name: 'API+worker, warm pool off', ...unpooled.config(false) },
      spaced: { name: `diagnostic: pool on (${POOL_SIZE}), refilled before each POST`, ...pooled.config(true) },
    };
    const keys = Object.keys(configs);
    for (const key of keys) for (let i = 0; i < WARMUP; i++) await configs[key].one();
    log(`p2: warmed up; ${N} creations per configuration in ${ROUNDS} interleaved rounds`);
    const results = Object.fromEntries(keys.map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = keys.map((_, i) => keys[(i + round) % keys.length]);
      for (const key of order) {
        await configs[key].beforeRound();
        for (let i = 0; i < N / ROUNDS; i++) results[key].push(await configs[key].one());
      }
      log(`p2: round ${round + 1}/${ROUNDS} done (${order.join(', ')})`);
    }
    const base = stats(results.baseline.map((r) => r.ms));
    const rows = [];
    for (const key of keys) {
      const r = results[key];
      rows.push({
        key,
        name: configs[key].name,
        s: stats(r.map((x) => x.ms)),
        spares: key === 'poolOn' || key === 'spaced' ? `${r.filter((x) => x.spareAvailable).length}/${r.length}` : '-',
        phases: configs[key].phases ? await configs[key].phases(r) : undefined,
      });
    }
    console.log(`\nP2 create -> active (${machine()}, PostgreSQL ${stack.pgInfo.version} fsync=${stack.pgInfo.fsync}, ` +
      `${N} tenants one after another per configuration, in ${ROUNDS} interleaved rounds)\n`);
    console.log(table(['configuration', 'median ms', 'p95 ms', 'min ms', 'max ms', 'median / baseline', 'p95 / baseline', 'spare ready at POST'],
      rows.map(({ name, s, spares }) => [name, fmt(s.median), fmt(s.p95), fmt(s.min), fmt(s.max), fmt(s.median / base.median, 2), fmt(s.p95 / base.p95, 2), spares])));
    console.log('\nmedians of the phases (ms): POST round trip | POST answered -> provisioning tx starts | provisioning tx start -> active message');
    for (const r of rows.filter((x) => x.phases)) console.log(`  ${r.name}: ${fmt(r.phases.post)} | ${fmt(r.phases.pickup)} | ${fmt(r.phases.provision)}`);
    const goal = (s) => `median ${fmt(s.median)} ms (< 25: ${s.median < 25 ? 'MET' : 'NOT MET'}), p95 ${fmt(s.p95)} ms (< 60: ${s.p95 < 60 ? 'MET' : 'NOT MET'})`;
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    console.log(`\nwarm pool on:  ${goal(by.poolOn.s)}\nwarm pool off: ${goal(by.poolOff.s)}\n`);
    const result = { bench: 'p2', machine: machine(), pg: stack.pgInfo, n: N, rounds: ROUNDS, rows };
    await writeFile(join(DATA, 'p2-result.json'), JSON.stringify(result, null, 2));
    return result;
  });
}
