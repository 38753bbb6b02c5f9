// Database canary: isolation that PostgreSQL itself enforces, below the application. Inside
// tenant A's unit of work (the real TenantDb, connected as the runtime role the API uses),
// SQL that reaches for tenant B is refused by PostgreSQL: B's schema, B's rows of public
// tables, public tables a tenant has no business with, and DDL.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../libs/config/src/index.js';
import { createDataSource, TenantDb, tenantRoleName, type TenantRef } from '../../libs/database/src/index.js';
import { startApp } from '../../libs/devstack/src/index.js';
import { apiKeyLivenessSql, generateApiKey } from '../../libs/identity/src/index.js';
import { activeTenant, client } from '../support/http.js';
import { pgPool } from '../support/tenant-schema.js';

const shared = inject('stack');
const request = client(shared.apiUrl);

let dataSource: DataSource;
let tenantDb: TenantDb;
let db: pg.Pool;
let a: TenantRef & { slug: string; ownerId: string };
let b: TenantRef & { slug: string; ownerId: string };

const asA = <T>(sql: string, params?: unknown[]): Promise<T> => tenantDb.run(a, (m) => m.query(sql, params) as Promise<T>);

beforeAll(async () => {
  db = pgPool(shared.databaseUrl);
  const [ta, tb] = await Promise.all([activeTenant(request), activeTenant(request)]);
  a = { id: ta.tenant.id, schemaName: ta.tenant.schema_name, slug: ta.tenant.slug, ownerId: ta.owner.id };
  b = { id: tb.tenant.id, schemaName: tb.tenant.schema_name, slug: tb.tenant.slug, ownerId: tb.owner.id };
  const res = await request('POST', '/api/v1/corpus/documents', {
    token: tb.owner.token,
    headers: { 'x-tenant-id': b.id },
    body: { title: 'secret of b', content: 'b only' },
  });
  expect(res.status).toBe(201);
  const config = loadConfig({ DATABASE_URL: shared.appDatabaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(32) });
  dataSource = await createDataSource(config, 'db-canary', [], 2).initialize();
  tenantDb = new TenantDb(dataSource);
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.end();
});

describe("inside tenant A's unit of work, PostgreSQL refuses tenant B", () => {
  it("a query that names B's schema is refused", async () => {
    await expect(asA(`SELECT * FROM ${b.schemaName}.documents`)).rejects.toThrow(/permission denied for schema/);
    await expect(asA(`INSERT INTO ${b.schemaName}.documents (title) VALUES ('planted')`)).rejects.toThrow(/permission denied for schema/);
    const planted = await db.query(`SELECT count(*)::int AS n FROM ${b.schemaName}.documents WHERE title = 'planted'`);
    expect(planted.rows[0].n).toBe(0);
  });

  it('a table missing from A’s schema never resolves to public, and public tables are closed', async () => {
    await expect(asA(`SELECT * FROM users`)).rejects.toThrow(/relation "users" does not exist/);
    await expect(asA(`SELECT * FROM tenants`)).rejects.toThrow(/relation "tenants" does not exist/);
    await expect(asA(`SELECT email, password_hash FROM public.users`)).rejects.toThrow(/permission denied for table users/);
    await expect(asA(`SELECT * FROM public.tenants`)).rejects.toThrow(/permission denied for table tenants/);
  });

  it('row-level security shows only A’s memberships, even after A rewrites app.tenant_id', async () => {
    const seen = await asA<Array<{ tenant_id: string; user_id: string }>>(`SELECT tenant_id, user_id FROM public.memberships`);
    expect(seen).toEqual([{ tenant_id: a.id, user_id: a.ownerId }]);
    const spoofed = await tenantDb.run(a, async (m) => {
      await m.query(`SELECT set_config('app.tenant_id', $1, true)`, [b.id]);
      return (await m.query(`SELECT tenant_id FROM public.memberships WHERE tenant_id = $1`, [b.id])) as unknown[];
    });
    expect(spoofed).toEqual([]);
    // The superuser sees B's membership: it is there, A just can't see it.
    expect((await db.query(`SELECT 1 FROM public.memberships WHERE tenant_id = $1`, [b.id])).rowCount).toBe(1);
  });

  it('A can neither write public rows nor change its own schema', async () => {
    await expect(asA(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, [b.id, a.ownerId])).rejects.toThrow(
      /permission denied for table memberships/,
    );
    await expect(asA(`CREATE TABLE planted (id int)`)).rejects.toThrow(/permission denied for schema/);
    await expect(asA(`DROP TABLE documents`)).rejects.toThrow(/must be owner/);
    await expect(asA(`DELETE FROM _migrations`)).rejects.toThrow(/permission denied for table _migrations/);
  });

  it("A's own data is reachable: the unit of work is not simply broken", async () => {
    const [row] = await asA<Array<{ n: number; role: string }>>(`SELECT count(*)::int AS n, current_user AS role FROM documents`);
    expect(row).toEqual({ n: 0, role: tenantRoleName(a.id) });
  });
});

describe('the runtime role', () => {
  it('is no superuser, has no BYPASSRLS, does not inherit tenant privileges, and owns nothing', async () => {
    const role = decodeURIComponent(new URL(shared.appDatabaseUrl).username);
    const attrs = await db.query(`SELECT rolsuper, rolbypassrls, rolinherit, rolcreaterole FROM pg_roles WHERE rolname = $1`, [role]);
    expect(attrs.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolinherit: false, rolcreaterole: false });
    const owned = await db.query(
      `SELECT (SELECT count(*) FROM pg_class WHERE relowner = $1::regrole)::int + (SELECT count(*) FROM pg_namespace WHERE nspowner = $1::regrole)::int AS n`,
      [role],
    );
    expect(owned.rows[0].n).toBe(0);
  });

  it('in production, an API whose DATABASE_URL is a superuser refuses to start', async () => {
    const started = startApp(
      'api',
      {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: shared.databaseUrl,
        REDIS_URL: shared.redisUrl,
        REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
        JWT_SECRET: randomBytes(36).toString('base64url'),
        MASTER_KEY: randomBytes(32).toString('base64'), // production requires one: the refusal must be the superuser's
        DATA_DIR: shared.dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'error',
      },
      { silent: true },
    );
    await expect(started).rejects.toThrow(/superuser: PostgreSQL would not enforce tenant isolation/);
  }, 120_000); // a whole API process start

  it('outside a unit of work it cannot read any tenant schema', async () => {
    await expect(dataSource.query(`SELECT * FROM ${a.schemaName}.documents`)).rejects.toThrow(/permission denied for schema/);
    await expect(dataSource.query(`SELECT * FROM public.schema_pool`)).rejects.toThrow(/permission denied/);
  });

  it('spare schemas of the warm pool come with their role', async () => {
    const spares = await db.query<{ schema_name: string; has_role: boolean }>(
      `SELECT p.schema_name, EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = p.schema_name) AS has_role FROM public.schema_pool p`,
    );
    expect(spares.rows.length).toBeGreaterThan(0);
    for (const spare of spares.rows) expect(spare, spare.schema_name).toEqual({ schema_name: spare.schema_name, has_role: true });
  });
});

describe('units of work in one async context', () => {
  const whoAmI = async (): Promise<string> => ((await tenantDb.manager.query(`SELECT current_user AS r`)) as Array<{ r: string }>)[0]!.r;

  it('concurrent units of work each see their own manager', async () => {
    const [ra, rb] = await Promise.all([
      tenantDb.runInContext(a, async () => {
        await sleep(20); // B's unit of work opens meanwhile
        return whoAmI();
      }),
      tenantDb.runInContext(b, async () => whoAmI()),
    ]);
    expect([ra, rb]).toEqual([tenantRoleName(a.id), tenantRoleName(b.id)]);
  });

  it('a nested unit of work has its own manager and the outer one is back afterwards', async () => {
    const seen = await tenantDb.runInContext(a, async () => {
      const before = await whoAmI();
      const inner = await tenantDb.runInContext(b, () => whoAmI());
      const after = await whoAmI();
      return { before, inner, after };
    });
    expect(seen).toEqual({ before: tenantRoleName(a.id), inner: tenantRoleName(b.id), after: tenantRoleName(a.id) });
  });
});

describe("a unit of work's assertion (the API key check in its opening)", () => {
  const insertKey = async (state: 'alive' | 'revoked' | 'expired'): Promise<string> => {
    const made = generateApiKey();
    const res = await db.query<{ id: string }>(
      `INSERT INTO public.api_keys (tenant_id, tenant_scope, name, prefix, key_hash, scopes, created_by, revoked_at, expires_at)
       VALUES ($1, $1, 'k', $2, $3, '{corpus:read}', $4, $5, $6) RETURNING id`,
      [a.id, made.prefix, made.hash, a.ownerId, state === 'revoked' ? new Date() : null, state === 'expired' ? new Date(Date.now() - 1000) : null],
    );
    return res.rows[0]!.id;
  };
  const titled = async (title: string) => (await db.query(`SELECT count(*)::int AS n FROM ${a.schemaName}.documents WHERE title = $1`, [title])).rows[0].n as number;

  it('a live key: the work runs and commits, as the tenant, and onOpened is told once', async () => {
    const key = await insertKey('alive');
    let opened = 0;
    const role = await tenantDb.run(a, async (m) => {
      await m.query(`INSERT INTO documents (title) VALUES ('asserted alive')`);
      return ((await m.query(`SELECT current_user AS u`)) as Array<{ u: string }>)[0]!.u;
    }, { assertSql: apiKeyLivenessSql(key), onOpened: () => opened++ });
    expect(role).toBe(tenantRoleName(a.id));
    expect(await titled('asserted alive')).toBe(1);
    await sleep(20);
    expect(opened).toBe(1);
  });

  it('a revoked or expired key: the run throws TK401 naming which, nothing it wrote commits, onOpened is never told; with or without a query', async () => {
    for (const state of ['revoked', 'expired'] as const) {
      const key = await insertKey(state);
      let opened = 0;
      const options = { assertSql: apiKeyLivenessSql(key), onOpened: () => opened++ };
      const title = `asserted ${state}`;
      const withQuery = tenantDb.run(a, (m) => m.query(`INSERT INTO documents (title) VALUES ($1)`, [title]), options);
      await expect(withQuery).rejects.toMatchObject({ code: 'TK401', message: state });
      // A unit of work that sends no query (or throws first) still has its opening checked.
      await expect(tenantDb.run(a, async () => 'no query', options)).rejects.toMatchObject({ code: 'TK401', message: state });
      await expect(tenantDb.run(a, async () => { throw new Error('handler failed'); }, options)).rejects.toMatchObject({ code: 'TK401' });
      expect(await titled(title)).toBe(0);
      await sleep(20);
      expect(opened).toBe(0);
    }
    // The pool's connections are clean afterwards: the next units of work run as they should.
    for (let i = 0; i < 4; i++) expect(await tenantDb.run(a, async (m) => ((await m.query(`SELECT current_user AS u`)) as Array<{ u: string }>)[0]!.u)).toBe(tenantRoleName(a.id));
    // A key id is only ever a uuid in that statement.
    expect(() => apiKeyLivenessSql("x'); DROP TABLE documents; --")).toThrow(/uuid/);
  });
});
