// P5 and the metering benchmarks of issue 17 (README "Metering").
// - p5: throughput of GET /api/v1/corpus/documents with metering on (per-tenant rate limit in
//   Redis + an api_call into the buffered recorder) against the same API with METERING=false,
//   two API processes on one database, one worker; runs alternate on off off on on off.
// - ingest: usage events through BufferedUsageRecorder (the API's class, from dist/) -> BullMQ
//   -> the worker's ingest -> usage_records + usage_daily, timed until PostgreSQL holds them all.
//   Two shapes: every event its own row (distinct tenant, resource, minute), and API-like
//   traffic (many events per tenant and minute, aggregated in the buffer).
// - rollup: `tenantry usage rollup` over 1,000,000 usage_records (30 days, 1,000 tenants).
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { cpuMeter, cpuMs, createTenant, DATA, fmt, http, log, machine, register, ROOT, sleep, table, tenantEvents, withStack } from './lib.mjs';

const CONNECTIONS = Number(process.env.P5_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.P5_DURATION_S ?? 7);
const WARMUP_S = Number(process.env.P5_WARMUP_S ?? 3);
// P5_ROUNDS repeats the balanced six (on off off on on off): more runs, less of the machine's noise in the means.
const ROUNDS = Number(process.env.P5_ROUNDS ?? 1);
const ORDER = Array.from({ length: ROUNDS }, () => ['on', 'off', 'off', 'on', 'on', 'off']).flat();

export async function runP5() {
  return withStack('p5', 240_000 + (ROUNDS - 1) * 6 * 10_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_p5');
    const env = stack.appEnv(databaseUrl, { WARM_POOL_SIZE: '1' });
    const on = await stack.startApp('api', env);
    const off = await stack.startApp('api', { ...env, METERING: 'false' });
    await stack.startApp('worker', env);
    const request = http(on.url);
    const events = await tenantEvents(stack, env.REDIS_PREFIX);
    const token = await register(request);
    const tenant = await createTenant(request, token, 'p5-bench');
    await events.wait(tenant.id);
    const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': tenant.id };
    for (let i = 0; i < 20; i++) await request('POST', '/api/v1/corpus/documents', { token, headers, body: { title: `doc ${i}`, content: 'metering bench' } });
    const urls = { on: `${on.url}/api/v1/corpus/documents`, off: `${off.url}/api/v1/corpus/documents` };
    for (const [name, url] of Object.entries(urls)) {
      log(`p5: warm-up ${name} ${WARMUP_S} s`);
      await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, headers });
    }
    const runs = [];
    // The rate limit's script calls per metered request (requests of a tenant that arrive while its call is in flight share the next one).
    const redis = new Redis(stack.redisUrl);
    stack.defer(() => redis.quit());
    const scriptCalls = async () => {
      const stats = await redis.info('commandstats');
      return ['evalsha', 'eval'].reduce((n, cmd) => n + Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
    };
    for (const [i, name] of ORDER.entries()) {
      await autocannon({ url: urls[name], connections: CONNECTIONS, duration: 1, headers });
      const calls = await scriptCalls();
      // CPU per request of the API process under load, PostgreSQL and Redis: steadier than req/s on a shared machine.
      const cpu = await cpuMeter(stack, (name === 'on' ? on : off).child.pid);
      const redisBefore = (await cpuMs(stack.redisPid)) ?? 0;
      const r = await autocannon({ url: urls[name], connections: CONNECTIONS, duration: DURATION_S, headers });
      const { apiMs, pgMs } = await cpu();
      const redisMs = ((await cpuMs(stack.redisPid)) ?? 0) - redisBefore;
      const n = Math.max(1, r['2xx']);
      const perRequest = ((await scriptCalls()) - calls) / n;
      const us = (ms) => (ms * 1000) / n;
      const run = { run: i + 1, variant: name, rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, apiUs: us(apiMs), pgUs: us(pgMs), redisUs: us(redisMs), scriptCallsPerRequest: perRequest, bad: r.non2xx + r.errors + r.timeouts };
      runs.push(run);
      log(`p5: run ${i + 1}/${ORDER.length} metering ${name}: ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms${run.bad ? `, ${run.bad} failed` : ''}`);
    }
    if (runs.some((r) => r.bad > 0)) throw new Error('p5: some requests failed');
    const mean = (v) => runs.filter((r) => r.variant === v).reduce((s, r) => s + r.rps, 0) / (3 * ROUNDS);
    const ratio = mean('on') / mean('off');
    const cpuOf = (v) => runs.filter((r) => r.variant === v).reduce((sum, r) => sum + r.apiUs + r.pgUs + r.redisUs, 0) / (3 * ROUNDS);
    const cpuRatio = cpuOf('off') / cpuOf('on');
    // Every metered call reached PostgreSQL (the check that metering was really on).
    const db = await stack.client(databaseUrl);
    await sleep(3000);
    const metered = Number((await db.query(`SELECT coalesce(sum(quantity), 0) AS n FROM usage_records WHERE tenant_id = $1 AND resource_type = 'api_call'`, [tenant.id])).rows[0].n);
    console.log(`\nP5 metering on vs off (${machine()}, ${CONNECTIONS} connections, ${DURATION_S} s runs, one API process each, same database, Redis and worker)\n`);
    console.log(table(['run', 'metering', 'req/s', 'p50 ms', 'p99 ms', 'API CPU us/req', 'PG CPU us/req', 'Redis CPU us/req', 'rate-limit script calls / request'],
      runs.map((r) => [r.run, r.variant, fmt(r.rps), r.p50, r.p99, fmt(r.apiUs, 0), fmt(r.pgUs, 0), fmt(r.redisUs, 0), fmt(r.scriptCallsPerRequest, 3)])));
    console.log(`\nmean on ${fmt(mean('on'))} req/s, off ${fmt(mean('off'))} req/s: on/off = ${fmt(ratio, 3)} (goal >= 0.95: ${ratio >= 0.95 ? 'MET' : 'NOT MET'}); api_calls stored: ${metered}`);
    console.log(`CPU-per-request view (API + PostgreSQL + Redis, mean of the runs; steadier than req/s here): off/on = ${fmt(cpuRatio, 3)} (${fmt(cpuOf('off'), 0)} vs ${fmt(cpuOf('on'), 0)} us)\n`);
    const result = { bench: 'p5', machine: machine(), runs, ratio, cpuRatio, metered };
    await writeFile(join(DATA, 'p5-result.json'), JSON.stringify(result, null, 2));
    return result;
  });
}

const INGEST_EVENTS = Number(process.env.INGEST_EVENTS ?? 200_000);

export async function runIngest() {
  return withStack('ingest', 400_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_ingest');
    const env = stack.appEnv(databaseUrl);
    const worker = await stack.startApp('worker', env);
    const db = await stack.client(databaseUrl);
    const { BufferedUsageRecorder } = await import(pathToFileURL(join(ROOT, 'dist', 'libs', 'usage', 'src', 'index.js')).href);
    const queue = new Queue('usage', { connection: { url: stack.redisUrl }, prefix: `${env.REDIS_PREFIX}:bull` });
    stack.defer(() => queue.close());
    const recorder = new BufferedUsageRecorder(queue, { USAGE_FLUSH_MS: 1000 });
    // Summed resources only (storage_mb is a gauge: its day is the largest value, not the sum).
    const resources = ['api_call', 'message', 'llm_token', 'rag_query'];
    const tenants = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const results = [];
    for (const shape of ['distinct', 'api-like']) {
      await db.query('TRUNCATE usage_records, usage_daily');
      const base = Date.now() - 3_600_000;
      // CPU of each part (the recorder is this process), which depends far less on the machine's other load than seconds do.
      const cpu = await cpuMeter(stack, worker.child.pid);
      const redisCpu = (await cpuMs(stack.redisPid)) ?? 0;
      const benchCpu = process.cpuUsage();
      const started = performance.now();
      let recordMs = 0;
      for (let i = 0; i < INGEST_EVENTS; i++) {
        const t0 = i % 10_000 === 0 ? performance.now() : 0;
        // distinct: tenant x resource x minute never repeats; api-like: 50 tenants' api_calls in the current minute.
        const event = shape === 'distinct'
          ? { tenantId: tenants[i % 1000], resource: resources[Math.floor(i / 1000) % 4], quantity: 1, at: new Date(base + Math.floor(i / 4000) * 60_000) }
          : { tenantId: tenants[i % 50], resource: 'api_call', quantity: 1 };
        recorder.record(event);
        if (t0) recordMs += performance.now() - t0;
        if (i % 20_000 === 19_999) await recorder.flush(); // what the interval timer does
      }
      await recorder.flush();
      const handedOver = performance.now();
      let stored = 0;
      for (;;) {
        stored = Number((await db.query('SELECT coalesce(sum(quantity), 0) AS n FROM usage_records')).rows[0].n);
        if (stored >= INGEST_EVENTS) break;
        if (performance.now() - started > 300_000) throw new Error(`ingest: only ${stored} of ${INGEST_EVENTS} events stored after 300 s`);
        await sleep(20);
      }
      const seconds = (performance.now() - started) / 1000;
      const { apiMs: workerMs, pgMs } = await cpu();
      const redisMs = ((await cpuMs(stack.redisPid)) ?? 0) - redisCpu;
      const { user, system } = process.cpuUsage(benchCpu);
      const perEvent = (ms) => (ms * 1000) / INGEST_EVENTS;
      const cpuUs = { recorder: perEvent((user + system) / 1000), worker: perEvent(workerMs), postgres: perEvent(pgMs), redis: perEvent(redisMs) };
      const rows = Number((await db.query('SELECT count(*) AS n FROM usage_records')).rows[0].n);
      const daily = Number((await db.query('SELECT coalesce(sum(quantity), 0) AS n FROM usage_daily')).rows[0].n);
      if (stored !== INGEST_EVENTS || daily !== INGEST_EVENTS) throw new Error(`ingest ${shape}: stored ${stored}, daily ${daily}, expected ${INGEST_EVENTS}`);
      results.push({ shape, events: INGEST_EVENTS, rows, seconds, eventsPerS: INGEST_EVENTS / seconds, handOverS: (handedOver - started) / 1000, cpuUs });
      log(`ingest ${shape}: ${INGEST_EVENTS} events (${rows} rows) in PostgreSQL in ${fmt(seconds, 2)} s = ${fmt(INGEST_EVENTS / seconds, 0)} events/s`);
    }
    console.log(`\nIngest through the buffer into PostgreSQL (${machine()}; recorder in the bench process, one worker, fsync on)\n`);
    console.log(table(['shape', 'events', 'usage_records rows', 'seconds', 'events/s', 'goal >= 20,000', 'CPU µs/event: recorder', 'worker', 'PostgreSQL', 'Redis'],
      results.map((r) => [r.shape, r.events, r.rows, fmt(r.seconds, 2), fmt(r.eventsPerS, 0), r.eventsPerS >= 20_000 ? 'MET' : 'NOT MET', fmt(r.cpuUs.recorder, 2), fmt(r.cpuUs.worker, 2), fmt(r.cpuUs.postgres, 2), fmt(r.cpuUs.redis, 2)])));
    await writeFile(join(DATA, 'ingest-result.json'), JSON.stringify({ bench: 'ingest', machine: machine(), results }, null, 2));
    return results;
  });
}

const ROLLUP_RECORDS = Number(process.env.ROLLUP_RECORDS ?? 1_000_000);

export async function runRollup() {
  return withStack('rollup', 600_000, async (stack) => {
    await stack.startServers();
    const databaseUrl = await stack.createDatabase('tenantry_rollup');
    const env = stack.appEnv(databaseUrl);
    await stack.startApp('worker', env); // runs the public migrations
    const db = await stack.client(databaseUrl);
    log(`rollup: inserting ${ROLLUP_RECORDS} usage_records (1,000 tenants, 5 resources, 30 days)`);
    await db.query(
      `INSERT INTO usage_records (tenant_id, resource_type, quantity, bucket, batch_id)
       SELECT ('00000000-0000-4000-8000-' || lpad((i % 1000)::text, 12, '0'))::uuid,
              (ARRAY['api_call','message','llm_token','rag_query','storage_mb'])[1 + (i / 1000) % 5],
              1 + i % 7,
              date_trunc('minute', now() - ((i % 43200) || ' minutes')::interval),
              'bench-' || (i / 5000)
       FROM generate_series(0, $1 - 1) AS i`,
      [ROLLUP_RECORDS],
    );
    await db.query('ANALYZE usage_records');
    const from = new Date(Date.now() - 31 * 86_400_000).toISOString().slice(0, 10);
    const cli = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'usage', 'rollup', '--from', from, '--json'], { env: { ...env, LOG_LEVEL: 'warn' } });
      const wall = performance.now() - started;
      const out = JSON.parse(stdout);
      runs.push({ run: i + 1, ms: out.ms, wallMs: wall, rows: out.rows, days: out.days });
      log(`rollup run ${i + 1}: ${out.rows} daily rows from ${ROLLUP_RECORDS} records in ${out.ms} ms (CLI wall ${fmt(wall, 0)} ms)`);
    }
    const sum = Number((await db.query('SELECT sum(quantity) AS n FROM usage_daily WHERE resource_type <> $1', ['storage_mb'])).rows[0].n);
    const expected = Number((await db.query('SELECT sum(quantity) AS n FROM usage_records WHERE resource_type <> $1', ['storage_mb'])).rows[0].n);
    if (sum !== expected) throw new Error(`rollup: usage_daily sums ${sum}, usage_records ${expected}`);
    console.log(`\nRollup of ${ROLLUP_RECORDS} usage_records over 31 days (${machine()}, fsync on; \`tenantry usage rollup --from ${from} --json\`)\n`);
    console.log(table(['run', 'rollup ms (transaction)', 'CLI wall ms', 'usage_daily rows'], runs.map((r) => [r.run, r.ms, fmt(r.wallMs, 0), r.rows])));
    await writeFile(join(DATA, 'rollup-result.json'), JSON.stringify({ bench: 'rollup', machine: machine(), records: ROLLUP_RECORDS, runs }, null, 2));
    return runs;
  });
}
