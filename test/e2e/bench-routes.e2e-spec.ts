// The bench-only routes (BENCH_ROUTES=true, never in production) boot and serve: bench/ relies
// on them, and nothing else in the suite would notice a broken BenchModule.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
// The tenant the plain baseline's pool is bound to (its connections start in that schema, as that role).
const PLAIN_SLUG = `bench-plain-${Date.now().toString(36)}`;
let stack: Stack | undefined;

beforeAll(async () => {
  stack = await startStack({ ...shared, env: { BENCH_ROUTES: 'true', BENCH_PLAIN_SLUG: PLAIN_SLUG }, worker: false, redisPrefix: shared.env.REDIS_PREFIX });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('bench routes', () => {
  it('an API with BENCH_ROUTES boots; the request-scoped and plain lists serve the tenant’s documents and need a token', async () => {
    const request = client(stack!.info.apiUrl);
    const { owner, tenant } = await activeTenant(client(shared.apiUrl), { slug: PLAIN_SLUG, name: 'bench plain' });
    const created = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title: 'bench doc' } });
    expect(created.status).toBe(201);
    const list = await request('GET', '/bench/request-scoped/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.documents.map((d: { title: string }) => d.title)).toEqual(['bench doc']);
    const plain = await request('GET', '/bench/plain/documents', { token: owner.token });
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    expect(plain.body).toEqual(list.body);
    expect((await request('GET', '/bench/plain/documents')).status).toBe(401);
  });

  it('the no-auth twin of the tenant list answers what JWT and API-key callers get, with no caller, only under BENCH_ROUTES', async () => {
    const request = client(stack!.info.apiUrl);
    const sharedRequest = client(shared.apiUrl);
    const a = await activeTenant(sharedRequest, { name: 'bench no-auth A' });
    const b = await activeTenant(sharedRequest, { name: 'bench no-auth B' });
    for (const [{ owner, tenant }, titles] of [[a, ['a1', 'a2', 'a3']], [b, ['b1']]] as const) {
      for (const title of titles) {
        const created = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title, content: `text of ${title}` } });
        expect(created.status).toBe(201);
      }
    }
    const key = await request('POST', `/api/tenants/${a.tenant.id}/api-keys`, { token: a.owner.token, body: { name: 'bench', scopes: ['corpus:read'] } });
    expect(key.status, JSON.stringify(key.body)).toBe(201);

    const byJwt = await request('GET', '/api/v1/corpus/documents?limit=2', { token: a.owner.token, headers: { 'x-tenant-id': a.tenant.id } });
    const byKey = await request('GET', '/api/v1/corpus/documents?limit=2', { headers: { 'x-tenant-id': a.tenant.id, 'x-api-key': key.body.key } });
    const noAuth = await request('GET', '/bench/no-auth/documents?limit=2', { headers: { 'x-tenant-id': a.tenant.id } });
    expect(byJwt.status).toBe(200);
    expect(byKey.status).toBe(200);
    expect(noAuth.status, JSON.stringify(noAuth.body)).toBe(200);
    expect(noAuth.body.total).toBe(3);
    expect(noAuth.body.documents.map((d: { title: string }) => d.title)).toEqual(['a3', 'a2']);
    expect(noAuth.body).toEqual(byJwt.body);
    expect(noAuth.body).toEqual(byKey.body);
    // Resolved by slug too, through the same code as the real route; the tenant's own row, metered like it.
    const bySlug = await request('GET', '/bench/no-auth/documents', { headers: { 'x-tenant-slug': a.tenant.slug } });
    expect(bySlug.body.total).toBe(3);
    expect(bySlug.headers.get('x-ratelimit-limit')).not.toBeNull();

    // Isolation: tenant B's id answers B's documents only.
    const other = await request('GET', '/bench/no-auth/documents', { headers: { 'x-tenant-id': b.tenant.id } });
    expect(other.status).toBe(200);
    expect(other.body.documents.map((d: { title: string }) => d.title)).toEqual(['b1']);

    // Bad input: the real route's answers (no tenant 400, unknown 404, conflicting 400, bad query 400); no writes exist.
    expect((await request('GET', '/bench/no-auth/documents')).status).toBe(400);
    expect((await request('GET', '/bench/no-auth/documents', { headers: { 'x-tenant-id': '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    const conflict = await request('GET', '/bench/no-auth/documents', { headers: { 'x-tenant-id': a.tenant.id, 'x-tenant-slug': b.tenant.slug } });
    expect(conflict.status).toBe(400);
    expect(conflict.body.code).toBe('tenant_conflict');
    expect((await request('GET', '/bench/no-auth/documents?limit=abc', { headers: { 'x-tenant-id': a.tenant.id } })).status).toBe(400);
    expect((await request('POST', '/bench/no-auth/documents', { headers: { 'x-tenant-id': a.tenant.id }, body: { title: 'x' } })).status).toBe(404);
    expect((await request('GET', '/api/v1/corpus/documents', { token: a.owner.token, headers: { 'x-tenant-id': a.tenant.id } })).body.total).toBe(3);

    // Without BENCH_ROUTES (the shared API) the route does not exist, with or without a caller.
    expect((await sharedRequest('GET', '/bench/no-auth/documents', { headers: { 'x-tenant-id': a.tenant.id } })).status).toBe(404);
    expect((await sharedRequest('GET', '/bench/no-auth/documents', { token: a.owner.token, headers: { 'x-tenant-id': a.tenant.id } })).status).toBe(404);
  });
});
