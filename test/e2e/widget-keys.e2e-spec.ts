// Widget keys: publishable keys (tnt_pk_...) for the embeddable chat widget. Exactly
// conversations:write on their own tenant, accepted only from the tenant's
// settings.widget.allowed_origins (server-side Origin check, and CORS headers only for an accepted
// origin); they can do nothing else, and a secret key's spelling cannot stand in for one.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, createTenant, type TestUser, waitForStatus } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';

const request = nodeClient(inject('stack').apiUrl);
const SHOP = 'https://shop.example.test';
const EVIL = 'https://evil.example.test';
let owner: TestUser;
let tenant: { id: string; slug: string };
let widgetKey: string;

beforeAll(async () => {
  ({ owner, tenant } = await activeTenant(request, { plan: 'growth' }));
  const patched = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { widget: { allowed_origins: [SHOP] } } } });
  expect(patched.status).toBe(200);
});

const keys = async () => (await request('GET', `/api/tenants/${tenant.id}/api-keys?limit=100`, { token: owner.token })).body.api_keys as Array<{ kind: string }>;

describe('widget keys', () => {
  it('creates a publishable key: tnt_pk_..., kind widget, conversations:write on this tenant', async () => {
    const res = await request('POST', `/api/tenants/${tenant.id}/api-keys`, {
      token: owner.token,
      body: { name: 'site widget', kind: 'widget', scopes: ['conversations:write'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'widget', scopes: ['conversations:write'], tenant_scope: tenant.id });
    expect(res.body.key).toMatch(/^tnt_pk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(res.body.prefix).toMatch(/^pk_[0-9a-f]{12}$/);
    widgetKey = res.body.key;
    const audit = await request('GET', `/api/tenants/${tenant.id}/audit-log?action=api_key.created`, { token: owner.token });
    expect(audit.body.entries[0].changes.kind.after).toBe('widget');
  });

  it('refuses any other shape of widget key and creates nothing', async () => {
    const before = (await keys()).length;
    const child = await createTenant(request, owner.token, { parent_id: tenant.id });
    await waitForStatus(request, owner.token, child.id);
    for (const body of [
      { name: 'w', kind: 'widget', scopes: ['corpus:read'] },
      { name: 'w', kind: 'widget', scopes: ['conversations:write', 'conversations:read'] },
      { name: 'w', kind: 'widget', scopes: ['conversations:write'], tenant_scope: child.id },
      { name: 'w', kind: 'banana', scopes: ['conversations:write'] },
      { name: 'w', kind: ['widget'], scopes: ['conversations:write'] },
    ]) {
      const res = await request('POST', `/api/tenants/${tenant.id}/api-keys`, { token: owner.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    expect((await keys()).length).toBe(before);
  });

  it('is accepted only from an allowed origin, and answers CORS only to it', async () => {
    const from = (origin?: string) =>
      request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': widgetKey, ...(origin ? { origin } : {}) } });
    // Allowed origin: authenticated, then refused by its scope (the key can do nothing but chat).
    const allowed = await from(SHOP);
    expect(allowed.status).toBe(403);
    expect(allowed.body.code).toBe('missing_permission');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP);
    // Another origin, or none (a server-side script): refused before anything else, no CORS.
    for (const origin of [EVIL, undefined, 'null', `${SHOP}.evil.test`, 'http://shop.example.test']) {
      const refused = await from(origin);
      expect(refused.status, String(origin)).toBe(403);
      expect(refused.body.code).toBe('widget_origin_refused');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it("names its tenant for GET /api/v1/branding (the widget's colours), from an allowed origin only, with CORS to it alone", async () => {
    const branded = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { branding: { primary_color: '#123456', display_name: 'Shop help' } } } });
    expect(branded.status, JSON.stringify(branded.body)).toBe(200);
    const ok = await request('GET', '/api/v1/branding', { headers: { 'x-api-key': widgetKey, origin: SHOP } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ primary_color: '#123456', display_name: 'Shop help' });
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    // Another origin, a made-up key, or no key and no host: nothing of the tenant, no CORS.
    const evil = await request('GET', '/api/v1/branding', { headers: { 'x-api-key': widgetKey, origin: EVIL } });
    expect(evil.status).toBe(403);
    expect(evil.body.code).toBe('widget_origin_refused');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const forged = await request('GET', '/api/v1/branding', { headers: { 'x-api-key': `${widgetKey.slice(0, -4)}AAAA`, origin: SHOP } });
    expect(forged.status).toBe(401);
    expect(JSON.stringify(forged.body)).not.toContain('#123456');
    expect((await request('GET', '/api/v1/branding', { headers: { origin: SHOP } })).status).toBe(404);
    // A key names its own tenant only: another tenant named beside it is a conflict, not that tenant's branding.
    const other = await activeTenant(request);
    const both = await request('GET', '/api/v1/branding', { headers: { 'x-api-key': widgetKey, origin: SHOP, 'x-tenant-id': other.tenant.id } });
    expect(both.status === 200 ? both.body.primary_color : null).not.toBe('#123456');
  });

  it('can do nothing else: no corpus write, no management route, no other tenant', async () => {
    const headers = { 'x-api-key': widgetKey, origin: SHOP };
    const write = await request('POST', '/api/v1/corpus/documents', { headers, body: { title: 'x', content: 'y' } });
    expect(write.status).toBe(403);
    for (const path of [`/api/tenants/${tenant.id}`, `/api/tenants/${tenant.id}/api-keys`, `/api/tenants/${tenant.id}/members`]) {
      expect((await request('GET', path, { headers })).status, path).toBe(403);
    }
    const other = await activeTenant(request);
    const elsewhere = await request('GET', '/api/v1/corpus/documents', { headers: { ...headers, 'x-tenant-id': other.tenant.id } });
    expect(elsewhere.status).toBe(403);
    const docs = await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    expect(docs.body.total).toBe(0);
  });

  it('cannot be passed off as a secret key, nor a secret key as a widget key', async () => {
    const asSecret = widgetKey.replace(/^tnt_pk_/, 'tnt_');
    const res = await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': asSecret, origin: SHOP } });
    expect(res.status).toBe(401);
    const secret = await request('POST', `/api/tenants/${tenant.id}/api-keys`, { token: owner.token, body: { name: 'secret', scopes: ['corpus:read'] } });
    expect(secret.body.key).toMatch(/^tnt_[0-9a-f]{12}_/);
    const asWidget = secret.body.key.replace(/^tnt_/, 'tnt_pk_');
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': asWidget, origin: SHOP } })).status).toBe(401);
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': secret.body.key } })).status).toBe(200);
  });

  it('answers the preflight of a widget request from any origin (the real request is judged with its key)', async () => {
    const res = await request('OPTIONS', '/api/v1/chat/sessions', {
      headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-allow-headers')).toContain('X-API-Key');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    // A preflight of another shape (a bearer token, a tenant header) is not the widget's: no CORS.
    const other = await request('OPTIONS', '/api/v1/corpus/documents', {
      headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-api-key' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stops working at once when revoked', async () => {
    const list = await request('GET', `/api/tenants/${tenant.id}/api-keys?limit=100`, { token: owner.token });
    const id = list.body.api_keys.find((k: { kind: string }) => k.kind === 'widget').id;
    expect((await request('DELETE', `/api/tenants/${tenant.id}/api-keys/${id}`, { token: owner.token })).status).toBe(204);
    const res = await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': widgetKey, origin: SHOP } });
    expect(res.status).toBe(401);
  });
});
