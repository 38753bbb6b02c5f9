// Leak canary: a pooled connection must never carry one tenant's search_path (or app.tenant_id,
// or an open transaction) into another unit of work. Over HTTP: 1,000 interleaved requests for
// four tenants through an API with a pool of only two connections, every answer checked
// against its tenant. In process: TenantDb itself on a pool of ONE connection.
import 'reflect-metadata';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../libs/config/src/index.js';
// The entity file alone: the corpus index would pull the whole Nest module graph into this process.
// eslint-disable-next-line boundaries/dependencies
import { DocumentEntity } from '../../libs/corpus/src/document.entity.js';
import { createDataSource, NoTenantContextError, TenantDb, type TenantRef } from '../../libs/database/src/index.js';
import { activeTenant, registerUser, type Request, type TestUser } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { type Stack, startStack } from '../support/stack.js';
import { documentsVia, STRATEGIES, type Strategy } from '../support/tenant-routes.js';
import { pgPool } from '../support/tenant-schema.js';

const shared = inject('stack');
const sharedRequest = nodeClient(shared.apiUrl);

interface Doc {
  id: string;
  title: string;
}

interface Canary {
  id: string;
  slug: string;
  schema_name: string;
  owner: TestUser;
  docs: Doc[];
}

const DOCS_PER_TENANT = 5;
let tenants: Canary[] = [];
let extra: Stack | undefined;
let extraStarted: Promise<Stack> | undefined;
let db: pg.Pool;

beforeAll(async () => {
  db = pgPool(shared.databaseUrl);
  // An API of its own with a pool of two connections, so 100 requests in flight share two
  // connections and any state a connection carries would show up in someone else's answer.
  // Same Redis prefix as the shared stack: its tenant caches hear the shared worker's events.
  // 100 requests queue for two connections: on a loaded CI machine the wait can pass the default
  // 3 s (503 dependency_unavailable, correct but not what this test is about), so it may wait 60 s.
  // Each connection is recycled after 7 units of work (DB_POOL_MAX_USES): ~140 backends in turn,
  // each closed right after a read-only COMMIT that was armed, not awaited.
  extraStarted = startStack({
    ...shared,
    env: { DB_POOL_SIZE: '2', DB_CONNECT_TIMEOUT_MS: '60000', DB_POOL_MAX_USES: '7' },
    worker: false,
    redisPrefix: shared.env.REDIS_PREFIX,
  });
  extraStarted.catch(() => undefined); // awaited below; stopped in afterAll even if seeding fails
  // User 1 owns tenants 0 and 1; users 2 and 3 own one tenant each.
  const [u1, u2, u3] = await Promise.all([registerUser(sharedRequest), registerUser(sharedRequest), registerUser(sharedRequest)]);
  const made = await Promise.all([u1, u1, u2, u3].map((owner) => activeTenant(sharedRequest, {}, owner)));
  tenants = await Promise.all(
    made.map(async ({ owner, tenant }) => {
      const docs: Doc[] = [];
      for (let i = 1; i <= DOCS_PER_TENANT; i++) {
        const res = await sharedRequest<Doc>('POST', '/api/v1/corpus/documents', {
          token: owner.token,
          headers: { 'x-tenant-id': tenant.id },
          body: { title: `${tenant.slug} doc ${i}`, content: `only for ${tenant.slug}` },
        });
        if (res.status !== 201) throw new Error(`seeding ${tenant.slug}: ${res.status} ${JSON.stringify(res.body)}`);
        docs.push(res.body);
      }
      return { id: tenant.id, slug: tenant.slug, schema_name: tenant.schema_name, owner, docs };
    }),
  );
  extra = await extraStarted;
});

afterAll(async () => {
  await (await extraStarted?.catch(() => undefined))?.stop();
  await db?.end();
});

/** A deterministic PRNG (mulberry32), so a failing mix can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'list' | 'get' | 'not-member' | 'foreign-id';
interface Planned {
  n: number;
  kind: Kind;
  strategy: Strategy;
  tenant: Canary;
  user: TestUser;
  /** For `get` and `foreign-id`: the document asked for. */
  doc?: Doc;
}

function plan(count: number, seed: number): Planned[] {
  const rnd = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const out: Planned[] = [];
  for (let n = 0; n < count; n++) {
    const r = rnd();
    const kind: Kind = r < 0.4 ? 'list' : r < 0.7 ? 'get' : r < 0.85 ? 'not-member' : 'foreign-id';
    const strategy = pick(STRATEGIES);
    const tenant = pick(tenants);
    if (kind === 'not-member') {
      const outsider = pick(tenants.filter((t) => t.owner.id !== tenant.owner.id)).owner;
      out.push({ n, kind, strategy, tenant, user: outsider, doc: rnd() < 0.5 ? pick(tenant.docs) : undefined });
    } else if (kind === 'foreign-id') {
      const other = pick(tenants.filter((t) => t.id !== tenant.id));
      out.push({ n, kind, strategy, tenant, user: tenant.owner, doc: pick(other.docs) });
    } else {
      out.push({ n, kind, strategy, tenant, user: tenant.owner, doc: kind === 'get' ? pick(tenant.docs) : undefined });
    }
  }
  return out;
}

/** What is wrong with the answer to `p` (empty: nothing). */
function problems(p: Planned, status: number, body: unknown, allDocs: Map<string, Canary>): string[] {
  const found: string[] = [];
  const text = JSON.stringify(body) ?? '';
  // No other tenant's slug (every title carries its slug) and no other tenant's document id,
  // except the foreign id the request itself asked for (echoed in the 404 message).
  for (const t of tenants) if (t.id !== p.tenant.id && text.includes(t.slug)) found.push(`mentions tenant ${t.slug}`);
  for (const [id, owner] of allDocs) {
    if (owner.id !== p.tenant.id && text.includes(id) && !(p.kind === 'foreign-id' && id === p.doc?.id)) found.push(`shows ${owner.slug}'s doc ${id}`);
  }
  const b = body as { documents?: Doc[]; total?: number; id?: string; title?: string; code?: string };
  switch (p.kind) {
    case 'list': {
      if (status !== 200) return [...found, `status ${status}, expected 200`];
      const ids = (b.documents ?? []).map((d) => d.id).sort();
      const expected = p.tenant.docs.map((d) => d.id).sort();
      if (JSON.stringify(ids) !== JSON.stringify(expected)) found.push(`listed ${ids.length} docs, not exactly the tenant's ${expected.length}`);
      if (b.total !== expected.length) found.push(`total ${b.total}, expected ${expected.length}`);
      for (const d of b.documents ?? []) if (!d.title.startsWith(`${p.tenant.slug} `)) found.push(`foreign title ${d.title}`);
      break;
    }
    case 'get':
      if (status !== 200) return [...found, `status ${status}, expected 200`];
      if (b.id !== p.doc!.id || b.title !== p.doc!.title) found.push(`got ${b.id} '${b.title}', expected ${p.doc!.id}`);
      break;
    case 'not-member':
      if (status !== 403 || b.code !== 'not_a_member') found.push(`status ${status} ${b.code}, expected 403 not_a_member`);
      if (b.documents || b.title) found.push('a refused request carried documents');
      break;
    case 'foreign-id':
      if (status !== 404) found.push(`status ${status}, expected 404`);
      if (b.title) found.push(`a foreign id answered with a document '${b.title}'`);
      break;
  }
  return found;
}

describe('leak canary', () => {
  it('1,000 interleaved concurrent requests on a 2-connection pool: every answer is its own tenant\'s', async () => {
    expect(tenants).toHaveLength(4);
    const request: Request = nodeClient(extra!.info.apiUrl);
    const allDocs = new Map<string, Canary>();
    for (const t of tenants) for (const d of t.docs) allDocs.set(d.id, t);
    const planned = plan(1000, 0x7e4a);
    // Every kind and strategy is in the mix.
    for (const kind of ['list', 'get', 'not-member', 'foreign-id'] as const) expect(planned.some((p) => p.kind === kind)).toBe(true);
    for (const s of STRATEGIES) expect(planned.filter((p) => p.strategy === s).length).toBeGreaterThan(150);

    const failures: string[] = [];
    const counts = new Map<number, number>();
    let next = 0;
    const started = Date.now();
    const lane = async (): Promise<void> => {
      while (next < planned.length) {
        const p = planned[next++]!;
        const rest = p.kind === 'list' ? '?limit=100' : p.doc ? `/${p.doc.id}` : '?limit=100';
        const target = documentsVia(p.strategy, p.tenant, rest);
        const res = await request('GET', target.path, { token: p.user.token, headers: target.headers });
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        const found = problems(p, res.status, res.body, allDocs);
        if (found.length > 0) failures.push(`#${p.n} ${p.kind} ${p.strategy} ${p.tenant.slug}: ${found.join('; ')}`);
      }
    };
    await Promise.all(Array.from({ length: 100 }, lane));
    const elapsed = Date.now() - started;
    expect(failures.slice(0, 20), `${failures.length} bad answers of 1000 (${elapsed} ms)`).toEqual([]);
    const expectedCounts = { 200: 0, 403: 0, 404: 0 };
    for (const p of planned) expectedCounts[p.kind === 'list' || p.kind === 'get' ? 200 : p.kind === 'not-member' ? 403 : 404]++;
    expect(Object.fromEntries(counts)).toEqual(expectedCounts);

    // The pool is whole afterwards: every tenant still answers with its own data.
    for (const t of tenants) {
      const res = await request('GET', '/api/v1/corpus/documents?limit=100', { token: t.owner.token, headers: { 'x-tenant-id': t.id } });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(DOCS_PER_TENANT);
    }
  });

  describe('TenantDb on a pool of one connection (in process)', () => {
    let dataSource: DataSource;
    let tenantDb: TenantDb;
    let baseline: { search_path: string; pid: number };
    let a: TenantRef & { slug: string };
    let b: TenantRef & { slug: string };
    const sessionState = async () => {
      const rows = (await dataSource.query(
        `SELECT current_setting('search_path') AS search_path, current_setting('app.tenant_id', true) AS tenant_id,
                pg_backend_pid() AS pid, txid_current_if_assigned()::text AS txid, now() = statement_timestamp() AS autocommit,
                current_user AS role`,
      )) as Array<{ search_path: string; tenant_id: string | null; pid: number; txid: string | null; autocommit: boolean; role: string }>;
      return rows[0]!;
    };
    const rowsTitled = async (schema: string, title: string): Promise<number> => {
      const res = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.documents WHERE title = $1`, [title]);
      return res.rows[0]!.n;
    };

    beforeAll(async () => {
      expect(tenants).toHaveLength(4);
      a = { id: tenants[0]!.id, schemaName: tenants[0]!.schema_name, slug: tenants[0]!.slug };
      b = { id: tenants[2]!.id, schemaName: tenants[2]!.schema_name, slug: tenants[2]!.slug };
      // As the API connects: the runtime role.
      const config = loadConfig({ DATABASE_URL: shared.appDatabaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(32) });
      dataSource = await createDataSource(config, 'leak-test', [DocumentEntity], 1).initialize();
      tenantDb = new TenantDb(dataSource);
      const state = await sessionState();
      baseline = { search_path: state.search_path, pid: state.pid };
      expect(baseline.search_path).not.toContain('tenant_');
    });

    afterAll(async () => {
      await dataSource?.destroy();
    });

    /** The one pooled connection, between units of work: no tenant, no transaction, same backend. */
    const expectCleanConnection = async (label: string) => {
      const state = await sessionState();
      expect(state.pid, `${label}: same pooled connection`).toBe(baseline.pid);
      expect(state.search_path, label).toBe(baseline.search_path);
      expect(state.tenant_id ?? '', label).toBe('');
      expect(state.txid, `${label}: no transaction left open`).toBeNull();
      expect(state.autocommit, `${label}: no transaction left open`).toBe(true);
      expect(state.role, `${label}: back to the runtime role`).toBe('tenantry_app');
    };

    it('a throwing unit of work rolls back, and the connection goes back to the pool without the tenant', async () => {
      const title = `${a.slug} rolled back ${Date.now()}`;
      let inside: { search_path: string; tenant_id: string | null; pid: number; role: string } | undefined;
      await expect(
        tenantDb.run(a, async (m) => {
          await m.query(`INSERT INTO documents (title, content) VALUES ($1, 'x')`, [title]);
          inside = ((await m.query(
            `SELECT current_setting('search_path') AS search_path, current_setting('app.tenant_id', true) AS tenant_id, pg_backend_pid() AS pid, current_user AS role`,
          )) as Array<{ search_path: string; tenant_id: string | null; pid: number; role: string }>)[0];
          expect(await m.query(`SELECT 1 FROM documents WHERE title = $1`, [title])).toHaveLength(1);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      // PostgreSQL shows the setting normalised: quotes only where the name needs them.
      expect({ ...inside, search_path: inside?.search_path.replace(/"/g, '') }).toEqual({
        search_path: a.schemaName,
        tenant_id: a.id,
        pid: baseline.pid,
        role: `tnt_${a.id.replace(/-/g, '')}`,
      });
      await expectCleanConnection('after a throw');
      expect(await rowsTitled(a.schemaName, title)).toBe(0);
    });

    it('repository.save() inside a unit of work that then throws is rolled back too (no early commit)', async () => {
      const title = `${a.slug} saved then thrown ${Date.now()}`;
      await expect(
        tenantDb.run(a, async (m) => {
          const saved = await m.getRepository(DocumentEntity).save({ title, content: 'x', metadata: {} });
          expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
          // Another connection must not see it yet: save() did not commit on its own.
          expect(await rowsTitled(a.schemaName, title)).toBe(0);
          throw new Error('boom after save');
        }),
      ).rejects.toThrow('boom after save');
      await expectCleanConnection('after save + throw');
      expect(await rowsTitled(a.schemaName, title)).toBe(0);
    });

    it('a failing statement rolls back the aborted transaction and the connection is reusable', async () => {
      const title = `${a.slug} before error ${Date.now()}`;
      await expect(
        tenantDb.run(a, async (m) => {
          await m.query(`INSERT INTO documents (title) VALUES ($1)`, [title]);
          await m.query(`SELECT * FROM no_such_table`);
        }),
      ).rejects.toThrow(/no_such_table/);
      await expectCleanConnection('after an SQL error');
      expect(await rowsTitled(a.schemaName, title)).toBe(0);
    });

    it('a successful unit of work commits into its own tenant only', async () => {
      const title = `${b.slug} committed ${Date.now()}`;
      const saved = await tenantDb.run(b, (m) => m.getRepository(DocumentEntity).save({ title, content: 'kept', metadata: {} }));
      await expectCleanConnection('after a commit');
      expect(await rowsTitled(b.schemaName, title)).toBe(1);
      expect(await rowsTitled(a.schemaName, title)).toBe(0);
      const seenFromA = await tenantDb.run(a, (m) => m.getRepository(DocumentEntity).findOneBy({ id: saved.id }));
      expect(seenFromA).toBeNull();
    });

    it('units of work for different tenants queued on the one connection each see only their tenant', async () => {
      const runs = Array.from({ length: 40 }, (_, i) => {
        const t = i % 2 === 0 ? a : b;
        // Read-only and read-write units of work mixed: a read-only one's COMMIT rides in front of the next one's opening.
        return tenantDb.run(
          t,
          async (m) => {
            const titles = ((await m.query(`SELECT title FROM documents`)) as Array<{ title: string }>).map((r) => r.title);
            const pid = ((await m.query(`SELECT pg_backend_pid() AS pid`)) as Array<{ pid: number }>)[0]!.pid;
            if (i % 3 === 0) throw new Error(`planned failure ${i}`);
            return { slug: t.slug, titles, pid };
          },
          { readOnly: i % 4 < 2 },
        );
      });
      const results = await Promise.allSettled(runs);
      results.forEach((r, i) => {
        if (i % 3 === 0) {
          expect(r.status).toBe('rejected');
          return;
        }
        expect(r.status).toBe('fulfilled');
        const v = (r as PromiseFulfilledResult<{ slug: string; titles: string[]; pid: number }>).value;
        expect(v.pid).toBe(baseline.pid);
        expect(v.titles.length).toBeGreaterThanOrEqual(DOCS_PER_TENANT);
        for (const title of v.titles) expect(title.startsWith(`${v.slug} `), `${v.slug} saw '${title}'`).toBe(true);
      });
      await expectCleanConnection('after interleaved units of work');
    });

    /**
     * Spies on what the one pooled connection sends: every statement submitted to pg, and the
     * socket's flushes (a round trip is one flush: `_writev` for several corked messages, `_write` for one).
     */
    const spyOnPooledConnection = async () => {
      const client = (await (dataSource.driver as unknown as { master: pg.Pool }).master.connect()) as pg.PoolClient & { connection: { stream: object } };
      const stream = client.connection.stream as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
      client.release();
      return { write: vi.spyOn(stream, '_write'), writev: vi.spyOn(stream, '_writev'), query: vi.spyOn(pg.Client.prototype, 'query') };
    };

    it('the opening travels with the first query: one write to the socket, no round trip of its own', async () => {
      const { write, writev, query } = await spyOnPooledConnection();
      let statements: string[];
      let writevs: number;
      try {
        const titles = await tenantDb.run(a, async (m) => ((await m.query(`SELECT title FROM documents ORDER BY title LIMIT 1`)) as Array<{ title: string }>).map((r) => r.title));
        expect(titles).toHaveLength(1);
        statements = query.mock.calls.map((call) => String(call[0]));
        writevs = writev.mock.calls.length;
        expect(write.mock.calls.length, 'COMMIT goes alone, the only other packet').toBe(1);
      } finally {
        query.mockRestore();
        write.mockRestore();
        writev.mockRestore();
      }
      expect(statements[0]).toMatch(/^BEGIN; SET LOCAL search_path TO /);
      expect(statements.slice(1)).toEqual(['SELECT title FROM documents ORDER BY title LIMIT 1', 'COMMIT']);
      // The opening and the query leave in one corked writev; COMMIT is the second and last packet.
      expect(writevs, 'opening + first query in one writev').toBe(1);
      await expectCleanConnection('after a pipelined opening');
    });

    it('a unit of work that sends no query sends nothing at all, not even BEGIN', async () => {
      const query = vi.spyOn(pg.Client.prototype, 'query');
      try {
        expect(await tenantDb.run(a, async () => 'no query')).toBe('no query');
        await expect(tenantDb.run(a, async () => Promise.reject(new Error('threw before any query')))).rejects.toThrow('threw before any query');
        expect(query.mock.calls).toEqual([]);
      } finally {
        query.mockRestore();
      }
      await expectCleanConnection('after units of work without queries');
    });

    it("a failing opening (the tenant's role is gone) fails the unit of work with its own error, and nothing runs outside the tenant", async () => {
      const ghost: TenantRef = { id: '00000000-0000-4000-8000-00000000dead', schemaName: a.schemaName };
      let ran = false;
      await expect(
        tenantDb.run(ghost, async (m) => {
          await m.query(`SELECT title FROM documents`);
          ran = true;
        }),
      ).rejects.toThrow(/role "tnt_0000000000004000800000000000dead" does not exist/);
      expect(ran, "the query behind the failed opening must not run (25P02), let alone in A's schema").toBe(false);
      await expect(tenantDb.run(ghost, async () => 'never queried')).resolves.toBe('never queried');
      await expectCleanConnection('after a failed opening');
      // The connection still serves a real tenant afterwards.
      const titles = await tenantDb.run(b, async (m) => ((await m.query(`SELECT title FROM documents`)) as Array<{ title: string }>).map((r) => r.title));
      for (const title of titles) expect(title.startsWith(`${b.slug} `)).toBe(true);
    });

    it('a read-only unit of work: PostgreSQL refuses every write in it, and nothing of it is kept', async () => {
      const title = `${a.slug} read-only write ${Date.now()}`;
      await expect(tenantDb.run(a, (m) => m.query(`INSERT INTO documents (title) VALUES ($1)`, [title]), { readOnly: true })).rejects.toThrow(
        /cannot execute INSERT in a read-only transaction/,
      );
      await expect(tenantDb.run(a, (m) => m.query(`SELECT * FROM documents FOR UPDATE`), { readOnly: true })).rejects.toThrow(/read-only transaction/);
      await expectCleanConnection('after refused writes');
      expect(await rowsTitled(a.schemaName, title)).toBe(0);
    });

    it("a read-only unit of work's COMMIT is not waited for: it leaves in one packet with the next unit of work's opening and first query", async () => {
      const { write, writev, query } = await spyOnPooledConnection();
      let statements: string[];
      let packets: { writes: number; writevs: number };
      let titlesOfB: string[];
      try {
        const one = `SELECT title FROM documents ORDER BY title LIMIT 1`;
        await tenantDb.run(a, (m) => m.query(one), { readOnly: true });
        titlesOfB = await tenantDb.run(b, async (m) => ((await m.query(`SELECT title FROM documents`)) as Array<{ title: string }>).map((r) => r.title), { readOnly: true });
        statements = query.mock.calls.map((call) => String(call[0]));
        packets = { writes: write.mock.calls.length, writevs: writev.mock.calls.length };
      } finally {
        query.mockRestore();
        write.mockRestore();
        writev.mockRestore();
      }
      expect(statements.map((sql) => sql.replace(/; SET LOCAL .*/, '; SET LOCAL ...'))).toEqual([
        'BEGIN READ ONLY; SET LOCAL ...',
        'SELECT title FROM documents ORDER BY title LIMIT 1',
        'COMMIT',
        'BEGIN READ ONLY; SET LOCAL ...',
        'SELECT title FROM documents',
      ]);
      expect(statements[3]).toContain(b.schemaName);
      // A's opening + query, then A's COMMIT + B's opening + B's query: two packets for two units of work; B's COMMIT is still armed.
      expect(packets).toEqual({ writes: 0, writevs: 2 });
      for (const title of titlesOfB) expect(title.startsWith(`${b.slug} `), `B saw '${title}'`).toBe(true);
      await expectCleanConnection('after two read-only units of work');
    });

    it('when nobody takes the connection, the armed COMMIT goes out by itself: the backend is idle, not idle in transaction', async () => {
      await tenantDb.run(a, (m) => m.query(`SELECT 1 FROM documents LIMIT 1`), { readOnly: true });
      const stateOfPooledBackend = async () =>
        (await db.query<{ state: string }>(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [baseline.pid])).rows[0]?.state;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await stateOfPooledBackend()).toBe('idle');
      await expectCleanConnection('after a lone read-only unit of work');
    });

    it('outside run() nothing reaches tenant data: no fallback to public', async () => {
      await expect(dataSource.query(`SELECT * FROM documents`)).rejects.toThrow(/relation "documents" does not exist/);
      expect(() => tenantDb.manager).toThrow(NoTenantContextError);
      await expectCleanConnection('after a refused query');
    });
  });
});
