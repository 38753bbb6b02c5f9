// Medium tier: a tenant's role is taken on every pooled backend, however tenant roles are being
// made around it. PostgreSQL caches, per backend, the roles the runtime role may become, drops
// that list on every role change in the cluster and rebuilds it one catalog read per tenant role;
// a membership committed during the rebuild is missing from the rebuilt list until the next role
// change, and SET ROLE to that tenant fails there with 42501 (the CI failure of the isolation
// property's seeding). Here: units of work of the newest tenants on eight pooled connections,
// while new tenant roles are committed two at a time over a few thousand existing ones (the
// longer the rebuild, the wider the window). Without the opening's membership refresh (the
// check deleted from TenantDb), this failed on every run here against PostgreSQL 18.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../libs/config/src/index.js';
import { createDataSource, createTenantRoleSql, quoteIdent, TenantDb, type TenantRef, tenantRoleName } from '../../libs/database/src/index.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
/** Tenants with schemas whose units of work warm the pool; the rest of the existing roles are bare. */
const EXISTING = 20;
const BARE_ROLES = 3000;
const NEW = 120;
const bare = `tnt_bare_${randomUUID().slice(0, 8)}_`;
let medium: MediumDatabase;
let owner: pg.Pool;
const made: TenantRef[] = [];

/** A tenant as provisioning leaves it (a schema with a table, its role), made in one transaction; updatedAt is that transaction's now(). */
async function makeTenants(n: number): Promise<TenantRef[]> {
  const batch = Array.from({ length: n }, () => {
    const id = randomUUID();
    return { id, schemaName: `tenant_race_${id.replace(/-/g, '').slice(0, 16)}` };
  });
  const ddl = batch
    .map((t) => {
      const s = quoteIdent(t.schemaName);
      return `CREATE SCHEMA ${s}; CREATE TABLE ${s}._migrations (version int); CREATE TABLE ${s}.notes (body text); INSERT INTO ${s}.notes VALUES (${pg.escapeLiteral(t.id)});
        ${createTenantRoleSql(tenantRoleName(t.id), t.schemaName, medium.config.roleNames)}`;
    })
    .join(';\n');
  const results = (await owner.query(`BEGIN; SELECT now() AS at; ${ddl}; COMMIT`)) as unknown as pg.QueryResult[];
  const at = (results.find((r) => r.rows?.[0]?.at) as pg.QueryResult<{ at: Date }>).rows[0]!.at;
  const refs = batch.map((t) => ({ ...t, updatedAt: at }));
  made.push(...refs);
  return refs;
}

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'rolerace');
  owner = new pg.Pool({ connectionString: medium.config.databaseOwnerUrl, max: 2 });
  await makeTenants(EXISTING);
  // Roles the runtime role may become, as many tenants' would be (no schema: only the membership
  // list matters). Made by the superuser: as the owner role each GRANT would walk the owner's own
  // memberships (see README, "Running many tenants"), minutes for a few thousand.
  const group = quoteIdent(`${medium.config.roleNames.owner}_tenants`);
  const app = quoteIdent(medium.config.roleNames.app);
  await medium.db.query(`DO $$ BEGIN FOR i IN 1..${BARE_ROLES} LOOP
    EXECUTE format('CREATE ROLE %I NOLOGIN; GRANT %I TO ${app}; GRANT ${group} TO %I', '${bare}' || i, '${bare}' || i, '${bare}' || i);
  END LOOP; END $$`);
}, 120_000);

afterAll(async () => {
  await medium?.db.query(`DO $$ BEGIN FOR i IN 1..${BARE_ROLES} LOOP EXECUTE format('DROP ROLE IF EXISTS %I', '${bare}' || i); END LOOP; END $$`);
  await owner?.end();
  // Roles are cluster-wide: they outlive the database.
  for (let i = 0; i < made.length; i += 50) {
    const batch = made.slice(i, i + 50);
    await medium?.db.query(batch.map((t) => `DROP SCHEMA IF EXISTS ${quoteIdent(t.schemaName)} CASCADE; DROP ROLE IF EXISTS ${quoteIdent(tenantRoleName(t.id))}`).join(';\n'));
  }
  await medium?.drop();
});

describe('tenant roles made while units of work run', () => {
  let dataSource: DataSource;
  let tenantDb: TenantDb;

  beforeAll(async () => {
    const config = loadConfig({ DATABASE_URL: medium.config.databaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(40), DB_POOL_SIZE: '8' });
    dataSource = await createDataSource(config, 'tenantry-rolerace').initialize();
    tenantDb = new TenantDb(dataSource, config);
    // Every connection open and past its first SET ROLE (each backend has a cached list) before any new role exists.
    await Promise.all(Array.from({ length: 8 }, (_, i) => tenantDb.run(made[i]!, (m) => m.query(`SELECT pg_sleep(0.05)`))));
  });

  afterAll(async () => {
    await tenantDb?.onApplicationShutdown();
    await dataSource?.destroy();
  });

  it('every unit of work of a tenant made a moment ago takes its role and sees its rows, on every pooled backend', async () => {
    const failures: string[] = [];
    let runs = 0;
    let newest: TenantRef[] = [];
    let done = false;
    const workers = Array.from({ length: 8 }, async () => {
      while (!done) {
        const t = newest[Math.floor(Math.random() * newest.length)];
        if (!t) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        runs++;
        try {
          const rows = await tenantDb.run(t, (m) => m.query(`SELECT body, current_user AS role FROM notes`) as Promise<Array<{ body: string; role: string }>>, { readOnly: true });
          if (rows.length !== 1 || rows[0]!.body !== t.id || rows[0]!.role !== tenantRoleName(t.id)) failures.push(`${t.id}: saw ${JSON.stringify(rows)}`);
        } catch (error) {
          failures.push(`${t.id}: ${(error as { code?: string }).code} ${(error as Error).message}`);
        }
      }
    });
    for (let i = 0; i < NEW; i += 2) {
      newest = [...newest.slice(-2), ...(await Promise.all([makeTenants(1), makeTenants(1)])).flat()];
      // Every pair is taken at least once per connection before the next is made, however slow the machine.
      const before = runs;
      await new Promise((r) => setTimeout(r, 30));
      while (runs < before + 8) await new Promise((r) => setTimeout(r, 2));
    }
    done = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual((NEW / 2) * 8); // each pair was taken at least 8 times
  }, 120_000);
});
