// Medium tier: tenant-affine connections (DB_POOL_AFFINITY). With k > 1 a tenant's units of work
// take their connection from one of k sub-pools chosen by a hash of the tenant id, so a backend
// caches the catalog of ~1/k of the tenant schemas; under skew they fall back to another
// sub-pool's connection rather than wait. TenantDb against a database of its own, tenants made
// in SQL (a schema with a table, and the tenant's role, as provisioning leaves them).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AppConfig, loadConfig } from '../../libs/config/src/index.js';
import {
  AFFINITY_PATIENCE_MS,
  affinityClass,
  createDataSource,
  createTenantRoleSql,
  quoteIdent,
  TenantDb,
  type TenantRef,
  tenantRoleName,
} from '../../libs/database/src/index.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
const K = 4;
const PER_CLASS = 3;
let medium: MediumDatabase;
/** PER_CLASS tenants of each hash class (of K), classes[c] holding those of class c. */
const classes: TenantRef[][] = Array.from({ length: K }, () => []);

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'affinity');
  while (classes.some((c) => c.length < PER_CLASS)) {
    const id = randomUUID();
    const c = classes[affinityClass(id, K)]!;
    if (c.length < PER_CLASS) c.push({ id, schemaName: `tenant_aff_${id.slice(0, 8)}` });
  }
  const owner = new pg.Client({ connectionString: medium.config.databaseOwnerUrl });
  await owner.connect();
  try {
    for (const t of classes.flat()) {
      const s = quoteIdent(t.schemaName);
      await owner.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}._migrations (version int); CREATE TABLE ${s}.notes (body text);
        INSERT INTO ${s}.notes VALUES (${pg.escapeLiteral(t.id)});
        ${createTenantRoleSql(tenantRoleName(t.id), t.schemaName, medium.config.roleNames)}`);
    }
  } finally {
    await owner.end();
  }
});

afterAll(async () => {
  for (const t of classes.flat()) {
    await medium?.db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(t.schemaName)} CASCADE; DROP ROLE IF EXISTS ${quoteIdent(tenantRoleName(t.id))}`);
  }
  await medium?.drop();
});

interface Stack {
  config: AppConfig;
  dataSource: DataSource;
  tenantDb: TenantDb;
  applicationName: string;
  close(): Promise<void>;
}

/** A DataSource and TenantDb as a process opens them, with these settings. */
async function open(env: Record<string, string>): Promise<Stack> {
  const config = loadConfig({ DATABASE_URL: medium.config.databaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(40), ...env });
  const applicationName = `tenantry-aff-${randomUUID().slice(0, 8)}`;
  const dataSource = await createDataSource(config, applicationName).initialize();
  const tenantDb = new TenantDb(dataSource, config);
  return {
    config,
    dataSource,
    tenantDb,
    applicationName,
    async close() {
      await tenantDb.onApplicationShutdown();
      await dataSource.destroy();
    },
  };
}

interface Seen {
  pid: number;
  tenant: string;
  notes: string[];
}

/** A unit of work of `t` that reports its backend and what it sees, after holding its connection `holdMs`. */
function unitOfWork(stack: Stack, t: TenantRef, holdMs = 0): Promise<Seen> {
  return stack.tenantDb.run(t, async (m) => {
    const [row] = (await m.query(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id') AS tenant, pg_sleep($1::float8 / 1000)`, [holdMs])) as Array<{ pid: number; tenant: string }>;
    const notes = ((await m.query(`SELECT body FROM notes`)) as Array<{ body: string }>).map((n) => n.body);
    return { pid: row!.pid, tenant: row!.tenant, notes };
  });
}

const classOf = (tenantId: string): number => affinityClass(tenantId, K);

/** What a pooled connection carries between units of work. */
async function sessionState(client: pg.PoolClient) {
  const { rows } = await client.query<{ search_path: string; tenant: string | null; role: string; txid: string | null }>(
    `SELECT current_setting('search_path') AS search_path, current_setting('app.tenant_id', true) AS tenant, current_user AS role, txid_current_if_assigned()::text AS txid`,
  );
  return rows[0]!;
}

describe('tenant-affine connections (DB_POOL_AFFINITY)', () => {
  it('k=4 over DB_POOL_SIZE=8: four sub-pools of two; without contention every backend serves tenants of one hash class only', async () => {
    const stack = await open({ DB_POOL_SIZE: '8', DB_POOL_AFFINITY: String(K) });
    try {
      expect(stack.tenantDb.affinity!.counts().map((c) => c.max)).toEqual([2, 2, 2, 2]);
      const classesOfPid = new Map<number, Set<number>>();
      // Rounds of at most two units of work per class at once (each sub-pool's size): no contention.
      for (let round = 0; round < 12; round++) {
        const batch = classes.flatMap((c) => [c[round % PER_CLASS]!, c[(round + 1) % PER_CLASS]!]);
        const seen = await Promise.all(batch.map((t) => unitOfWork(stack, t, 5)));
        seen.forEach((s, i) => {
          const t = batch[i]!;
          expect(s.tenant).toBe(t.id);
          expect(s.notes).toEqual([t.id]);
          classesOfPid.set(s.pid, (classesOfPid.get(s.pid) ?? new Set()).add(classOf(t.id)));
        });
      }
      for (const [pid, seenClasses] of classesOfPid) expect([...seenClasses], `backend ${pid}`).toHaveLength(1);
      const backendsPerClass = Array.from({ length: K }, (_, c) => [...classesOfPid.values()].filter((s) => s.has(c)).length);
      expect(backendsPerClass).toEqual([2, 2, 2, 2]);
      // The sub-pools' connections are the DataSource's kind: same application_name, in pg_stat_activity.
      const { rows } = await medium.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [stack.applicationName]);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(8);
    } finally {
      await stack.close();
    }
  });

  it('skew: all load on one tenant runs on every sub-pool, never waits for a timeout, and nested units of work do not deadlock', async () => {
    const stack = await open({ DB_POOL_SIZE: '8', DB_POOL_AFFINITY: String(K), DB_CONNECT_TIMEOUT_MS: '2000' });
    const hot = classes[1]![0]!;
    try {
      // Cold: eight at once, each holding its connection 300 ms. Its own sub-pool has two: the
      // other six open connections in the other sub-pools rather than queue.
      let t0 = Date.now();
      const cold = await Promise.all(Array.from({ length: 8 }, () => unitOfWork(stack, hot, 300)));
      expect(new Set(cold.map((s) => s.pid)).size).toBe(8);
      expect(Date.now() - t0).toBeLessThan(1000); // one round (plus connecting), not four (1.2 s)
      expect(stack.tenantDb.affinity!.counts().map((c) => c.total)).toEqual([2, 2, 2, 2]);

      // Warm: 48 units of work of 100 ms for the hot tenant; its sub-pool alone would need 2.4 s,
      // past DB_CONNECT_TIMEOUT_MS. Every idle connection of the other sub-pools serves it.
      t0 = Date.now();
      const warm = await Promise.all(Array.from({ length: 48 }, () => unitOfWork(stack, hot, 100)));
      expect(warm.every((s) => s.tenant === hot.id && s.notes[0] === hot.id)).toBe(true);
      expect(new Set(warm.map((s) => s.pid)).size).toBe(8);
      expect(Date.now() - t0).toBeLessThan(1500);

      // Nested: two units of work fill the hot tenant's sub-pool, and each opens another inside.
      const nested = await Promise.all(
        Array.from({ length: 2 }, () => stack.tenantDb.run(hot, async () => (await unitOfWork(stack, hot, 50)).tenant)),
      );
      expect(nested).toEqual([hot.id, hot.id]);
      expect(stack.tenantDb.affinity!.counts().every((c) => c.idle === c.total && c.waiting === 0)).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('under saturation a sub-pool keeps serving its own class first: a queued unit of work takes another class only from a sub-pool with nobody of its own waiting', async () => {
    const stack = await open({ DB_POOL_SIZE: '4', DB_POOL_AFFINITY: String(K), DB_CONNECT_TIMEOUT_MS: '10000' });
    try {
      // One connection per sub-pool; eight units of work per class at once, arriving class by
      // class in turn: the first of each class opens its sub-pool's connection, the rest queue.
      const seen = await Promise.all(
        Array.from({ length: 8 }, (_, i) => classes.map((c, k) => unitOfWork(stack, c[i % PER_CLASS]!, 10).then((s) => ({ ...s, c: k })))).flat(),
      );
      const classesOfPid = new Map<number, Set<number>>();
      for (const s of seen) classesOfPid.set(s.pid, (classesOfPid.get(s.pid) ?? new Set()).add(s.c));
      expect(classesOfPid.size).toBe(4);
      // Every class was queued all along, so no connection ever left its class... except at the
      // very end, when a sub-pool whose class is done may serve the last of another's queue.
      const servedOwn = seen.filter((s) => [...classesOfPid.get(s.pid)!][0] === s.c).length;
      expect(servedOwn).toBeGreaterThanOrEqual(seen.length - 8);
    } finally {
      await stack.close();
    }
  });

  it('patience: a unit of work whose home connection is busy waits for it rather than take an idle one elsewhere, for AFFINITY_PATIENCE_MS, then strays', async () => {
    const stack = await open({ DB_POOL_SIZE: '4', DB_POOL_AFFINITY: String(K) });
    const pools = stack.tenantDb.affinity!;
    const [a, b] = classes[0]!;
    const pidOf = (client: pg.PoolClient): number => (client as unknown as { processID: number }).processID; // pg's backend pid
    try {
      // Every sub-pool has its connection open and idle: stealing would cost nothing to wait for.
      await Promise.all(classes.map((c) => pools.acquire(c[0]!.id).then(([, release]) => release())));
      const [home, releaseHome] = await pools.acquire(a!.id);
      const waiting = pools.acquire(b!.id);
      expect(pools.counts()[0]!.waiting).toBe(1);
      releaseHome(); // within the patience: the home connection serves it
      const [same, releaseSame] = await waiting;
      expect(pidOf(same)).toBe(pidOf(home));
      // Held past the patience: it strays to another sub-pool's idle connection.
      const t0 = Date.now();
      const strayed = pools.acquire(b!.id);
      const [other, releaseOther] = await strayed;
      expect(pidOf(other)).not.toBe(pidOf(same));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(AFFINITY_PATIENCE_MS - 1);
      expect(Date.now() - t0).toBeLessThan(1000);
      releaseSame();
      releaseOther();
      expect(pools.counts().every((c) => c.waiting === 0 && c.idle === c.total)).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('DB_POOL_AFFINITY=1 (the default): no sub-pools; units of work run on the DataSource pool as before', async () => {
    const stack = await open({ DB_POOL_SIZE: '1' });
    try {
      expect(stack.config.DB_POOL_AFFINITY).toBe(1);
      expect(stack.tenantDb.affinity).toBeUndefined();
      const [row] = (await stack.dataSource.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      for (const t of classes.flat()) {
        const s = await unitOfWork(stack, t);
        expect(s).toEqual({ pid: row!.pid, tenant: t.id, notes: [t.id] });
      }
    } finally {
      await stack.close();
    }
  });

  it('failing units of work give their connection back to their own sub-pool (or destroy it there): no leak, nothing carried over', async () => {
    const stack = await open({ DB_POOL_SIZE: '8', DB_POOL_AFFINITY: String(K) });
    const pools = stack.tenantDb.affinity!;
    try {
      // A unit of work whose backend dies under it (its ROLLBACK fails too): the connection is
      // destroyed, and it is its own sub-pool that loses it.
      await Promise.all(classes.map((c) => unitOfWork(stack, c[0]!)));
      const before = pools.counts().map((x) => x.total);
      expect(before).toEqual([1, 1, 1, 1]);
      let started!: (pid: number) => void;
      const pid = new Promise<number>((resolve) => (started = resolve));
      const dying = stack.tenantDb.run(classes[2]![0]!, async (m) => {
        started(((await m.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0]!.pid);
        await m.query('SELECT pg_sleep(10)');
      });
      // Its rejection may arrive before the kill's own answer: the expectation is attached first.
      const died = expect(dying).rejects.toThrow(/terminat/);
      await medium.db.query('SELECT pg_terminate_backend($1)', [await pid]);
      await died;
      await new Promise((r) => setTimeout(r, 50));
      expect(pools.counts().map((x) => x.total)).toEqual([1, 1, 0, 1]);

      // Many failures of every kind, on every class, concurrently (more than the pool: some queue, some fall back).
      const kinds = [
        (t: TenantRef) => stack.tenantDb.run(t, async () => Promise.reject(new Error('planned'))),
        (t: TenantRef) => stack.tenantDb.run(t, (m) => m.query('SELECT * FROM no_such_table')),
        (t: TenantRef) => stack.tenantDb.run(t, (m) => m.query('INSERT INTO notes VALUES ($1)', ['x']).then(() => Promise.reject(new Error('after write')))),
        (t: TenantRef) => stack.tenantDb.run(t, async () => Promise.reject(new Error('read-only')), { readOnly: true }),
        (t: TenantRef) => stack.tenantDb.run(t, async () => 'never', { assertSql: `SELECT 1/0` }),
        (t: TenantRef) => unitOfWork(stack, { ...t, id: randomUUID() }), // no such role
      ];
      const all = classes.flat();
      const results = await Promise.allSettled(Array.from({ length: 240 }, (_, i) => kinds[i % kinds.length]!(all[i % all.length]!)));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      await new Promise((r) => setTimeout(r, 100)); // destroyed connections finish closing
      for (const [c, x] of pools.counts().entries()) {
        expect(x.waiting, `sub-pool ${c}`).toBe(0);
        expect(x.idle, `sub-pool ${c}: every connection back`).toBe(x.total);
        expect(x.total, `sub-pool ${c}`).toBeLessThanOrEqual(x.max);
      }
      // Nothing of a failed unit of work stays on any connection of any sub-pool.
      for (const pool of pools.pools) {
        const held = await Promise.all(Array.from({ length: pool.idleCount }, () => pool.connect()));
        for (const client of held) {
          const state = await sessionState(client);
          expect(state.tenant ?? '').toBe('');
          expect(state.txid).toBeNull();
          expect(state.search_path).not.toContain('tenant_');
          expect(state.role).toBe(stack.config.appRoleName);
        }
        held.forEach((client) => client.release());
      }
      // And every tenant still works, on its own class's connections.
      for (const t of all) expect(await unitOfWork(stack, t)).toMatchObject({ tenant: t.id, notes: [t.id] });
      // The written-then-failed rows were rolled back.
      const written = await Promise.all(all.map((t) => medium.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(t.schemaName)}.notes WHERE body = 'x'`)));
      expect(written.map((w) => w.rows[0]!.n)).toEqual(all.map(() => 0));
    } finally {
      await stack.close();
    }
  });

  it('shutdown closes every connection of every sub-pool; a unit of work after it fails at once', async () => {
    const stack = await open({ DB_POOL_SIZE: '8', DB_POOL_AFFINITY: String(K) });
    await Promise.all(classes.flat().map((t) => unitOfWork(stack, t, 20)));
    const count = async () =>
      (await medium.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [stack.applicationName])).rows[0]!.n;
    expect(await count()).toBeGreaterThanOrEqual(8);
    const inFlight = unitOfWork(stack, classes[0]![0]!, 200);
    await new Promise((r) => setTimeout(r, 50));
    await stack.tenantDb.onApplicationShutdown(); // waits for the unit of work in flight
    expect((await inFlight).tenant).toBe(classes[0]![0]!.id);
    await expect(unitOfWork(stack, classes[1]![0]!)).rejects.toThrow(/end on the pool/);
    await stack.dataSource.destroy();
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe(0);
  });

  it('refuses DB_POOL_AFFINITY below 1 or above 64, naming the variable', () => {
    for (const bad of ['0', '65', '2.5']) {
      expect(() => loadConfig({ DATABASE_URL: medium.config.databaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(40), DB_POOL_AFFINITY: bad })).toThrow('DB_POOL_AFFINITY');
    }
  });
});
