// Metering under a worker SIGKILLed mid-flush (issue 17: "usage totals exact after N calls,
// including a worker killed mid-flush"). Two kills of one batch: first inside the ingest
// transaction (PostgreSQL rolls it back: nothing counted), then after its commit but before
// BullMQ hears the job is done (the next worker runs it again: the batch id makes the replay
// insert nothing). A third worker finishes; the totals are exactly N, in records and days.
import { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppProcess, startApp } from '../../libs/devstack/src/index.js';
import { activeTenant, client, type Request } from '../support/http.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import { dropDatabase, pgPool, uniqueDatabaseName, waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');
// Short lock and stall check, so a dead worker's job is noticed within about a second.
const QUEUE_TIMINGS = { QUEUE_LOCK_MS: '1000', QUEUE_STALLED_INTERVAL_MS: '300' };
const N = 40;

let stack: Stack | undefined;
const workers: AppProcess[] = [];
let queue: Queue | undefined;
let db: pg.Pool;
let request: Request;

beforeAll(async () => {
  const databaseUrl = await createDatabase(shared.serverUrl, uniqueDatabaseName('usagekill'));
  db = pgPool(databaseUrl);
  stack = await startStack({
    databaseUrl,
    serverUrl: shared.serverUrl,
    redisUrl: shared.redisUrl,
    dataDir: shared.dataDir,
    workerEnv: { FAILPOINTS: 'usage.ingest.tx_sleep_ms=6000', ...QUEUE_TIMINGS },
  });
  request = client(stack.info.apiUrl);
  queue = new Queue('usage', { connection: { url: shared.redisUrl }, prefix: `${stack.info.env.REDIS_PREFIX}:bull` });
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), ...workers.map((w) => w.stop()), queue?.close()]);
  await db?.end();
  if (stack) await dropDatabase(shared.serverUrl, stack.info.databaseUrl).catch(() => undefined);
});

const stored = async (tenantId: string) => {
  const { rows } = await db.query<{ records: string; daily: string; batches: string[] }>(
    `SELECT (SELECT coalesce(sum(quantity), 0) FROM usage_records WHERE tenant_id = $1 AND resource_type = 'api_call') AS records,
            (SELECT coalesce(sum(quantity), 0) FROM usage_daily WHERE tenant_id = $1 AND resource_type = 'api_call') AS daily,
            (SELECT coalesce(array_agg(DISTINCT batch_id), '{}') FROM usage_records WHERE tenant_id = $1) AS batches`,
    [tenantId],
  );
  return { records: Number(rows[0]!.records), daily: Number(rows[0]!.daily), batches: rows[0]!.batches };
};

const sleepingIngest = async () =>
  (
    await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantry-worker' AND state = 'active' AND query LIKE '%pg_sleep%'`,
    )
  ).rows[0];

describe('worker killed mid-flush', () => {
  it('counts N calls exactly once after a kill inside the ingest transaction and another after its commit', async () => {
    const { owner, tenant } = await activeTenant(request);
    // The N calls go to an API of their own that never flushes by the clock (a flush in the middle
    // of the calls, likely on a loaded machine, would split them into two batches); stopping it
    // hands them to the worker as one batch (the recorder flushes on shutdown).
    const metered = await startApp('api', { ...stack!.info.env, USAGE_FLUSH_MS: '60000' }, { silent: !process.env.TEST_LOG_LEVEL });
    workers.push(metered);
    const viaMetered = client(`http://127.0.0.1:${metered.port}`);
    const results = await Promise.all(Array.from({ length: N }, () => viaMetered('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } })));
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    await metered.stop();

    // 1. The first worker inserted the batch and sleeps inside the transaction: nothing visible yet.
    const sleeper = await waitUntil('the ingest transaction to reach pg_sleep', sleepingIngest, 15_000, 25);
    expect(await stored(tenant.id)).toMatchObject({ records: 0, daily: 0 });
    stack!.worker!.kill();
    await stack!.worker!.exited;
    await waitUntil("the dead worker's backend to end", async () => (await sleepingIngest())?.pid !== sleeper.pid, 15_000, 50);
    expect(await stored(tenant.id)).toMatchObject({ records: 0, daily: 0 });

    // 2. The second worker takes the stalled job up, commits it, and dies before completing it.
    const second = await startApp('worker', { ...stack!.info.env, FAILPOINTS: 'usage.ingest.commit_sleep_ms=30000', ...QUEUE_TIMINGS }, { silent: !process.env.TEST_LOG_LEVEL });
    workers.push(second);
    await waitUntil('the batch committed', async () => (await stored(tenant.id)).records === N, 20_000, 25);
    const { batches } = await stored(tenant.id);
    expect(batches).toHaveLength(1);
    const batchId = batches[0]!;
    expect(await (await queue!.getJob(batchId))?.getState()).toBe('active'); // committed, not completed
    second.kill();
    await second.exited;

    // 3. A third worker runs the batch once more (the job is redelivered) and completes it: no double count.
    const third = await startApp('worker', { ...stack!.info.env, ...QUEUE_TIMINGS }, { silent: !process.env.TEST_LOG_LEVEL });
    workers.push(third);
    await waitUntil('the batch job completed (and removed)', async () => (await queue!.getJob(batchId)) === undefined, 20_000, 50);
    expect(await stored(tenant.id)).toEqual({ records: N, daily: N, batches: [batchId] });
    const usage = await request('GET', `/api/tenants/${tenant.id}/usage?period=7d`, { token: owner.token });
    expect(usage.body.totals).toEqual({ api_call: N });
    expect(usage.body.daily_breakdown).toEqual([{ date: new Date().toISOString().slice(0, 10), totals: { api_call: N } }]);
  }, 120_000);
});
