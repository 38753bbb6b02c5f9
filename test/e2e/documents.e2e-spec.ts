import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, registerUser, type TestUser, waitForStatus, type Doc } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { type Stack, startStack, TEST_BASE_DOMAIN } from '../support/stack.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const nodeRequest = nodeClient(stack.apiUrl);

// An extra API + worker (own Redis prefix, so own queues) whose worker holds each provisioning
// transaction open for 3 s, so its tenants stay `provisioning` long enough to observe. Started
// now so that it boots while the other tests of this file run.
const slowStack = startStack({
  databaseUrl: stack.databaseUrl,
  serverUrl: stack.serverUrl,
  redisUrl: stack.redisUrl,
  dataDir: stack.dataDir,
  workerEnv: { FAILPOINTS: 'provision.sleep_ms=3000' },
});
slowStack.catch(() => undefined); // reported where it is awaited
afterAll(async () => {
  await (await slowStack.catch(() => undefined))?.stop();
});

interface DocList {
  documents: Doc[];
  total: number;
  skip: number;
  limit: number;
}

function expectError(res: { status: number; body: unknown }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  if (code) expect((res.body as { code?: string }).code).toBe(code);
}

/** Document calls in one tenant, through the X-Tenant-ID header. */
function docsOf(owner: TestUser, tenantId: string) {
  const headers = { 'x-tenant-id': tenantId };
  return {
    create: (body: unknown) => request<Doc>('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body }),
    list: (query = '') => request<DocList>('GET', `/api/v1/corpus/documents${query}`, { token: owner.token, headers }),
    get: (id: string) => request<Doc>('GET', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers }),
    patch: (id: string, body: unknown) => request<Doc>('PATCH', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers, body }),
    delete: (id: string) => request('DELETE', `/api/v1/corpus/documents/${id}`, { token: owner.token, headers }),
  };
}

async function newTenantDocs() {
  const { owner, tenant } = await activeTenant(request);
  return { owner, tenant, docs: docsOf(owner, tenant.id) };
}

describe('documents: CRUD', () => {
  it('creates, lists newest first, gets, patches and deletes', async () => {
    const { docs } = await newTenantDocs();
    const created = await docs.create({ title: '  First  ', content: 'hello world', metadata: { source: 'test', n: 1 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      title: 'First',
      content: 'hello world',
      metadata: { source: 'test', n: 1 },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(created.body.created_at))).toBe(false);
    const second = await docs.create({ title: 'Second' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ title: 'Second', content: '', metadata: {} });
    const third = await docs.create({ title: 'Third', content: 'x' });

    const list = await docs.list();
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, skip: 0, limit: 20 });
    expect(list.body.documents.map((d) => d.id)).toEqual([third.body.id, second.body.id, created.body.id]);
    expect(list.body.documents[2]).toEqual(created.body);

    const got = await docs.get(created.body.id);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const patched = await docs.patch(created.body.id, { title: 'First, revised', metadata: { replaced: true } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: created.body.id, title: 'First, revised', content: 'hello world', metadata: { replaced: true } });
    expect(patched.body.created_at).toBe(created.body.created_at);
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at));
    expect((await docs.get(created.body.id)).body).toEqual(patched.body);

    const contentOnly = await docs.patch(created.body.id, { content: 'new content' });
    expect(contentOnly.body).toMatchObject({ title: 'First, revised', content: 'new content', metadata: { replaced: true } });

    const deleted = await docs.delete(created.body.id);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expectError(await docs.get(created.body.id), 404);
    expectError(await docs.delete(created.body.id), 404);
    expectError(await docs.patch(created.body.id, { title: 'zombie' }), 404);
    const after = await docs.list();
    expect(after.body.total).toBe(2);
    expect(after.body.documents.map((d) => d.id)).toEqual([third.body.id, second.body.id]);
  });

  it('works the same with X-Tenant-Slug, the subdomain and the /api/v1/{slug}/ prefix', async () => {
    const { owner, tenant, docs } = await newTenantDocs();
    const viaPath = await request<Doc>('POST', `/api/v1/${tenant.slug}/corpus/documents`, { token: owner.token, body: { title: 'by path' } });
    expect(viaPath.status).toBe(201);
    const viaHost = await nodeRequest<Doc>('POST', '/api/v1/corpus/documents', {
      headers: { host: `${tenant.slug}.${TEST_BASE_DOMAIN}` },
      token: owner.token,
      body: { title: 'by host' },
    });
    expect(viaHost.status).toBe(201);
    const viaSlug = await request<Doc>('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-slug': tenant.slug },
      body: { title: 'by slug header' },
    });
    expect(viaSlug.status).toBe(201);
    const list = await docs.list();
    expect(list.body.documents.map((d) => d.title)).toEqual(['by slug header', 'by host', 'by path']);
    const got = await request<Doc>('GET', `/api/v1/${tenant.slug}/corpus/documents/${viaHost.body.id}`, { token: owner.token });
    expect(got.body).toEqual(viaHost.body);
  });

  it('keeps each tenant’s documents to itself', async () => {
    const { owner, tenant, docs } = await newTenantDocs();
    const other = await createTenant(request, owner.token);
    await waitForStatus(request, owner.token, other.id);
    const otherDocs = docsOf(owner, other.id);
    const mine = await docs.create({ title: 'mine', content: 'secret' });
    expect(mine.status).toBe(201);
    expect((await otherDocs.list()).body).toMatchObject({ documents: [], total: 0 });
    expectError(await otherDocs.get(mine.body.id), 404);
    expectError(await otherDocs.patch(mine.body.id, { title: 'stolen' }), 404);
    expectError(await otherDocs.delete(mine.body.id), 404);
    expect((await docs.get(mine.body.id)).body).toEqual(mine.body);
    expect(tenant.id).not.toBe(other.id);
  });
});

describe('documents: max_documents', () => {
  /** A fresh tenant whose settings cap it at `max` documents (an override below its plan's). */
  async function cappedTenant(max: number) {
    const t = await newTenantDocs();
    const patched = await request('PATCH', `/api/tenants/${t.tenant.id}`, { token: t.owner.token, body: { settings: { max_documents: max } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    return t;
  }

  it('at the limit a POST is 403 corpus_limit_reached and adds nothing; PATCH still works; a DELETE frees room; another tenant is unaffected', async () => {
    const { owner, docs } = await cappedTenant(3);
    const made: Doc[] = [];
    for (const title of ['one', 'two', 'three']) {
      const res = await docs.create({ title, content: `${title} content` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      made.push(res.body);
    }
    const refused = await docs.create({ title: 'four', content: 'over the top' });
    expectError(refused, 403, 'corpus_limit_reached');
    expect(refused.body).toMatchObject({ details: { limit: 'max_documents', max: 3, used: 3, adding: 1 } });
    const listed = await docs.list('?limit=100');
    expect(listed.body.total).toBe(3);
    expect(listed.body.documents.map((d) => d.title).sort()).toEqual(['one', 'three', 'two']);
    expect((await docs.list('?q=over')).body.total).toBe(0);

    // Changing a document adds none: allowed at the limit.
    const patched = await docs.patch(made[0]!.id, { title: 'one, revised', content: 'revised at the limit' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await docs.get(made[0]!.id)).body).toMatchObject({ title: 'one, revised', content: 'revised at the limit' });

    // The same owner's other tenant has its own count (its plan's limit, no override).
    const other = await createTenant(request, owner.token);
    await waitForStatus(request, owner.token, other.id);
    const otherDocs = docsOf(owner, other.id);
    for (let i = 0; i < 4; i++) expect((await otherDocs.create({ title: `elsewhere ${i}` })).status).toBe(201);
    expect((await otherDocs.list()).body.total).toBe(4);
    expect((await docs.list()).body.total).toBe(3);

    // Deleting one makes room for exactly one.
    expect((await docs.delete(made[1]!.id)).status).toBe(204);
    const again = await docs.create({ title: 'four', content: 'now it fits' });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expectError(await docs.create({ title: 'five' }), 403, 'corpus_limit_reached');
    expect((await docs.list()).body.total).toBe(3);
  });

  it('concurrent POSTs near the limit never pass it', async () => {
    const { docs } = await cappedTenant(5);
    for (let i = 0; i < 3; i++) expect((await docs.create({ title: `before ${i}` })).status).toBe(201);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => docs.create({ title: `race ${i}`, content: `racer number ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, ...Array<number>(8).fill(403)]);
    for (const r of results.filter((x) => x.status === 403)) expect(r.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_documents', max: 5, used: 5 } });
    const listed = await docs.list('?limit=100');
    expect(listed.body.total).toBe(5);
    expect(listed.body.documents.filter((d) => d.title.startsWith('race ')).length).toBe(2);
  });
});

describe('documents: search and pagination', () => {
  let docs: ReturnType<typeof docsOf>;
  const ids: string[] = [];

  beforeAll(async () => {
    ({ docs } = await newTenantDocs());
    const bodies = [
      { title: 'Onboarding guide', content: 'Welcome aboard. Read the handbook first.' },
      { title: 'Expense policy', content: 'Receipts are required for every purchase over fifty euros.' },
      { title: 'Security', content: 'Rotate your passwords and never share receipts by email.' },
      { title: 'Holidays', content: 'Twenty-five days a year.' },
      { title: 'Handbook', content: 'The company handbook.' },
    ];
    for (const body of bodies) {
      const res = await docs.create(body);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
  });

  it('?q= finds documents by a word in their content or title', async () => {
    const receipts = await docs.list('?q=receipts');
    expect(receipts.status).toBe(200);
    expect(receipts.body.total).toBe(2);
    expect(receipts.body.documents.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    const handbook = await docs.list('?q=handbook');
    expect(handbook.body.documents.map((d) => d.id)).toEqual([ids[4], ids[0]]);
    const holidays = await docs.list('?q=twenty-five');
    expect(holidays.body.documents.map((d) => d.id)).toEqual([ids[3]]);
    const none = await docs.list('?q=unicorn');
    expect(none.body).toMatchObject({ documents: [], total: 0 });
    const both = await docs.list('?q=receipts%20email');
    expect(both.body.documents.map((d) => d.id)).toEqual([ids[2]]);
  });

  it('search input is data, never SQL', async () => {
    for (const q of ["'; drop table documents; --", "receipts' OR '1'='1", '!!!&|:*()', '\\']) {
      const res = await docs.list(`?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect((await docs.list()).body.total).toBe(5);
  });

  it('pages with skip and limit, newest first, with the total', async () => {
    const newestFirst = [...ids].reverse();
    const page1 = await docs.list('?limit=2');
    expect(page1.body).toMatchObject({ total: 5, skip: 0, limit: 2 });
    expect(page1.body.documents.map((d) => d.id)).toEqual(newestFirst.slice(0, 2));
    const page2 = await docs.list('?skip=2&limit=2');
    expect(page2.body.documents.map((d) => d.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await docs.list('?skip=4&limit=2');
    expect(page3.body.documents.map((d) => d.id)).toEqual(newestFirst.slice(4));
    const past = await docs.list('?skip=5');
    expect(past.body).toMatchObject({ documents: [], total: 5, skip: 5 });
    const searchPage = await docs.list('?q=receipts&limit=1&skip=1');
    expect(searchPage.body).toMatchObject({ total: 2, skip: 1, limit: 1 });
    expect(searchPage.body.documents.map((d) => d.id)).toEqual([ids[1]]);
  });

  it.each(['?limit=101', '?limit=0', '?skip=-1', '?limit=x', `?q=${'a'.repeat(501)}`, '?unknown=1'])('refuses %s with 400', async (query) => {
    expectError(await docs.list(query), 400);
  });
});

describe('documents: bad input', () => {
  /** One tenant for every refused request: each refusal must leave it without documents. */
  let shared: Awaited<ReturnType<typeof newTenantDocs>>;
  beforeAll(async () => {
    shared = await newTenantDocs();
  });

  it.each([
    ['a missing title', { content: 'no title' }, 'title'],
    ['an empty title', { title: '' }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['a numeric title', { title: 42 }, 'title'],
    ['a title over 500 characters', { title: 'x'.repeat(501) }, 'title'],
    ['numeric content', { title: 't', content: 5 }, 'content'],
    ['an unknown field', { title: 't', author: 'me' }, 'author'],
    ['an id', { title: 't', id: randomUUID() }, 'id'],
    ['metadata as an array', { title: 't', metadata: [1] }, 'metadata'],
    ['metadata as a string', { title: 't', metadata: 'x' }, 'metadata'],
    ['metadata as a number', { title: 't', metadata: 3 }, 'metadata'],
  ])('create with %s is 400 and creates nothing', async (_what, body, field) => {
    const { docs } = shared;
    const res = await docs.create(body);
    expectError(res, 400);
    expect(res.body).toHaveProperty('details');
    expect((res.body as unknown as { details: Array<{ field: string }> }).details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field })]),
    );
    expect((await docs.list()).body.total).toBe(0);
  });

  it('create with a missing body or malformed JSON is 400 and creates nothing', async () => {
    const { owner, tenant, docs } = shared;
    expectError(await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } }), 400);
    const malformed = await request('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id, 'content-type': 'application/json' },
      rawBody: '{"title": ',
    });
    expectError(malformed, 400);
    expect((await docs.list()).body.total).toBe(0);
  });

  it('patch with bad values is 400 and changes nothing', async () => {
    const { docs } = await newTenantDocs(); // its own tenant: this one creates a document
    const doc = (await docs.create({ title: 'Original', content: 'c', metadata: { a: 1 } })).body;
    for (const body of [{ title: '' }, { title: 7 }, { metadata: [] }, { metadata: 'x' }, { content: 1 }, { extra: true }, { title: 'Changed', metadata: 'x' }]) {
      expectError(await docs.patch(doc.id, body), 400);
    }
    expect((await docs.get(doc.id)).body).toEqual(doc);
  });

  it('a non-uuid id is 400 and an unknown uuid is 404', async () => {
    const { docs } = shared;
    for (const id of ['not-a-uuid', '123', "1' or '1'='1"]) {
      const path = encodeURIComponent(id);
      expectError(await docs.get(path), 400);
      expectError(await docs.patch(path, { title: 'x' }), 400);
      expectError(await docs.delete(path), 400);
    }
    const unknown = randomUUID();
    expectError(await docs.get(unknown), 404);
    expectError(await docs.patch(unknown, { title: 'x' }), 404);
    expectError(await docs.delete(unknown), 404);
  });

  it('no tenant in the request is 400; an unknown tenant is 404; no token is 401', async () => {
    const { owner } = shared;
    const none = await request('GET', '/api/v1/corpus/documents', { token: owner.token });
    expectError(none, 400);
    expect((none.body as { message: string }).message).toMatch(/tenant/i);
    expectError(await request('POST', '/api/v1/corpus/documents', { token: owner.token, body: { title: 't' } }), 400);
    expectError(await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': randomUUID() } }), 404);
    expectError(await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-slug': 'no-such-tenant-here' } }), 404);
    expectError(await request('GET', '/api/v1/no-such-tenant-here/corpus/documents', { token: owner.token }), 404);
    expectError(await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-slug': 'Bad Slug!' } }), 404);
    expectError(await request('GET', '/api/v1/corpus/documents', { headers: { 'x-tenant-id': randomUUID() } }), 401);
  });
});

describe('documents: a tenant still provisioning', () => {
  let slow: Stack;
  beforeAll(async () => {
    slow = await slowStack;
  });

  it('answers 409 tenant_not_ready until the tenant is active, then works', async () => {
    const slowRequest = client(slow.info.apiUrl);
    const owner = await registerUser(slowRequest);
    const tenant = await createTenant(slowRequest, owner.token);
    expect(tenant.status).toBe('provisioning');
    const headers = { 'x-tenant-id': tenant.id };
    const list = await slowRequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers });
    expectError(list, 409, 'tenant_not_ready');
    expect((list.body as { message: string }).message).toContain('tenant_not_ready');
    expectError(await slowRequest('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title: 'too early' } }), 409, 'tenant_not_ready');
    expectError(await slowRequest('GET', `/api/v1/${tenant.slug}/corpus/documents`, { token: owner.token }), 409, 'tenant_not_ready');
    // The shared API sees the same tenant the same way.
    expectError(await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers }), 409, 'tenant_not_ready');
    // Not a member is still refused as such, not as "not ready".
    const outsider = await registerUser(slowRequest);
    expectError(await slowRequest('GET', '/api/v1/corpus/documents', { token: outsider.token, headers }), 403, 'not_a_member');

    await waitForStatus(slowRequest, owner.token, tenant.id, 'active', 20_000);
    const after = await slowRequest<DocList>('GET', '/api/v1/corpus/documents', { token: owner.token, headers });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ documents: [], total: 0 });
    expect((await slowRequest('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title: 'now' } })).status).toBe(201);
  });
});
