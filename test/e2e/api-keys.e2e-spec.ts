// API keys over HTTP: created with the secret shown once, listed, revoked; X-API-Key and Bearer;
// a key alone resolves its tenant; scopes, tenant_scope and max_api_keys refused when out of
// bounds; expiry and revocation answered 401 at once by a second API process sharing Redis.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertMembership } from '../support/factories.js';
import { activeTenant, client, createTenant, registerUser, type Request, waitForStatus } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const request = client(shared.apiUrl);
let second: Stack | undefined;
let other: Request;
let db: pg.Pool;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: shared.databaseUrl, max: 2 });
  second = await startStack({ ...shared, worker: false, redisPrefix: shared.env.REDIS_PREFIX });
  other = client(second.info.apiUrl);
}, 120_000);

afterAll(async () => {
  await second?.stop();
  await db?.end();
});

async function createKey(token: string, tenant: string, body: Record<string, unknown>) {
  return request('POST', `/api/tenants/${tenant}/api-keys`, { token, body: { name: 'key', ...body } });
}

const withKey = (key: string) => ({ headers: { 'x-api-key': key } });
/** The shared stack's USAGE_FLUSH_MS (the config default, 1 s), with room for the worker's ingest. */
const FLUSH_MS = 2_000;

describe('API keys', () => {
  it('shows the secret once; list and get never show it; the key works as X-API-Key and as Bearer and alone resolves its tenant', async () => {
    const { owner, tenant } = await activeTenant(request);
    const doc = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title: 'keyed' } });
    expect(doc.status).toBe(201);
    const created = await createKey(owner.token, tenant.slug, { name: 'ci', scopes: ['corpus:read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^tnt_[0-9a-f]{12}_/);
    expect(key.startsWith(`tnt_${created.body.prefix}_`)).toBe(true);
    expect(created.body).toMatchObject({ name: 'ci', scopes: ['corpus:read'], tenant_scope: tenant.id, created_by: owner.id, revoked_at: null, expires_at: null });
    const stored = await db.query(`SELECT encode(key_hash, 'hex') AS hash FROM public.api_keys WHERE id = $1`, [created.body.id]);
    expect(stored.rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(key.slice(-43));

    const list = await request('GET', `/api/tenants/${tenant.slug}/api-keys`, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, skip: 0, limit: 20 });
    expect(list.body.api_keys[0]).toMatchObject({ id: created.body.id, prefix: created.body.prefix });
    const one = await request('GET', `/api/tenants/${tenant.slug}/tokens/${created.body.id}`, { token: owner.token });
    expect(one.status).toBe(200);
    for (const body of [list.body, one.body]) {
      expect(JSON.stringify(body)).not.toContain(key.slice(-43));
      expect(JSON.stringify(body)).not.toContain('"key"');
    }

    for (const options of [withKey(key), { token: key }]) {
      const docs = await request('GET', '/api/v1/corpus/documents', options);
      expect(docs.status, JSON.stringify(docs.body)).toBe(200);
      expect(docs.body.documents.map((d: { title: string }) => d.title)).toEqual(['keyed']);
    }
    // Naming its own tenant is fine; its scopes alone decide what it may do.
    expect((await request('GET', `/api/v1/${tenant.slug}/corpus/documents`, withKey(key))).status).toBe(200);
    const write = await request('POST', '/api/v1/corpus/documents', { ...withKey(key), body: { title: 'nope' } });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('missing_permission');
    // A key acts in its tenant only: not on the creator's user-level routes.
    expect((await request('GET', '/api/tenants', withKey(key))).status).toBe(403);
    expect((await request('GET', `/api/tenants/${tenant.slug}/api-keys`, withKey(key))).status).toBe(403);

    // last_used_at is recorded, in the background.
    let used: string | null = null;
    for (let i = 0; i < 100 && !used; i++) {
      used = (await request('GET', `/api/tenants/${tenant.slug}/api-keys/${created.body.id}`, { token: owner.token })).body.last_used_at;
      if (!used) await new Promise((r) => setTimeout(r, 50));
    }
    expect(used).not.toBeNull();

    // An unknown or malformed key is a 401, never a fall-through to anonymous.
    expect((await request('GET', '/api/v1/corpus/documents', withKey(`${key.slice(0, -1)}x`))).status).toBe(401);
    expect((await request('GET', '/api/v1/corpus/documents', withKey('nonsense'))).status).toBe(401);

    const audit = await request('GET', `/api/tenants/${tenant.slug}/audit-log`, { token: owner.token });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toContain('api_key.created');
    expect(JSON.stringify(audit.body)).not.toContain(key.slice(-43));
  });

  it('a key naming a tenant outside its tenant_scope is a 403', async () => {
    const { owner, tenant } = await activeTenant(request);
    const { tenant: elsewhere } = await activeTenant(request, {}, owner);
    const key = (await createKey(owner.token, tenant.id, { scopes: ['corpus:read'] })).body.key as string;
    for (const headers of [{ 'x-tenant-id': elsewhere.id as string }, { 'x-tenant-slug': elsewhere.slug as string }] as Array<Record<string, string>>) {
      const res = await request('GET', '/api/v1/corpus/documents', { headers: { ...headers, 'x-api-key': key } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('api_key_out_of_scope');
    }
    expect((await request('GET', `/api/v1/${elsewhere.slug}/corpus/documents`, withKey(key))).status).toBe(403);
  });

  it('scopes must be a subset of the creator’s own permissions (403 scopes_exceed_caller); unknown scopes are a 400', async () => {
    const { owner, tenant } = await activeTenant(request);
    const admin = await registerUser(request);
    await insertMembership(db, tenant.id, admin.id, 'admin');
    const refused = await createKey(admin.token, tenant.slug, { scopes: ['corpus:read', 'tenants:delete'] });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'scopes_exceed_caller', details: { scopes: ['tenants:delete'] } });
    const adminKey = await createKey(admin.token, tenant.slug, { scopes: ['corpus:read', 'corpus:write'] });
    expect(adminKey.status).toBe(201);
    // The creator's rights bound the key at every use: demoted to viewer, its key loses corpus:write
    // (seen by the second API, which has no cached role for the admin).
    await db.query(`UPDATE public.memberships SET role = 'viewer' WHERE tenant_id = $1 AND user_id = $2`, [tenant.id, admin.id]);
    expect((await other('GET', '/api/v1/corpus/documents', withKey(adminKey.body.key))).status).toBe(200);
    const demoted = await other('POST', '/api/v1/corpus/documents', { ...withKey(adminKey.body.key), body: { title: 'x' } });
    expect(demoted.status).toBe(403);
    expect(demoted.body.code).toBe('missing_permission');
    expect((await createKey(owner.token, tenant.slug, { scopes: ['corpus:fly'] })).status).toBe(400);
    expect((await createKey(owner.token, tenant.slug, { scopes: [] })).status).toBe(400);
    expect((await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'], expires_at: '2001-01-01T00:00:00Z' })).status).toBe(400);
    // A key creating keys: no more than its own scopes either.
    const keyMaker = (await createKey(owner.token, tenant.slug, { scopes: ['api-keys:write', 'corpus:read'] })).body.key as string;
    const byKey = await request('POST', `/api/tenants/${tenant.slug}/api-keys`, { ...withKey(keyMaker), body: { name: 'k', scopes: ['corpus:write'] } });
    expect(byKey.status).toBe(403);
    expect(byKey.body.code).toBe('scopes_exceed_caller');
    const made = await request('POST', `/api/tenants/${tenant.slug}/api-keys`, { ...withKey(keyMaker), body: { name: 'k', scopes: ['corpus:read'] } });
    expect(made.status).toBe(201);
    const audit = await db.query(`SELECT actor_type, actor_id FROM public.audit_log WHERE action = 'api_key.created' AND target_id = $1`, [made.body.id]);
    expect(audit.rows).toEqual([{ actor_type: 'api_key', actor_id: expect.any(String) }]);
  });

  it('tenant_scope is the tenant or a descendant: a sibling and the parent are refused; a child-scoped key acts in the child alone', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' }); // a plan that allows children
    const a = await createTenant(request, owner.token, { parent_id: parent.id });
    const b = await createTenant(request, owner.token, { parent_id: parent.id });
    await waitForStatus(request, owner.token, a.id);
    await waitForStatus(request, owner.token, b.id);
    for (const scope of [b.slug, parent.id, 'no-such-tenant']) {
      const res = await createKey(owner.token, a.slug, { scopes: ['corpus:read'], tenant_scope: scope });
      expect(res.status, scope).toBe(403);
      expect(res.body.code).toBe('tenant_scope_outside');
    }
    // The seed's camelCase spelling is accepted.
    const childKey = await createKey(owner.token, parent.slug, { scopes: ['corpus:read'], tenantScope: a.slug });
    expect(childKey.status).toBe(201);
    expect(childKey.body.tenant_scope).toBe(a.id);
    expect((await request('GET', '/api/v1/corpus/documents', withKey(childKey.body.key))).status).toBe(200);
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-tenant-id': a.id, 'x-api-key': childKey.body.key } })).status).toBe(200);
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-tenant-id': parent.id, 'x-api-key': childKey.body.key } })).status).toBe(403);
  });

  it('max_api_keys counts active keys: at the limit a create is refused, revoking one makes room', async () => {
    const { owner, tenant } = await activeTenant(request);
    expect((await request('PATCH', `/api/tenants/${tenant.slug}`, { token: owner.token, body: { max_api_keys: 2 } })).status).toBe(200);
    const first = await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'] });
    expect((await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'] })).status).toBe(201);
    const over = await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'] });
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ code: 'api_key_limit_reached', details: { limit: 2 } });
    expect((await request('DELETE', `/api/tenants/${tenant.slug}/api-keys/${first.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'] })).status).toBe(201);
  });

  it('a key served from a process cache is confirmed on every request: once revoked, nothing runs and nothing is metered (reads, writes, and routes outside the unit of work)', async () => {
    const { owner, tenant } = await activeTenant(request);
    const made = await createKey(owner.token, tenant.slug, { scopes: ['corpus:read', 'corpus:write', 'usage:read'] });
    const key: string = made.body.key;
    const usagePath = `/api/tenants/${tenant.id}/usage?period=7d`;
    // Warm both processes' caches with every kind of route.
    for (const api of [request, other]) {
      expect((await api('GET', '/api/v1/corpus/documents', withKey(key))).status).toBe(200);
      expect((await api('POST', '/api/v1/corpus/documents', { ...withKey(key), body: { title: 'while alive' } })).status).toBe(201);
      expect((await api('GET', usagePath, withKey(key))).status).toBe(200);
    }
    expect((await request('DELETE', `/api/tenants/${tenant.slug}/api-keys/${made.body.id}`, { token: owner.token })).status).toBe(204);
    for (const api of [other, request]) {
      for (const [method, path, body] of [
        ['GET', '/api/v1/corpus/documents', undefined],
        ['POST', '/api/v1/corpus/documents', { title: 'after revocation' }],
        ['GET', usagePath, undefined],
      ] as const) {
        const res = await api(method, path, { ...withKey(key), body });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.message).toMatch(/revoked/);
      }
    }
    // Nothing of the refused requests ran: no document, and no api_call metered for them. The
    // tenant-scoped calls that succeeded: 2 per process while the key was alive, and this listing.
    const titles = (await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } })).body.documents.map((d: { title: string }) => d.title);
    expect(titles.sort()).toEqual(['while alive', 'while alive']);
    const apiCalls = async () =>
      Number((await db.query(`SELECT coalesce(sum(quantity), 0) AS n FROM public.usage_records WHERE tenant_id = $1 AND resource_type = 'api_call'`, [tenant.id])).rows[0].n);
    const deadline = Date.now() + 20_000;
    while ((await apiCalls()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 3 * FLUSH_MS)); // anything counted for the refused ones would be stored by now
    expect(await apiCalls()).toBe(5);
  });

  it('revocation and expiry answer 401 at once on a second API process', async () => {
    const { owner, tenant } = await activeTenant(request);
    const revoked = await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'] });
    const expiring = await createKey(owner.token, tenant.slug, { scopes: ['corpus:read'], expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    for (const k of [revoked, expiring]) expect((await other('GET', '/api/v1/corpus/documents', withKey(k.body.key))).status).toBe(200);

    expect((await request('DELETE', `/api/tenants/${tenant.slug}/api-keys/${revoked.body.id}`, { token: owner.token })).status).toBe(204);
    for (const api of [other, request]) {
      const res = await api('GET', '/api/v1/corpus/documents', { token: revoked.body.key });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/revoked/);
    }
    const listed = await request('GET', `/api/tenants/${tenant.slug}/api-keys/${revoked.body.id}`, { token: owner.token });
    expect(listed.body.revoked_at).not.toBeNull();
    expect((await request('DELETE', `/api/tenants/${tenant.slug}/api-keys/${revoked.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await request('DELETE', `/api/tenants/${tenant.slug}/api-keys/00000000-0000-4000-8000-000000000000`, { token: owner.token })).status).toBe(404);

    await db.query(`UPDATE public.api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.body.id]);
    for (const api of [other, request]) {
      const res = await api('GET', '/api/v1/corpus/documents', withKey(expiring.body.key));
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/expired/);
    }
    const audit = await request('GET', `/api/tenants/${tenant.slug}/audit-log`, { token: owner.token });
    expect(audit.body.entries.filter((e: { action: string }) => e.action === 'api_key.revoked')).toHaveLength(1);
  });
});
