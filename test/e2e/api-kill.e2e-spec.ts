// An API process SIGKILLed in the middle of requests (units of work open, reads and writes in
// flight): PostgreSQL ends every session it had, so no connection is left holding a tenant's
// search_path, role or open transaction; nothing half-written remains; and a fresh API on the
// same database serves every tenant its own data at once.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppProcess, startApp } from '../../libs/devstack/src/index.js';
import { activeTenant, client, type Doc, type Request, type TestUser } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import { dropDatabase, pgPool, uniqueDatabaseName, waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');

let stack: Stack | undefined;
let freshApi: AppProcess | undefined;
let db: pg.Pool;
let request: Request;
let tenants: Array<{ id: string; slug: string; schema_name: string; owner: TestUser }> = [];

beforeAll(async () => {
  const databaseUrl = await createDatabase(shared.serverUrl, uniqueDatabaseName('apikill'));
  db = pgPool(databaseUrl);
  stack = await startStack({ databaseUrl, serverUrl: shared.serverUrl, redisUrl: shared.redisUrl, dataDir: shared.dataDir, env: { DB_POOL_SIZE: '6' } });
  request = nodeClient(stack.info.apiUrl);
  tenants = await Promise.all(
    Array.from({ length: 3 }, async () => {
      const { owner, tenant } = await activeTenant(client(stack!.info.apiUrl));
      return { id: tenant.id as string, slug: tenant.slug as string, schema_name: tenant.schema_name as string, owner };
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), freshApi?.stop()]);
  await db?.end();
  if (stack) await dropDatabase(shared.serverUrl, stack.info.databaseUrl).catch(() => undefined);
});

/** The API's client sessions on this database. */
const apiSessions = async () =>
  (
    await db.query<{ pid: number; state: string | null; in_transaction: boolean }>(
      `SELECT pid, state, xact_start IS NOT NULL AS in_transaction FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'tenantry-api' AND backend_type = 'client backend'`,
    )
  ).rows;

describe('API killed mid-request', () => {
  it('PostgreSQL ends all its sessions (none left in a tenant transaction), nothing half-written stays, and a fresh API serves every tenant its own data', async () => {
    let running = true;
    const statuses = new Map<number, number>();
    const load = Array.from({ length: 24 }, async (_, i) => {
      const t = tenants[i % tenants.length]!;
      while (running) {
        const write = i % 2 === 0;
        const res = await request(write ? 'POST' : 'GET', write ? '/api/v1/corpus/documents' : '/api/v1/corpus/documents?limit=100', {
          token: t.owner.token,
          headers: { 'x-tenant-id': t.id },
          body: write ? { title: `${t.slug} under load`, content: 'x'.repeat(2000), metadata: { tenant: t.id } } : undefined,
        }).catch(() => ({ status: 0 }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    });
    // Kill it once it is busy writing, while units of work are open.
    await waitUntil('writes to succeed under load', async () => (statuses.get(201) ?? 0) >= 20, 30_000, 20);
    await waitUntil('a unit of work of the API to be open', async () => (await apiSessions()).some((s) => s.in_transaction), 20_000, 5);
    stack!.api!.child.kill('SIGKILL');
    running = false;
    await Promise.all(load);
    expect(statuses.get(201) ?? 0, 'writes succeeded before the kill').toBeGreaterThan(0);

    // Every session of the dead API ends: none lingers idle in a transaction with a tenant's context.
    await waitUntil('the dead API’s sessions to end', async () => (await apiSessions()).length === 0, 10_000, 50);

    // Nothing half-written: every document of a tenant is complete and its own.
    for (const t of tenants) {
      const { rows } = await db.query<{ n: number; bad: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE length(content) <> 2000 OR metadata->>'tenant' <> $1)::int AS bad
           FROM ${t.schema_name}.documents WHERE title = $2`,
        [t.id, `${t.slug} under load`],
      );
      expect(rows[0]!.bad, `${t.slug}: incomplete or foreign documents`).toBe(0);
      expect(rows[0]!.n).toBeGreaterThan(0);
    }

    // A fresh API on the same database serves each tenant exactly what its schema holds.
    freshApi = await startApp('api', stack!.info.env, { silent: true });
    const fresh = nodeClient(`http://127.0.0.1:${freshApi.port}`);
    for (const t of tenants) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.schema_name}.documents`);
      const res = await fresh<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?limit=1', { token: t.owner.token, headers: { 'x-tenant-id': t.id } });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(rows[0]!.n);
      for (const d of res.body.documents) expect((d.metadata as { tenant?: string }).tenant).toBe(t.id);
    }
  }, 120_000);
});
