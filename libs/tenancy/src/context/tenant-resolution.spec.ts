import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { rewriteTenantPath, tenantCandidates, V1_ROUTE_SEGMENTS } from './tenant-resolution.js';

const BASE = 'tenantry.test';

function req(url: string, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

/** What the server does: rewrite the URL first, then resolve the tenant on the same raw request. */
function resolve(url: string, headers: Record<string, string | string[]> = {}, baseDomain: string | null = BASE) {
  const r = req(url, headers);
  const rewritten = rewriteTenantPath(r);
  return { url: rewritten, candidate: tenantCandidates(r, baseDomain ?? undefined)[0] ?? null };
}

/** Every tenant the request names, after the rewrite. */
function named(url: string, headers: Record<string, string | string[]> = {}, baseDomain: string | null = BASE) {
  const r = req(url, headers);
  rewriteTenantPath(r);
  return tenantCandidates(r, baseDomain ?? undefined);
}

describe('rewriteTenantPath', () => {
  it('drops the /api/v1/{slug} prefix, keeps the query and remembers the slug', () => {
    expect(resolve('/api/v1/acme/corpus/documents?x=1')).toEqual({
      url: '/api/v1/corpus/documents?x=1',
      candidate: { key: 'acme', source: 'path' },
    });
    expect(resolve('/api/v1/acme-corp/corpus/documents/0b6c7d4e-1a2b-4c3d-8e9f-001122334455')).toEqual({
      url: '/api/v1/corpus/documents/0b6c7d4e-1a2b-4c3d-8e9f-001122334455',
      candidate: { key: 'acme-corp', source: 'path' },
    });
  });

  it.each(['/api/v1/auth/me', '/api/v1/auth/login', '/api/v1/corpus/documents', '/api/v1/corpus/documents?q=a/b', '/api/v1/chat/sessions', '/api/v1/branding'])(
    'leaves the route %s alone (no tenant from the path)',
    (url) => {
      expect(resolve(url)).toEqual({ url, candidate: null });
    },
  );

  it('treats every first segment that is a route as a route, not a slug', () => {
    for (const segment of V1_ROUTE_SEGMENTS) {
      expect(resolve(`/api/v1/${segment}/anything`).candidate).toBeNull();
    }
  });

  it.each([
    ['/api/tenants/', '/api/tenants'],
    ['/api/tenants/?plan=growth', '/api/tenants?plan=growth'],
    ['/api/tenants//', '/api/tenants'],
    ['/api/v1/corpus/documents/', '/api/v1/corpus/documents'],
    ['/health/', '/health'],
    ['/', '/'],
    ['/api/tenants', '/api/tenants'],
  ])('strips the trailing slash of %s', (url, expected) => {
    expect(rewriteTenantPath(req(url))).toBe(expected);
  });

  it('strips the trailing slash after dropping the tenant prefix', () => {
    expect(resolve('/api/v1/acme/corpus/documents/?skip=1')).toEqual({
      url: '/api/v1/corpus/documents?skip=1',
      candidate: { key: 'acme', source: 'path' },
    });
  });

  it.each(['/api/v1/ACME/corpus/documents', '/api/v1/-acme/corpus/documents', '/api/v1/a_b/corpus/documents', '/api/v1/a%20b/corpus/documents'])(
    'does not take %s as a tenant prefix (not a slug)',
    (url) => {
      expect(resolve(url)).toEqual({ url, candidate: null });
    },
  );

  it('a slug alone (/api/v1/acme or /api/v1/acme/) is not a tenant-prefixed route', () => {
    expect(resolve('/api/v1/acme')).toEqual({ url: '/api/v1/acme', candidate: null });
    expect(resolve('/api/v1/acme/')).toEqual({ url: '/api/v1/acme', candidate: null });
  });

  it('only rewrites /api/v1', () => {
    expect(resolve('/api/v2/acme/corpus/documents')).toEqual({ url: '/api/v2/acme/corpus/documents', candidate: null });
    expect(resolve('/x/api/v1/acme/corpus/documents').candidate).toBeNull();
  });
});

describe('tenantCandidates', () => {
  it('lists every way the request names a tenant, headers first, without picking one', () => {
    const headers = { 'x-tenant-id': 'from-id', 'x-tenant-slug': 'from-slug', host: 'from-host.tenantry.test' };
    expect(named('/api/v1/from-path/corpus/documents', headers)).toEqual([
      { key: 'from-id', source: 'header' },
      { key: 'from-slug', source: 'header' },
      { key: 'from-host', source: 'subdomain' },
      { key: 'from-path', source: 'path' },
    ]);
  });

  it('lists the subdomain and the path', () => {
    expect(named('/api/v1/from-path/corpus/documents', { host: 'from-host.tenantry.test' })).toEqual([
      { key: 'from-host', source: 'subdomain' },
      { key: 'from-path', source: 'path' },
    ]);
  });

  it('takes the path alone when the host is not under BASE_DOMAIN', () => {
    expect(named('/api/v1/from-path/corpus/documents', { host: 'api.example.com' })).toEqual([{ key: 'from-path', source: 'path' }]);
  });

  it('reads the subdomain case-insensitively and ignores the port', () => {
    expect(named('/api/v1/corpus/documents', { host: 'Acme.Tenantry.TEST:8443' })).toEqual([{ key: 'acme', source: 'subdomain' }]);
  });

  it.each(['tenantry.test', 'a.b.tenantry.test', 'acme.tenantry.test.evil.com', 'acmetenantry.test', 'localhost:3000', '127.0.0.1'])(
    'takes no tenant from the host %s',
    (host) => {
      expect(named('/api/v1/corpus/documents', { host })).toEqual([]);
    },
  );

  it('ignores subdomains when no BASE_DOMAIN is configured', () => {
    expect(named('/api/v1/corpus/documents', { host: 'acme.tenantry.test' }, null)).toEqual([]);
  });

  it('ignores blank tenant headers', () => {
    expect(named('/api/v1/corpus/documents', { 'x-tenant-id': '   ', host: 'acme.tenantry.test' })).toEqual([{ key: 'acme', source: 'subdomain' }]);
  });

  it('trims header values and lists every value of repeated headers (as an array or joined by commas)', () => {
    expect(named('/api/v1/corpus/documents', { 'x-tenant-slug': '  acme  ' })).toEqual([{ key: 'acme', source: 'header' }]);
    expect(named('/api/v1/corpus/documents', { 'x-tenant-slug': ['first', 'second'] })).toEqual([
      { key: 'first', source: 'header' },
      { key: 'second', source: 'header' },
    ]);
    expect(named('/api/v1/corpus/documents', { 'x-tenant-id': 'first, second' })).toEqual([
      { key: 'first', source: 'header' },
      { key: 'second', source: 'header' },
    ]);
  });

  it('a client cannot fake the path tenant with a header or a string property', () => {
    const headers = {
      'tenantry.pathtenant': 'evil',
      'x-path-tenant': 'evil',
      'x-original-url': '/api/v1/evil/corpus/documents',
      'x-rewrite-url': '/api/v1/evil/corpus/documents',
    };
    expect(resolve('/api/v1/corpus/documents', headers)).toEqual({ url: '/api/v1/corpus/documents', candidate: null });
    const forged = Object.assign(req('/api/v1/corpus/documents'), { 'tenantry.pathTenant': 'evil', pathTenant: 'evil' });
    rewriteTenantPath(forged);
    expect(tenantCandidates(forged, BASE)).toEqual([]);
  });

  it('remembers the path tenant only on the request that carried it', () => {
    const a = req('/api/v1/acme/corpus/documents');
    const b = req('/api/v1/corpus/documents');
    rewriteTenantPath(a);
    rewriteTenantPath(b);
    expect(tenantCandidates(a, BASE)).toEqual([{ key: 'acme', source: 'path' }]);
    expect(tenantCandidates(b, BASE)).toEqual([]);
  });
});
