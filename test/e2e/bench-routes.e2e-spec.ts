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
});
