// Bad input is a 4xx in the error shape, never a 500, and stores nothing: NUL characters
// anywhere (PostgreSQL refuses them in text and jsonb), JSON nested deep enough to blow a
// recursive walker's stack, numbers too big for SQL, and a spoofed X-Forwarded-For.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, type ExpectStatic, inject, it } from 'vitest';
import { activeTenant, client, type HttpResponse, registerUser, uniqueSlug } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

function expectError(res: HttpResponse, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  if (code) expect(res.body.code).toBe(code);
}

async function documentCount(schema: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.documents`);
  return rows[0]!.n;
}

async function tenantRow(id: string): Promise<{ name: string; settings: unknown; max_members: number }> {
  const { rows } = await db.query('SELECT name, settings, max_members FROM public.tenants WHERE id = $1', [id]);
  return rows[0];
}

/** Sends raw bytes and returns the status code of the answer (Node refuses some requests before any route). */
function rawStatus(payload: string): Promise<number> {
  const url = new URL(stack.apiUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(payload));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe('hostile input: NUL characters', () => {
  it('a NUL in a document title is 400 and stores nothing', async () => {
    const { owner, tenant } = await activeTenant(request);
    const headers = { 'x-tenant-id': tenant.id };
    const res = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title: 'a\u0000b', content: 'x' } });
    expectError(res, 400, 'nul_character');
    expect(await documentCount(tenant.schema_name)).toBe(0);
  });

  it('a NUL in a query string value or key is 400', async () => {
    const { owner, tenant } = await activeTenant(request);
    const headers = { 'x-tenant-id': tenant.id };
    expectError(await request('GET', '/api/v1/corpus/documents?q=%00', { token: owner.token, headers }), 400, 'nul_character');
    expectError(await request('GET', '/api/v1/corpus/documents?q=ab%00cd', { token: owner.token, headers }), 400, 'nul_character');
    expectError(await request('GET', '/api/tenants?a%00=1', { token: owner.token }), 400, 'nul_character');
  });

  it('a NUL in a tenant settings value, key or nested key is 400 and the settings stay as they were', async () => {
    const { owner, tenant } = await activeTenant(request, { settings: { theme: 'dark' } });
    for (const settings of [{ theme: 'li\u0000ght' }, { 'bad\u0000key': 1 }, { deep: { list: ['ok', { k: '\u0000' }] } }]) {
      const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings, name: 'Renamed' } });
      expectError(res, 400, 'nul_character');
    }
    const row = await tenantRow(tenant.id);
    expect(row.settings).toEqual({ theme: 'dark' });
    expect(row.name).toBe(tenant.name);
  });

  it('a NUL in the name given to register is 400 and creates no user', async () => {
    const email = `${uniqueSlug('nul')}@example.com`;
    const res = await request('POST', '/api/v1/auth/register', { body: { email, password: 'correct-horse-battery', name: 'Eve\u0000' } });
    expectError(res, 400, 'nul_character');
    const { rows } = await db.query('SELECT 1 FROM public.users WHERE email = $1', [email]);
    expect(rows).toHaveLength(0);
  });

  it('a NUL in a path parameter is 400', async () => {
    const user = await registerUser(request);
    expectError(await request('GET', '/api/tenants/%00', { token: user.token }), 400, 'nul_character');
    expectError(await request('PATCH', '/api/tenants/a%00b', { token: user.token, body: { name: 'x' } }), 400, 'nul_character');
  });

  it('a NUL in a header value is 400 (refused by the HTTP parser)', async () => {
    const status = await rawStatus('GET /api/tenants HTTP/1.1\r\nHost: localhost\r\nX-Tenant-ID: a\u0000b\r\nConnection: close\r\n\r\n');
    expect(status).toBe(400);
  });
});

describe('hostile input: deep JSON', () => {
  it('20,000 nested arrays in a login body are 400 json_too_deep', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const res = await request('POST', '/api/v1/auth/login', { rawBody: deep, headers: { 'content-type': 'application/json' } });
    expectError(res, 400, 'json_too_deep');
  });

  it('deeply nested objects in tenant settings are 400 and the settings stay as they were', async () => {
    const { owner, tenant } = await activeTenant(request, { settings: { theme: 'dark' } });
    let settings: unknown = { leaf: true };
    for (let i = 0; i < 100; i++) settings = { n: settings };
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } });
    expectError(res, 400, 'json_too_deep');
    expect((await tenantRow(tenant.id)).settings).toEqual({ theme: 'dark' });
  });

  it('brackets inside strings do not count, and moderately nested JSON is accepted', async () => {
    const { owner, tenant } = await activeTenant(request);
    let settings: unknown = { leaf: '[[[[{{{{'.repeat(100) };
    for (let i = 0; i < 20; i++) settings = { n: settings };
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await tenantRow(tenant.id)).settings).toEqual(settings);
  });

  it('malformed JSON, prototype poisoning and an empty body are still 400', async () => {
    const headers = { 'content-type': 'application/json' };
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: '{"email": ', headers }), 400);
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: '{"email": "a\\"]]]", ', headers }), 400);
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: '{"__proto__": {"isAdmin": true}}', headers }), 400);
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: '{"constructor": {"prototype": {"isAdmin": true}}}', headers }), 400);
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: '', headers }), 400);
  });

  it('the body limit still applies to JSON', async () => {
    const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1100 * 1024) });
    expectError(await request('POST', '/api/v1/auth/login', { rawBody: big, headers: { 'content-type': 'application/json' } }), 413);
  });
});

describe('hostile input: numbers too big for SQL', () => {
  it.each(['skip=1e21', 'skip=99999999999999999999', 'limit=1e21', 'skip=-0.5', 'skip=2147483648'])('GET /api/tenants?%s is 400', async (query) => {
    const user = await registerUser(request);
    expectError(await request('GET', `/api/tenants?${query}`, { token: user.token }), 400, 'validation_failed');
  });

  it('the largest accepted skip answers an empty page', async () => {
    const user = await registerUser(request);
    const res = await request('GET', '/api/tenants?skip=2147483647', { token: user.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.tenants).toEqual([]);
  });

  it.each(['skip=1e21', 'skip=99999999999999999999', 'limit=1e21'])('GET /api/v1/corpus/documents?%s is 400', async (query) => {
    const { owner, tenant } = await activeTenant(request);
    const res = await request('GET', `/api/v1/corpus/documents?${query}`, { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    expectError(res, 400, 'validation_failed');
  });

  it.each([1e21, 2 ** 53, 1e300])('max_members %d in PATCH /api/tenants/{t} is 400 and nothing changes', async (value) => {
    const { owner, tenant } = await activeTenant(request);
    const before = await tenantRow(tenant.id);
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { max_members: value, name: 'Renamed' } });
    expectError(res, 400, 'validation_failed');
    expect(await tenantRow(tenant.id)).toEqual(before);
  });
});

// Each test boots one more API (seconds, more on a loaded machine), so the two run side by side.
describe.concurrent('hostile input: X-Forwarded-For', { timeout: 150_000 }, () => {
  const mainJs = fileURLToPath(new URL('../../dist/apps/api/src/main.js', import.meta.url));

  /** Starts one more API with `env` on top of the shared one's, sends a request with a spoofed X-Forwarded-For, and returns the `ip` its access log recorded. */
  async function loggedIp(env: Record<string, string>, expect: ExpectStatic): Promise<string | undefined> {
    const child = fork(mainJs, [], {
      env: { ...stack.env, REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    try {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      const port = await new Promise<number>((resolve, reject) => {
        child.on('message', (m: { type?: string; port?: number }) => m.type === 'listening' && resolve(m.port!));
        child.once('exit', (code) => reject(new Error(`api exited with ${code}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/health?probe=xff`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(res.status).toBe(200);
      const line = async () => out.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('probe=xff'));
      for (let i = 0; i < 100 && !(await line()); i++) await new Promise((r) => setTimeout(r, 20));
      const entry = await line();
      expect(entry, out).toBeDefined();
      return (JSON.parse(entry!) as { ip?: string }).ip;
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
  }

  it('is ignored by default, so a client cannot choose its IP', async ({ expect }) => {
    expect(await loggedIp({}, expect)).toBe('127.0.0.1');
  });

  it('is honoured from the proxies listed in TRUST_PROXY', async ({ expect }) => {
    expect(await loggedIp({ TRUST_PROXY: '127.0.0.1' }, expect)).toBe('203.0.113.7');
  });
});
