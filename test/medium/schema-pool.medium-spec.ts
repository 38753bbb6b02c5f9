// Medium tier: claiming a spare schema from the warm pool, with the real repository and
// provisioning service built in process against a database of their own.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDataSource, OwnerDb, tenantRoleName } from '../../libs/database/src/index.js';
import { InMemoryTenantEvents } from '../../libs/jobs/src/index.js';
import { ProvisioningService, TenantSchemasRepository } from '../../libs/tenancy/src/index.js';
import { insertTenant, insertUser } from '../support/factories.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
let medium: MediumDatabase;
let runtime: DataSource;
let owner: OwnerDb;
let repo: TenantSchemasRepository;
let provisioning: ProvisioningService;
const events: Array<{ id: string }> = [];

const oids = async (name: string): Promise<{ schema: string | null; role: string | null }> => {
  const res = await medium.db.query<{ schema: string | null; role: string | null }>(
    `SELECT (SELECT oid::text FROM pg_namespace WHERE nspname = $1) AS schema, (SELECT oid::text FROM pg_roles WHERE rolname = $2) AS role`,
    [name, name],
  );
  return res.rows[0]!;
};
const pool = async (): Promise<string[]> =>
  (await medium.db.query<{ schema_name: string }>(`SELECT schema_name FROM public.schema_pool ORDER BY created_at, schema_name`)).rows.map((r) => r.schema_name);

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'pool', { WARM_POOL_SIZE: '3', DB_POOL_SIZE: '10' });
  runtime = await createDataSource(medium.config, 'medium-pool', [], 2).initialize();
  owner = new OwnerDb(runtime, medium.config, { applicationName: 'medium-pool', tenantEntities: [] });
  repo = new TenantSchemasRepository(owner);
  const fakeEvents = { changed: async (e: { id: string }) => void events.push(e) };
  provisioning = new ProvisioningService(repo, medium.config, fakeEvents as unknown as ConstructorParameters<typeof ProvisioningService>[2], new InMemoryTenantEvents());
});

afterAll(async () => {
  await owner?.onApplicationShutdown();
  await runtime?.destroy();
  await medium?.drop();
});

describe('the warm pool (in process, own database)', () => {
  it('refill makes WARM_POOL_SIZE spares, each a schema with its own role', async () => {
    expect(await provisioning.refillPool()).toBe(3);
    const spares = await pool();
    expect(spares).toHaveLength(3);
    for (const name of spares) {
      const ids = await oids(name);
      expect(ids.schema, name).not.toBeNull();
      expect(ids.role, name).not.toBeNull();
    }
    expect(await provisioning.refillPool()).toBe(0);
  });

  it('concurrent claims never get the same spare, and an empty pool answers null', async () => {
    const spares = await pool();
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const claims: Array<string | null> = [];
    // Three transactions hold their claim (row locks) at once; a fourth finds nothing left.
    const holders = [0, 1, 2].map(() =>
      repo.transaction(async (runner) => {
        claims.push(await repo.claimSpare(runner));
        await hold;
        throw new Error('roll back: keep the spares for the next test');
      }),
    );
    while (claims.length < 3) await new Promise((r) => setTimeout(r, 10));
    const fourth = await repo.transaction((runner) => repo.claimSpare(runner));
    release();
    await Promise.allSettled(holders);
    expect(new Set(claims).size).toBe(3);
    expect([...claims].sort()).toEqual([...spares].sort());
    expect(fourth).toBeNull();
    expect(await pool(), 'rolled back: all three are back').toEqual(spares);
  });

  it('provisioning claims the oldest spare: the same schema and role, renamed, and the pool no longer lists it', async () => {
    const user = await insertUser(medium.db);
    const tenant = await insertTenant(medium.db, { ownerId: user.id });
    const [oldest] = await pool();
    const before = await oids(oldest!);
    expect(await provisioning.provision(tenant.id)).toBe('claimed-spare');
    const after = await medium.db.query<{ schema: string; role: string; status: string }>(
      `SELECT (SELECT oid::text FROM pg_namespace WHERE nspname = $1) AS schema, (SELECT oid::text FROM pg_roles WHERE rolname = $2) AS role,
              (SELECT status FROM public.tenants WHERE id = $3) AS status`,
      [tenant.schema_name, tenantRoleName(tenant.id), tenant.id],
    );
    expect(after.rows[0]).toEqual({ schema: before.schema, role: before.role, status: 'active' });
    expect(await oids(oldest!)).toEqual({ schema: null, role: null });
    expect(await pool()).not.toContain(oldest);
    expect(events).toContainEqual(expect.objectContaining({ id: tenant.id }));
    expect(await provisioning.provision(tenant.id), 'twice is a no-op').toBe('already-active');
  });

  it('a spare dropped as outdated takes its role with it', async () => {
    const [victim] = await pool();
    await medium.db.query(`UPDATE public.schema_pool SET schema_version = 0 WHERE schema_name = $1`, [victim]);
    await provisioning.refillPool();
    expect(await oids(victim!)).toEqual({ schema: null, role: null });
    expect(await pool()).toHaveLength(3);
  });
});

describe('provisioning without the pool (in process, own database)', () => {
  it('thirty tenants provisioned at once all get their schema and role on the first attempt (a per-tenant GRANT on a shared table failed this with "tuple concurrently updated")', async () => {
    const config = Object.assign(Object.create(Object.getPrototypeOf(medium.config) as object) as typeof medium.config, medium.config, { WARM_POOL_SIZE: 0 });
    const fakeEvents = { changed: async () => undefined };
    const scratch = new ProvisioningService(repo, config, fakeEvents as unknown as ConstructorParameters<typeof ProvisioningService>[2], new InMemoryTenantEvents());
    const user = await insertUser(medium.db);
    const tenants = await Promise.all(Array.from({ length: 30 }, () => insertTenant(medium.db, { ownerId: user.id })));
    // No retries here: each provisioning must succeed the first time.
    const outcomes = await Promise.all(tenants.map((t) => scratch.provision(t.id)));
    expect(outcomes).toEqual(tenants.map(() => 'created'));
    const roles = await medium.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)`, [tenants.map((t) => tenantRoleName(t.id))]);
    expect(roles.rows[0]!.n).toBe(30);
  });
});

