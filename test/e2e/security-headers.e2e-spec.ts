// Every answer carries helmet's security headers (and no X-Powered-By), the Swagger UI loads under
// its own CSP, and CORS answers only the origins of CORS_ORIGINS: an API started with one allowed
// origin, and the shared API (CORS_ORIGINS unset), which never answers CORS at all.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type HttpResponse, type Request, registerUser, uniqueSlug } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const ALLOWED = 'https://app.example.test';
const OTHER = 'https://evil.example.test';
let stack: Stack | undefined;
let request: Request;
const sharedRequest = nodeClient(shared.apiUrl);

beforeAll(async () => {
  stack = await startStack({ ...shared, env: { CORS_ORIGINS: ALLOWED }, worker: false, redisPrefix: shared.env.REDIS_PREFIX });
  request = nodeClient(stack.info.apiUrl);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A Content-Security-Policy header as directive name -> its sources. */
function csp(res: HttpResponse): Map<string, string[]> {
  const header = res.headers.get('content-security-policy');
  expect(header, 'Content-Security-Policy').toBeTruthy();
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectSecurityHeaders(res: HttpResponse): void {
  const h = res.headers;
  const what = `${res.status} ${JSON.stringify(Object.fromEntries(h))}`;
  expect(h.get('x-content-type-options'), what).toBe('nosniff');
  expect(h.get('x-frame-options'), what).toBe('DENY');
  expect(h.get('referrer-policy'), what).toBe('no-referrer');
  expect(h.get('strict-transport-security'), what).toMatch(/^max-age=\d{6,}/);
  expect(h.get('cross-origin-opener-policy'), what).toBe('same-origin');
  expect(h.get('cross-origin-resource-policy'), what).toBe('same-origin');
  expect(h.get('x-permitted-cross-domain-policies'), what).toBe('none');
  expect(h.get('x-dns-prefetch-control'), what).toBe('off');
  expect(h.get('origin-agent-cluster'), what).toBe('?1');
  expect(h.get('x-powered-by'), what).toBeNull();
  expect(h.get('content-security-policy'), what).toBeTruthy();
}

/** The JSON API's CSP: nothing may load, run, frame it or be posted from it. */
function expectApiCsp(res: HttpResponse): void {
  const policy = csp(res);
  expect(policy.get('default-src')).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  expect(policy.get('base-uri')).toEqual(["'none'"]);
  expect(policy.get('form-action')).toEqual(["'none'"]);
}

describe('security headers', () => {
  it('are on 200 and 201 JSON answers, /health and /docs-json, with the JSON CSP', async () => {
    const user = await registerUser(request);
    const me = await request('GET', '/api/v1/auth/me', { token: user.token });
    expect(me.status).toBe(200);
    const health = await request('GET', '/health');
    expect(health.status).toBe(200);
    const openapi = await request('GET', '/docs-json');
    expect(openapi.status).toBe(200);
    const created = await request('POST', '/api/v1/auth/register', { body: { email: `${uniqueSlug('headers')}@example.test`, password: 'correct-horse-battery', name: 'H' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const res of [me, health, openapi, created]) {
      expectSecurityHeaders(res);
      expectApiCsp(res);
    }
  });

  it('are on error answers: 400 validation, 401, 404 unknown route, 413, a malformed URL', async () => {
    const invalid = await request('POST', '/api/v1/auth/register', { body: { email: 'not an email' } });
    expect(invalid.status).toBe(400);
    const unauthorized = await request('GET', '/api/v1/auth/me');
    expect(unauthorized.status).toBe(401);
    const unknown = await request('GET', '/api/v1/no-such-route');
    expect(unknown.status).toBe(404);
    const tooLarge = await request('POST', '/api/v1/auth/register', { rawBody: `{"x":"${'a'.repeat(1_100_000)}"}`, headers: { 'content-type': 'application/json' } });
    expect(tooLarge.status).toBe(413);
    // Refused by Fastify before any hook runs (frameworkErrors).
    const badUrl = await request('GET', '/api/tenants/%E0%A4%A');
    expect(badUrl.status).toBe(400);
    for (const res of [invalid, unauthorized, unknown, tooLarge, badUrl]) {
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ statusCode: res.status, error: expect.any(String), message: expect.any(String) });
      expectSecurityHeaders(res);
      expectApiCsp(res);
    }
  });

  it('are on the API without CORS_ORIGINS too', async () => {
    for (const res of [await sharedRequest('GET', '/health'), await sharedRequest('GET', '/api/v1/auth/me'), await sharedRequest('GET', '/nope')]) {
      expectSecurityHeaders(res);
      expectApiCsp(res);
    }
  });

  it('the Swagger UI at /docs loads: its CSP allows its scripts, styles and images, all served from the API with their types', async () => {
    const page = await request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expectSecurityHeaders(page);
    const policy = csp(page);
    const html = page.body as string;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    const assets: { url: string; type: RegExp }[] = [];
    for (const [, attrs, body] of scripts) {
      const src = /\bsrc=["']([^"']+)["']/.exec(attrs!)?.[1];
      // An inline script would need 'unsafe-inline' or a nonce: the page has none.
      expect(src, `inline script: ${body}`).toBeDefined();
      assets.push({ url: src!, type: /javascript/ });
    }
    for (const [, href] of html.matchAll(/<link\b[^>]*rel=["']stylesheet["'][^>]*href=["']([^"']+)["']|<link\b[^>]*href=["']([^"']+)["'][^>]*rel=["']stylesheet["']/g)) {
      if (href) assets.push({ url: href, type: /^text\/css/ });
    }
    expect(assets.some((a) => a.url.endsWith('swagger-ui-bundle.js'))).toBe(true);
    expect(assets.some((a) => a.url.endsWith('swagger-ui.css'))).toBe(true);
    // Every asset is same-origin ('self'), loads, and has the type nosniff demands.
    const base = new URL('/docs', stack!.info.apiUrl);
    for (const asset of assets) {
      const url = new URL(asset.url, base);
      expect(url.origin).toBe(base.origin);
      const res = await request('GET', url.pathname);
      expect(res.status, url.pathname).toBe(200);
      expect(res.headers.get('content-type'), url.pathname).toMatch(asset.type);
      expectSecurityHeaders(res);
    }
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('script-src-attr')).toEqual(["'none'"]);
    // The page's <style> blocks and style attributes; swagger-ui's data: icons.
    expect(/<style\b/.test(html)).toBe(true);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    // Over plain http this would send the browser to https for the page's own assets.
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
  });
});

describe('CORS from CORS_ORIGINS', () => {
  const preflight = (path: string, origin: string) =>
    request('OPTIONS', path, {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-tenant-id,x-tenant-slug,x-api-key,x-request-id' },
    });

  it('a preflight from an allowed origin is 204 with the CORS headers, on tenant-scoped routes too (no token, no tenant)', async () => {
    for (const path of ['/api/v1/corpus/documents', '/api/v1/some-tenant/corpus/documents', '/api/tenants', '/api/v1/auth/login']) {
      const res = await preflight(path, ALLOWED);
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe(ALLOWED);
      expect(res.headers.get('access-control-allow-methods')?.split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
      const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-tenant-id', 'x-tenant-slug', 'x-api-key', 'x-request-id']));
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/origin/i);
      expectSecurityHeaders(res);
    }
  });

  it('a preflight from another origin gets no Access-Control-Allow-Origin', async () => {
    const res = await preflight('/api/v1/corpus/documents', OTHER);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a GET from an allowed origin (answer or error) gets Access-Control-Allow-Origin and the exposed headers; another origin does not', async () => {
    for (const path of ['/health', '/api/v1/auth/me']) {
      const allowed = await request('GET', path, { headers: { origin: ALLOWED } });
      expect(allowed.headers.get('access-control-allow-origin'), path).toBe(ALLOWED);
      expect(allowed.headers.get('access-control-expose-headers')?.toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(['x-request-id', 'retry-after']));
      expect(allowed.headers.get('x-request-id')).toBeTruthy();
      const other = await request('GET', path, { headers: { origin: OTHER } });
      expect(other.status).toBe(allowed.status);
      expect(other.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });

  it('without CORS_ORIGINS no answer carries Access-Control-Allow-Origin, preflight or not', async () => {
    const answers = [
      await sharedRequest('GET', '/health', { headers: { origin: ALLOWED } }),
      await sharedRequest('GET', '/api/v1/auth/me', { headers: { origin: ALLOWED } }),
      await sharedRequest('OPTIONS', '/api/v1/corpus/documents', { headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } }),
      await sharedRequest('OPTIONS', '/health', { headers: { origin: 'null', 'access-control-request-method': 'GET' } }),
    ];
    for (const res of answers) {
      expect(res.headers.get('access-control-allow-origin'), `${res.status}`).toBeNull();
      expect(res.headers.get('access-control-allow-methods')).toBeNull();
      expectSecurityHeaders(res);
    }
    expect(answers[2]!.status).toBe(404);
  });
});
