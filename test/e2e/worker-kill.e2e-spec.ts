// A worker SIGKILLed in the middle of provisioning (DESIGN.md "Jobs": every processor is safe
// to kill at any instruction): PostgreSQL rolls the open transaction back, so nothing of the
// half-made schema remains and the tenant is still `provisioning`; BullMQ notices the stalled
// job and a fresh worker provisions the tenant completely.
import { QueueEvents } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppProcess, startApp } from '../../libs/devstack/src/index.js';
import { client, createTenant, registerUser, waitForStatus, type Request } from '../support/http.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import { dropDatabase, expectCompleteTenant, orphanSchemas, pgPool, schemaState, tenantRecord, tenantRoleState, uniqueDatabaseName, waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');

// Short lock and stall check, so a dead worker's job is noticed within about a second.
const QUEUE_TIMINGS = { QUEUE_LOCK_MS: '1000', QUEUE_STALLED_INTERVAL_MS: '300' };

let stack: Stack | undefined;
let freshWorker: AppProcess | undefined;
let queueEvents: QueueEvents | undefined;
let db: pg.Pool;
let request: Request;

beforeAll(async () => {
  const databaseUrl = await createDatabase(shared.serverUrl, uniqueDatabaseName('workerkill'));
  db = pgPool(databaseUrl);
  stack = await startStack({
    databaseUrl,
    serverUrl: shared.serverUrl,
    redisUrl: shared.redisUrl,
    dataDir: shared.dataDir,
    // No warm pool: the worker creates the schema and its tables inside the transaction it dies in.
    env: { WARM_POOL_SIZE: '0' },
    workerEnv: { FAILPOINTS: 'provision.sleep_ms=4000', ...QUEUE_TIMINGS },
  });
  request = client(stack.info.apiUrl);
});

afterAll(async () => {
  await Promise.all([stack?.stop(), freshWorker?.stop(), queueEvents?.close()]);
  await db?.end();
  if (stack) await dropDatabase(shared.serverUrl, stack.info.databaseUrl).catch(() => undefined);
});

/** Sessions of this database other than ours (the test's pool). */
const otherSessions = async () =>
  (
    await db.query<{ pid: number; application_name: string; state: string | null; query: string; backend_xid: string | null }>(
      `SELECT pid, application_name, state, query, backend_xid::text AS backend_xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    )
  ).rows;

describe('worker killed mid-provisioning', () => {
  it('rolls back, leaves the tenant provisioning, and a fresh worker completes it', async () => {
    const owner = await registerUser(request);
    const created = await createTenant(request, owner.token);
    expect(created.status).toBe('provisioning');

    // The provisioning transaction is open: schema created, tables made, now sleeping on the failpoint.
    const sleeper = await waitUntil(
      'the provisioning transaction to reach pg_sleep',
      async () => (await otherSessions()).find((s) => s.application_name === 'tenantry-worker-owner' && s.state === 'active' && s.query.includes('pg_sleep')),
      10_000,
      25,
    );
    expect(sleeper.backend_xid, 'the transaction has written (the schema)').not.toBeNull();
    // Uncommitted: nobody else sees the schema yet.
    expect((await schemaState(db, created.schema_name)).exists).toBe(false);

    stack!.worker!.kill();
    await stack!.worker!.exited;

    expect((await request('GET', `/api/tenants/${created.id}`, { token: owner.token })).body).toMatchObject({ status: 'provisioning' });

    // PostgreSQL notices the dead client when the sleep ends and rolls the transaction back.
    await waitUntil('the dead worker\'s backend to end', async () => !(await otherSessions()).some((s) => s.pid === sleeper.pid), 10_000, 50);
    const sessions = await otherSessions();
    // Neither of the worker's pools (runtime and owner) keeps a session.
    expect(sessions.filter((s) => s.application_name.startsWith('tenantry-worker'))).toEqual([]);
    expect(sessions.filter((s) => s.state?.startsWith('idle in transaction'))).toEqual([]);

    // Nothing half-made survives: no tenant schema, no other schema, no tables outside public.
    expect(await schemaState(db, created.schema_name)).toEqual({ exists: false, tables: [], ledger: [] });
    expect(await tenantRoleState(db, created.id, created.schema_name), 'no role either').toEqual({ exists: false });
    const schemas = await db.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
    );
    expect(schemas.rows).toEqual([]);
    const stray = await db.query(
      `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('public', 'information_schema', 'pg_catalog', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%'`,
    );
    expect(stray.rows).toEqual([]);
    expect(await orphanSchemas(db)).toEqual([]);
    expect(await tenantRecord(db, created.id)).toMatchObject({ status: 'provisioning', schema_version: 0, last_error: null });

    // A fresh worker on the same queues, without the failpoint: the stalled job is taken up again.
    queueEvents = new QueueEvents('tenant-provisioning', { connection: { url: shared.redisUrl }, prefix: `${stack!.info.env.REDIS_PREFIX}:bull` });
    await queueEvents.waitUntilReady();
    const stalled = new Promise<string>((resolve) => queueEvents!.on('stalled', ({ jobId }) => resolve(jobId)));
    freshWorker = await startApp('worker', { ...stack!.info.env, ...QUEUE_TIMINGS }, { silent: !process.env.TEST_LOG_LEVEL });

    const active = await waitForStatus(request, owner.token, created.id, 'active', 15_000);
    expect(active.last_error).toBeNull();
    // Recovered through BullMQ's stalled-job check (the job was still `active` in Redis, so the
    // worker's reconcile sweep would not have re-enqueued it).
    await expect(Promise.race([stalled, new Promise((resolve) => setTimeout(() => resolve('no stalled event'), 2_000))])).resolves.toBe(created.id);

    await expectCompleteTenant(db, created.id);
    expect(await orphanSchemas(db)).toEqual([]);
    const doc = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': created.id }, body: { title: 'after the crash' } });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
  });
});
