// Tenant isolation over HTTP: whatever way a request names its tenant (X-Tenant-ID,
// X-Tenant-Slug, subdomain, /api/v1/{slug}/ prefix), it reaches that tenant's data and
// nothing else; and each document lands in its own tenant's schema, never in public.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, registerUser, type TestUser, type Doc } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { documentsVia, STRATEGIES, tenantHost, type TenantKey } from '../support/tenant-routes.js';
import { pgPool } from '../support/tenant-schema.js';

const stack = inject('stack');
// node:http, not fetch: fetch drops the Host header that subdomain resolution needs.
const request = nodeClient(stack.apiUrl);

interface Fixture extends TenantKey {
  schema_name: string;
  owner: TestUser;
  docs: Doc[];
}

async function seed(owner: TestUser, tenant: { id: string; slug: string; schema_name: string }, n = 3): Promise<Fixture> {
  const docs: Doc[] = [];
  for (let i = 1; i <= n; i++) {
    const res = await request<Doc>('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id },
      body: { title: `${tenant.slug} doc ${i}`, content: `secret of ${tenant.slug} #${i}`, metadata: { tenant: tenant.slug, i } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    docs.push(res.body);
  }
  return { id: tenant.id, slug: tenant.slug, schema_name: tenant.schema_name, owner, docs };
}

/** The doc as it is now, read through its own tenant. */
async function readThroughOwnTenant(t: Fixture, id: string) {
  return request<Doc>('GET', `/api/v1/corpus/documents/${id}`, { token: t.owner.token, headers: { 'x-tenant-id': t.id } });
}

async function listAll(t: Fixture, token = t.owner.token) {
  return request<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?limit=100', {
    token,
    headers: { 'x-tenant-id': t.id },
  });
}

// Tenants A and B have different owners; C and D share one owner.
let A: Fixture;
let B: Fixture;
let C: Fixture;
let D: Fixture;
/** Documents created in C through each strategy by test (b). */
const createdInC: Doc[] = [];
let db: pg.Pool;

beforeAll(async () => {
  db = pgPool(stack.databaseUrl);
  const shared = await registerUser(request, 'Owner of C and D');
  const [a, b, c, d] = await Promise.all([activeTenant(request), activeTenant(request), activeTenant(request, {}, shared), activeTenant(request, {}, shared)]);
  [A, B, C, D] = await Promise.all([seed(a.owner, a.tenant), seed(b.owner, b.tenant), seed(shared, c.tenant), seed(shared, d.tenant)]);
});

afterAll(async () => {
  await db?.end();
});

describe('tenant isolation', () => {
  it('(a) a user is refused another owner\'s tenant by every resolution strategy and never sees its data', async () => {
    const bIds = B.docs.map((d) => d.id);
    const bSecrets = [...B.docs.map((d) => d.title), ...B.docs.map((d) => d.content)];
    for (const strategy of STRATEGIES) {
      // Control: the strategy does reach A for A's owner, with only A's documents.
      const own = documentsVia(strategy, A, '?limit=100');
      const ownList = await request('GET', own.path, { token: A.owner.token, headers: own.headers });
      expect(ownList.status, `${strategy}: own list ${JSON.stringify(ownList.body)}`).toBe(200);
      expect(ownList.body.documents.map((d: Doc) => d.id).sort(), strategy).toEqual(A.docs.map((d) => d.id).sort());

      const attempts = [
        { method: 'GET', target: documentsVia(strategy, B, '?limit=100') },
        { method: 'GET', target: documentsVia(strategy, B, `/${bIds[0]}`) },
        { method: 'POST', target: documentsVia(strategy, B), body: { title: `${A.slug} intruder`, content: 'x' } },
        { method: 'PATCH', target: documentsVia(strategy, B, `/${bIds[1]}`), body: { title: 'hijacked' } },
        { method: 'DELETE', target: documentsVia(strategy, B, `/${bIds[2]}`) },
      ];
      for (const attempt of attempts) {
        const res = await request(attempt.method, attempt.target.path, { token: A.owner.token, headers: attempt.target.headers, body: attempt.body });
        const label = `${strategy} ${attempt.method} ${attempt.target.path}`;
        expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(403);
        expect(res.body, label).toMatchObject({ statusCode: 403, code: 'not_a_member' });
        const text = JSON.stringify(res.body);
        for (const leaked of [...bIds, ...bSecrets]) expect(text, label).not.toContain(leaked);
      }
    }
    // B is exactly as it was: nothing created, changed or deleted.
    const after = await listAll(B);
    expect(after.status).toBe(200);
    expect(after.body.documents.map((d) => d.id).sort()).toEqual([...bIds].sort());
    for (const doc of B.docs) expect((await readThroughOwnTenant(B, doc.id)).body).toEqual(doc);
  });

  it('(b) one owner of two tenants: each tenant serves only its own documents, by every strategy', async () => {
    const cIds = new Set(C.docs.map((d) => d.id));
    for (const strategy of STRATEGIES) {
      const list = documentsVia(strategy, C, '?limit=100');
      const res = await request('GET', list.path, { token: C.owner.token, headers: list.headers });
      expect(res.status, `${strategy}: ${JSON.stringify(res.body)}`).toBe(200);
      const ids: string[] = res.body.documents.map((d: Doc) => d.id);
      expect(ids.sort(), strategy).toEqual([...cIds, ...createdInC.map((d) => d.id)].sort());
      expect(res.body.total, strategy).toBe(ids.length);
      for (const d of res.body.documents as Doc[]) expect(d.title.startsWith(`${C.slug} `), `${strategy}: ${d.title}`).toBe(true);

      // D's documents through C: not found (not forbidden: the caller may use C, the id is just not in it).
      const [d1, d2, d3] = D.docs;
      const get = documentsVia(strategy, C, `/${d1!.id}`);
      const got = await request('GET', get.path, { token: C.owner.token, headers: get.headers });
      expect(got.status, `${strategy} GET D's doc through C: ${JSON.stringify(got.body)}`).toBe(404);
      expect(JSON.stringify(got.body)).not.toContain(d1!.title);
      const patch = documentsVia(strategy, C, `/${d2!.id}`);
      const patched = await request('PATCH', patch.path, {
        token: C.owner.token,
        headers: patch.headers,
        body: { title: 'hijacked', content: 'overwritten', metadata: { owned: true } },
      });
      expect(patched.status, `${strategy} PATCH D's doc through C: ${JSON.stringify(patched.body)}`).toBe(404);
      const del = documentsVia(strategy, C, `/${d3!.id}`);
      const deleted = await request('DELETE', del.path, { token: C.owner.token, headers: del.headers });
      expect(deleted.status, `${strategy} DELETE D's doc through C: ${JSON.stringify(deleted.body)}`).toBe(404);

      // A write through this strategy lands in C.
      const post = documentsVia(strategy, C);
      const created = await request<Doc>('POST', post.path, {
        token: C.owner.token,
        headers: post.headers,
        body: { title: `${C.slug} via ${strategy}`, content: `written via ${strategy}` },
      });
      expect(created.status, `${strategy} POST: ${JSON.stringify(created.body)}`).toBe(201);
      createdInC.push(created.body);
      expect((await readThroughOwnTenant(C, created.body.id)).status).toBe(200);
      expect((await readThroughOwnTenant(D, created.body.id)).status).toBe(404);
    }
    // D, read through D: every document unchanged, none added.
    const dList = await listAll(D);
    expect(dList.status).toBe(200);
    expect(dList.body.documents.map((d) => d.id).sort()).toEqual(D.docs.map((d) => d.id).sort());
    for (const doc of D.docs) {
      const now = await readThroughOwnTenant(D, doc.id);
      expect(now.status).toBe(200);
      expect(now.body).toEqual(doc);
    }
  });

  it('(c) a header, path or host naming another tenant is refused with 400, serving neither (API.md)', async () => {
    const cases: Array<{ label: string; path: string; headers: Record<string, string> }> = [
      { label: 'X-Tenant-Slug C on /api/v1/D/', path: `/api/v1/${D.slug}/corpus/documents?limit=100`, headers: { 'x-tenant-slug': C.slug } },
      { label: 'X-Tenant-ID C on /api/v1/D/', path: `/api/v1/${D.slug}/corpus/documents?limit=100`, headers: { 'x-tenant-id': C.id } },
      { label: 'X-Tenant-ID C on host D', path: '/api/v1/corpus/documents?limit=100', headers: { 'x-tenant-id': C.id, host: tenantHost(D.slug) } },
      { label: 'host C on /api/v1/D/', path: `/api/v1/${D.slug}/corpus/documents?limit=100`, headers: { host: tenantHost(C.slug) } },
    ];
    for (const c of cases) {
      const res = await request('GET', c.path, { token: C.owner.token, headers: c.headers });
      expect(res.status, `${c.label}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.code, c.label).toBe('tenant_conflict');
      expect(res.body, c.label).not.toHaveProperty('documents');
    }

    // By id: neither tenant answers, so neither C's nor D's document is served.
    const byId = (id: string) =>
      request('GET', `/api/v1/${D.slug}/corpus/documents/${id}`, { token: C.owner.token, headers: { 'x-tenant-slug': C.slug } });
    for (const id of [C.docs[0]!.id, D.docs[0]!.id]) {
      const res = await byId(id);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain('secret of');
    }

    // A member of A naming B by header on A's path is refused, and so is the reverse.
    for (const [path, slug] of [[A.slug, B.slug], [B.slug, A.slug]] as const) {
      const refused = await request('GET', `/api/v1/${path}/corpus/documents`, { token: A.owner.token, headers: { 'x-tenant-slug': slug } });
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(refused.body.code).toBe('tenant_conflict');
    }
    // Naming the same tenant by header and path serves it, only it.
    const served = await request('GET', `/api/v1/${A.slug}/corpus/documents?limit=100`, { token: A.owner.token, headers: { 'x-tenant-slug': A.slug } });
    expect(served.status, JSON.stringify(served.body)).toBe(200);
    expect(served.body.documents.map((d: Doc) => d.id).sort()).toEqual(A.docs.map((d) => d.id).sort());
  });

  it('(d) each document is stored in its own tenant schema and public has no documents table', async () => {
    const all = [A, B, C, D];
    const expected = new Map<string, string[]>(all.map((t) => [t.schema_name, t.docs.map((d) => d.id)]));
    expected.get(C.schema_name)!.push(...createdInC.map((d) => d.id));
    expect(createdInC).toHaveLength(STRATEGIES.length);
    for (const t of all) {
      expect(t.schema_name).toBe(`tenant_${t.slug.replace(/-/g, '_')}`);
      const rows = await db.query<{ id: string; title: string }>(`SELECT id, title FROM ${pg.escapeIdentifier(t.schema_name)}.documents`);
      expect(rows.rows.map((r) => r.id).sort(), t.schema_name).toEqual([...expected.get(t.schema_name)!].sort());
      for (const r of rows.rows) expect(r.title.startsWith(`${t.slug} `), `${t.schema_name}: ${r.title}`).toBe(true);
    }
    // D's rows as written (the PATCH/DELETE through C touched nothing).
    const dRows = await db.query<{ id: string; title: string; content: string }>(
      `SELECT id, title, content FROM ${pg.escapeIdentifier(D.schema_name)}.documents ORDER BY title`,
    );
    expect(dRows.rows).toEqual(D.docs.map((d) => ({ id: d.id, title: d.title, content: d.content })).sort((x, y) => x.title.localeCompare(y.title)));

    const inPublic = await db.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name IN ('documents', 'chat_sessions', 'chat_messages', 'fine_tune_jobs', '_migrations')`,
    );
    expect(inPublic.rows).toEqual([]);
    const regclass = await db.query<{ r: string | null }>(`SELECT to_regclass('public.documents')::text AS r`);
    expect(regclass.rows[0]?.r).toBeNull();
  });
});
