// Tenant provisioning (DESIGN.md "Tenant lifecycle", "Jobs"): idempotent when run again,
// complete with the warm pool on and off, all-or-nothing when it fails, retryable, and
// correct for many tenants at once. Checked through the API and directly in PostgreSQL.
import { Job, Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppProcess, startApp } from '../../libs/devstack/src/index.js';
import { activeTenant, client, createTenant, registerUser, waitForStatus, type Request, type TestUser } from '../support/http.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import {
  dropDatabase,
  EXPECTED_LEDGER,
  expectCompleteTenant,
  missingSpares,
  orphanSchemas,
  pgPool,
  schemaState,
  TENANT_TABLES,
  tenantRecord, tenantRoleState,
  uniqueDatabaseName,
  waitUntil,
} from '../support/tenant-schema.js';

const shared = inject('stack');
const request = client(shared.apiUrl);

const PROVISIONING_QUEUE = 'tenant-provisioning';
const PROVISION_JOB = 'provision-tenant';

let db: pg.Pool;
let queue: Queue;

beforeAll(() => {
  db = pgPool(shared.databaseUrl);
  queue = new Queue(PROVISIONING_QUEUE, { connection: { url: shared.redisUrl }, prefix: `${shared.env.REDIS_PREFIX}:bull` });
});

afterAll(async () => {
  await queue?.close();
  await db?.end();
});

const schemaOid = async (pool: pg.Pool, schema: string): Promise<string | undefined> =>
  (await pool.query<{ oid: string }>(`SELECT oid::text AS oid FROM pg_namespace WHERE nspname = $1`, [schema])).rows[0]?.oid;

/** Adds a provision-tenant job under its own id and waits until the worker finished it. */
async function provisionAgain(tenantId: string, jobId: string): Promise<Job> {
  await queue.add(PROVISION_JOB, { tenantId }, { jobId });
  return waitUntil(`job ${jobId}`, async () => {
    const job = await Job.fromId(queue, jobId);
    const state = await job?.getState();
    if (state === 'failed') throw new Error(`job ${jobId} failed: ${job?.failedReason}`);
    return state === 'completed' ? job : undefined;
  });
}

describe('provisioning on the shared stack (warm pool on)', () => {
  let owner: TestUser;
  beforeAll(async () => {
    owner = await registerUser(request);
  });

  it('(a) provisioning an active tenant again changes nothing: one schema, one ledger, data intact', async () => {
    const { tenant } = await activeTenant(request, {}, owner);
    const doc = await request('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id },
      body: { title: 'kept', content: 'across re-provisioning' },
    });
    expect(doc.status).toBe(201);
    const oidBefore = await schemaOid(db, tenant.schema_name);
    expect(oidBefore).toBeDefined();

    const jobs = [await provisionAgain(tenant.id, `again-1-${tenant.id}`), await provisionAgain(tenant.id, `again-2-${tenant.id}`)];
    try {
      await expectCompleteTenant(db, tenant.id);
      // The very same schema object: not recreated, not swapped for a spare.
      expect(await schemaOid(db, tenant.schema_name)).toBe(oidBefore);
      const named = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2`, [
        tenant.schema_name,
        `${tenant.schema_name}\\_%`,
      ]);
      expect(named.rows).toEqual([{ nspname: tenant.schema_name }]);
      expect(await orphanSchemas(db)).toEqual([]);
      expect(await missingSpares(db)).toEqual([]);
      const read = await request('GET', `/api/v1/corpus/documents/${doc.body.id}`, { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(doc.body);
      const api = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
      expect(api.body).toMatchObject({ status: 'active', schema_name: tenant.schema_name });
    } finally {
      await Promise.all(jobs.map((j) => j.remove()));
    }
  });

  it('(a) duplicate provisioning jobs racing for a new tenant yield one complete schema', async () => {
    const created = await createTenant(request, owner.token);
    // More jobs for the same tenant under other ids, racing the API's own job (the worker runs
    // several at once): one provisions, the others wait on the tenant's row lock and find it done.
    const jobs = await Promise.all([1, 2, 3].map((n) => provisionAgain(created.id, `race-${n}-${created.id}`)));
    try {
      await waitForStatus(request, owner.token, created.id);
      await expectCompleteTenant(db, created.id);
      expect(await orphanSchemas(db)).toEqual([]);
      expect(await missingSpares(db)).toEqual([]);
    } finally {
      await Promise.all(jobs.map((j) => j.remove()));
    }
  });

  it('(b) with the warm pool on, a new tenant gets a complete schema, and every spare is complete too', async () => {
    const { tenant } = await activeTenant(request, {}, owner);
    await expectCompleteTenant(db, tenant.id);
    await waitUntil('the warm pool to hold a spare', async () => (await db.query(`SELECT 1 FROM public.schema_pool LIMIT 1`)).rowCount);
    const spares = await db.query<{ schema_name: string }>(`SELECT schema_name FROM public.schema_pool`);
    for (const { schema_name } of spares.rows) {
      const state = await schemaState(db, schema_name);
      // Other suites may claim a spare between the two queries; one that still exists must be complete.
      if (state.exists) expect(state, schema_name).toEqual({ exists: true, tables: expect.arrayContaining([...TENANT_TABLES]), ledger: EXPECTED_LEDGER });
    }
    expect(await orphanSchemas(db)).toEqual([]);
  });

  it('(d) 20 tenants created at once all become active, each with its own complete schema', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createTenant(request, owner.token, { name: `Burst ${i}` })));
    const ids = created.map((t: { id: string }) => t.id);
    await waitUntil(
      '20 tenants to become active',
      async () => {
        const rows = await db.query<{ status: string }>(`SELECT status FROM public.tenants WHERE id = ANY($1::uuid[])`, [ids]);
        if (rows.rows.some((r) => r.status === 'failed')) throw new Error('a tenant failed to provision');
        return rows.rows.filter((r) => r.status === 'active').length === 20;
      },
      20_000,
      100,
    );
    const schemas = new Set<string>();
    for (const id of ids) schemas.add((await expectCompleteTenant(db, id)).schema_name);
    expect(schemas.size).toBe(20);
    const oids = await db.query<{ n: number }>(`SELECT count(DISTINCT oid)::int AS n FROM pg_namespace WHERE nspname = ANY($1::text[])`, [[...schemas]]);
    expect(oids.rows[0]!.n).toBe(20);
    for (const id of ids.slice(0, 3)) expect((await request('GET', `/api/tenants/${id}`, { token: owner.token })).body.status).toBe('active');
    expect(await orphanSchemas(db)).toEqual([]);
  });
});

interface PrivateStack {
  stack: Stack;
  db: pg.Pool;
  request: Request;
}

/**
 * Two stacks with databases of their own: one without the warm pool (every schema built from
 * scratch), and one with the pool whose worker always fails provisioning (until replaced).
 * They boot in the background while the shared-stack tests above run.
 */
async function startPrivateStacks(): Promise<{ noPool: PrivateStack; failing: PrivateStack }> {
  const [noPoolUrl, failingUrl] = await Promise.all([
    createDatabase(shared.serverUrl, uniqueDatabaseName('nopool')),
    createDatabase(shared.serverUrl, uniqueDatabaseName('failing')),
  ]);
  const base = { serverUrl: shared.serverUrl, redisUrl: shared.redisUrl, dataDir: shared.dataDir };
  const started = await Promise.allSettled([
    startStack({ ...base, databaseUrl: noPoolUrl, env: { WARM_POOL_SIZE: '0' } }),
    // Attempts and backoff are set where the job is enqueued (the API) and where it runs.
    startStack({
      ...base,
      databaseUrl: failingUrl,
      env: { PROVISION_ATTEMPTS: '2', PROVISION_BACKOFF_MS: '50', WARM_POOL_SIZE: '3' },
      workerEnv: { FAILPOINTS: 'provision.fail' },
    }),
  ]);
  const [a, b] = started;
  if (a.status === 'rejected' || b.status === 'rejected') {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : Promise.resolve())));
    await Promise.all([noPoolUrl, failingUrl].map((url) => dropDatabase(shared.serverUrl, url).catch(() => undefined)));
    throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
  }
  return {
    noPool: { stack: a.value, db: pgPool(noPoolUrl), request: client(a.value.info.apiUrl) },
    failing: { stack: b.value, db: pgPool(failingUrl), request: client(b.value.info.apiUrl) },
  };
}

let privateStacks: ReturnType<typeof startPrivateStacks> | undefined;
let healthyWorker: AppProcess | undefined;

beforeAll(() => {
  privateStacks = startPrivateStacks();
  privateStacks.catch(() => undefined); // awaited (and reported) by the suite that uses them
});

afterAll(async () => {
  const stacks = await privateStacks?.catch(() => undefined);
  if (!stacks) return;
  await Promise.all([stacks.noPool.stack.stop(), stacks.failing.stack.stop(), healthyWorker?.stop()]);
  await Promise.all([stacks.noPool.db.end(), stacks.failing.db.end()]);
  await Promise.all(
    [stacks.noPool, stacks.failing].map((s) => dropDatabase(shared.serverUrl, s.stack.info.databaseUrl).catch(() => undefined)),
  );
});

describe('provisioning on stacks with their own database', () => {
  let noPool: PrivateStack;
  let failing: PrivateStack;

  beforeAll(async () => {
    ({ noPool, failing } = await privateStacks!);
  });

  it('(b) with the warm pool off (WARM_POOL_SIZE=0), a new tenant gets a complete schema built from scratch', async () => {
    const { owner, tenant } = await activeTenant(noPool.request);
    await expectCompleteTenant(noPool.db, tenant.id);
    const pool = await noPool.db.query(`SELECT schema_name FROM public.schema_pool`);
    expect(pool.rows).toEqual([]);
    const spares = await noPool.db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenantry\\_spare\\_%'`);
    expect(spares.rows).toEqual([]);
    expect(await orphanSchemas(noPool.db)).toEqual([]);
    const doc = await noPool.request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title: 'x' } });
    expect(doc.status).toBe(201);
  });

  it('(c) a failing provisioning leaves the tenant failed with no schema; a retry on a healthy worker completes it', async () => {
    const { db: fdb, request: frequest, stack } = failing;
    // The pool is full before the tenant comes, so its provisioning claims a spare.
    await waitUntil('the warm pool to fill', async () => ((await fdb.query(`SELECT 1 FROM public.schema_pool`)).rowCount ?? 0) >= 3, 15_000);
    const sparesBefore = await fdb.query<{ schema_name: string; oid: string }>(
      `SELECT p.schema_name, n.oid::text AS oid FROM public.schema_pool p JOIN pg_namespace n ON n.nspname = p.schema_name ORDER BY 1`,
    );
    expect(sparesBefore.rows).toHaveLength(3);

    const owner = await registerUser(frequest);
    const created = await createTenant(frequest, owner.token);
    const failed = await waitForStatus(frequest, owner.token, created.id, 'failed', 15_000);
    expect(failed.last_error).toMatch(/provision\.fail/);
    // All or nothing: no tenant schema, and the spare it had claimed is back in the pool.
    expect((await schemaState(fdb, created.schema_name)).exists).toBe(false);
    expect(await tenantRoleState(fdb, created.id, created.schema_name), 'nor its role').toEqual({ exists: false });
    const spareRoles = await fdb.query(`SELECT p.schema_name FROM public.schema_pool p WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = p.schema_name)`);
    expect(spareRoles.rows, 'every spare still has its own role').toEqual([]);
    expect(await tenantRecord(fdb, created.id)).toMatchObject({ status: 'failed', schema_version: 0 });
    const sparesAfter = await fdb.query<{ schema_name: string; oid: string }>(
      `SELECT p.schema_name, n.oid::text AS oid FROM public.schema_pool p JOIN pg_namespace n ON n.nspname = p.schema_name ORDER BY 1`,
    );
    expect(sparesAfter.rows).toEqual(sparesBefore.rows);
    expect(await orphanSchemas(fdb)).toEqual([]);
    // The tenant's API says it is not ready, rather than serving anything.
    const notReady = await frequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': created.id } });
    expect(notReady.status).toBe(409);
    expect(notReady.body.code).toBe('tenant_not_ready');

    // Replace the worker by one without the failpoint, then retry through the API.
    await stack.worker!.stop();
    // info.env is the stack's environment without the worker-only FAILPOINTS.
    expect(stack.info.env.FAILPOINTS).toBeUndefined();
    healthyWorker = await startApp('worker', stack.info.env, { silent: !process.env.TEST_LOG_LEVEL });
    const retried = await frequest('POST', `/api/tenants/${created.id}/provision`, { token: owner.token });
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    // The answer is the tenant right after the retry was enqueued: a quick worker may already be done.
    expect(['provisioning', 'active']).toContain(retried.body.status);
    const active = await waitForStatus(frequest, owner.token, created.id, 'active', 15_000);
    expect(active.last_error).toBeNull();
    const tenant = await expectCompleteTenant(fdb, created.id);
    // Provisioned from the warm pool: the tenant's schema is one of the spares, renamed.
    expect(sparesBefore.rows.map((r) => r.oid)).toContain(await schemaOid(fdb, tenant.schema_name));
    await waitUntil('the pool to be topped up again', async () => ((await fdb.query(`SELECT 1 FROM public.schema_pool`)).rowCount ?? 0) >= 3, 15_000);
    expect(await orphanSchemas(fdb)).toEqual([]);
    expect(await missingSpares(fdb)).toEqual([]);
    const doc = await frequest('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': created.id }, body: { title: 'works' } });
    expect(doc.status).toBe(201);

    // Nothing left to retry once active.
    const again = await frequest('POST', `/api/tenants/${created.id}/provision`, { token: owner.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_provisioned');
  });
});
