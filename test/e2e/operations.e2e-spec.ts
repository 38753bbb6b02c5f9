// Operator endpoints (issue 18): /metrics and GET /api/internal/domain-allowed, on the shared
// API (reached over loopback, so served without a token) and on an API of their own started
// with METRICS_TOKEN and DOMAIN_CHECK_TOKEN (then the token is required, even on loopback).
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, registerUser, uniqueSlug } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';
import { cliEnv, runCli } from '../support/cli.js';
import { QUEUE } from '../../libs/jobs/src/index.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
const DOMAIN_TOKEN = `domains-${randomBytes(12).toString('hex')}`;

let db: pg.Client;
let own: Stack;

beforeAll(async () => {
  db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  // The shared database and Redis, an API of its own (HOST 0.0.0.0, so a non-loopback address reaches it too).
  own = await startStack({
    databaseUrl: stack.databaseUrl,
    serverUrl: stack.serverUrl,
    redisUrl: stack.redisUrl,
    dataDir: stack.dataDir,
    worker: false,
    env: { METRICS_TOKEN, DOMAIN_CHECK_TOKEN: DOMAIN_TOKEN, HOST: '0.0.0.0' },
  });
}, 120_000);

afterAll(async () => {
  await own?.stop();
  await db?.end();
});

const metricsText = async (): Promise<string> => {
  const res = await fetch(`${stack.apiUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

/** The label sets of one metric family in Prometheus text. */
const series = (text: string, name: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => l.slice(0, l.lastIndexOf(' ')))
    .sort();

const externalAddress = (): string | undefined =>
  Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('/metrics', { timeout: 120_000 }, () => {
  it('HTTP durations by route template and status, tenants by status, migration progress, queues, usage buffer', async () => {
    const { owner, tenant } = await activeTenant(request);
    await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
    await request('GET', `/no/such/${randomBytes(4).toString('hex')}`);
    const text = await metricsText();
    expect(text).toContain('# TYPE tenantry_http_request_duration_seconds histogram');
    expect(text).toMatch(/tenantry_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/api\/tenants\/:tenant",status="200"\}/);
    expect(text).toMatch(/tenantry_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+/);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.tenants WHERE status = 'active'`);
    const active = Number(/^tenantry_tenants\{status="active"\} (\d+)$/m.exec(text)?.[1]);
    // Other files create tenants meanwhile: the gauge is read at scrape time, so it is at least what we counted before.
    expect(active).toBeGreaterThan(0);
    expect(active).toBeLessThanOrEqual(rows[0]!.n);
    for (const status of ['provisioning', 'active', 'suspended', 'failed']) expect(text).toMatch(new RegExp(`^tenantry_tenants\\{status="${status}"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^tenantry_tenant_migrations_behind \d+$/m);
    expect(text).toMatch(/^tenantry_tenant_migrations_latest_version \d+$/m);
    for (const queue of ['tenant-provisioning', 'tenant-migrations', 'tenant-exports']) {
      expect(text).toMatch(new RegExp(`^tenantry_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^tenantry_queue_jobs_finished\\{queue="${queue}",outcome="completed"\\} \\d+$`, 'm'));
    }
    // The shared worker has provisioned tenants: the provisioning queue has completed jobs.
    expect(Number(/^tenantry_queue_jobs_finished\{queue="tenant-provisioning",outcome="completed"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^tenantry_usage_buffer_depth \d+$/m);
    expect(text).toContain('tenantry_process_resident_memory_bytes');
  });

  it('label sets do not grow with tenants: no tenant id or slug in any label, the same series after 6 more tenants', async () => {
    const user = await registerUser(request);
    const touch = async (): Promise<string[]> => {
      const { tenant } = await activeTenant(request, { slug: uniqueSlug('met') }, user);
      await request('GET', `/api/tenants/${tenant.id}`, { token: user.token });
      await request('GET', `/api/tenants/${tenant.slug}/members`, { token: user.token });
      await request('GET', `/api/v1/corpus/documents`, { token: user.token, headers: { 'x-tenant-id': tenant.id } });
      await request('GET', `/api/v1/${tenant.slug}/corpus/documents`, { token: user.token });
      await request('GET', `/api/tenants/${tenant.id}/nothing-here`, { token: user.token });
      return [tenant.id, tenant.slug];
    };
    await touch(); // every route and status this test uses now has its series
    const before = series(await metricsText(), 'tenantry_http_request_duration_seconds_count');
    const names = (await Promise.all(Array.from({ length: 6 }, touch))).flat();
    const text = await metricsText();
    for (const name of names) expect(text).not.toContain(name);
    const after = series(text, 'tenantry_http_request_duration_seconds_count');
    // Other test files add series of their own routes meanwhile; none of the new ones names a tenant, and ours are all there before.
    const added = after.filter((s) => !before.includes(s));
    for (const s of added) expect(s).toMatch(/route="(unmatched|\/[^"]*)"/);
    for (const s of added) for (const name of names) expect(s).not.toContain(name);
    const ours = after.filter((s) => /route="\/api\/(tenants\/:tenant(\/members)?|v1\/corpus\/documents)"/.test(s));
    for (const s of ours) expect(before).toContain(s);
  });

  it('with METRICS_TOKEN: 401 without it or with a wrong one (even on loopback), 200 with the bearer token', async () => {
    const url = `${own.info.apiUrl}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('tenantry_tenants{status="active"}');
  });

  it('without a token, a non-loopback connection is refused (403)', async (ctx) => {
    const address = externalAddress();
    if (!address) ctx.skip();
    // The shared API listens on 127.0.0.1 only; this one on 0.0.0.0 but with a token. A third, token-less one:
    const open = await startStack({ databaseUrl: stack.databaseUrl, serverUrl: stack.serverUrl, redisUrl: stack.redisUrl, dataDir: stack.dataDir, worker: false, env: { HOST: '0.0.0.0' } });
    try {
      const port = new URL(open.info.apiUrl).port;
      const remote = await fetch(`http://${address}:${port}/metrics`);
      expect(remote.status).toBe(403);
      expect(await remote.json()).toMatchObject({ statusCode: 403 });
      const domain = await fetch(`http://${address}:${port}/api/internal/domain-allowed?domain=example.com`);
      expect(domain.status).toBe(403);
      expect((await fetch(`${open.info.apiUrl}/metrics`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});

describe('GET /api/internal/domain-allowed', { timeout: 120_000 }, () => {
  it('200 only for a hostname an active tenant claims; 404 otherwise, without naming any tenant', async () => {
    const { owner, tenant } = await activeTenant(request);
    const { tenant: suspended } = await activeTenant(request);
    const host = `docs.${uniqueSlug('acme')}.example.com`;
    const other = `chat.${uniqueSlug('bobs')}.example.org`;
    await db.query(`UPDATE public.tenants SET settings = settings || jsonb_build_object('custom_domains', jsonb_build_array($2::text)) WHERE id = $1`, [tenant.id, host]);
    await db.query(
      `UPDATE public.tenants SET settings = settings || jsonb_build_object('custom_domains', jsonb_build_array($2::text)), status = 'suspended', is_active = false WHERE id = $1`,
      [suspended.id, other],
    );
    const ask = (domain: string) => request('GET', `/api/internal/domain-allowed?domain=${encodeURIComponent(domain)}`);
    const yes = await ask(host);
    expect(yes.status).toBe(200);
    expect(JSON.stringify(yes.body)).not.toContain(tenant.id);
    expect(JSON.stringify(yes.body)).not.toContain(tenant.slug);
    expect((await ask(host.toUpperCase() + '.')).status).toBe(200); // case and the root dot do not matter
    for (const domain of [other, `x.${host}`, host.replace('docs.', ''), '', 'localhost', '127.0.0.1', `${host}:443`, `*.${host}`, 'a'.repeat(300)]) {
      const no = await ask(domain);
      expect(no.status, domain).toBe(404);
      expect(JSON.stringify(no.body)).not.toContain(tenant.slug);
      expect(JSON.stringify(no.body)).not.toContain(tenant.id);
    }
    // A NUL anywhere in a request is the platform's 400 (hostile input), before any lookup.
    expect((await ask(`${host}\u0000`)).status).toBe(400);
    expect((await request('GET', '/api/internal/domain-allowed')).status).toBe(404);
    expect((await request('GET', `/api/internal/domain-allowed?domain=${host}&domain=${other}`)).status).toBe(404);
    expect(owner.token).toBeTruthy();
  });

  it('with DOMAIN_CHECK_TOKEN: 401 without it, 200 with ?token= (how Caddy asks) or a bearer header', async () => {
    const { tenant } = await activeTenant(request);
    const host = `${uniqueSlug('edge')}.example.net`;
    await db.query(`UPDATE public.tenants SET settings = settings || jsonb_build_object('custom_domains', jsonb_build_array($2::text)) WHERE id = $1`, [tenant.id, host]);
    const base = `${own.info.apiUrl}/api/internal/domain-allowed?domain=${host}`;
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}&token=not-the-token-at-all`)).status).toBe(401);
    expect((await fetch(`${base}&token=${DOMAIN_TOKEN}`)).status).toBe(200);
    expect((await fetch(base, { headers: { authorization: `Bearer ${DOMAIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${own.info.apiUrl}/api/internal/domain-allowed?domain=nobody.example.net&token=${DOMAIN_TOKEN}`)).status).toBe(404);
  });
});

describe('/admin/queues', { timeout: 120_000 }, () => {
  it('platform admins only: 401 anonymous or with a bad token, 403 for a plain user (bearer or cookie); an API key never opens it; 200 for an admin by bearer or by the session cookie', async () => {
    const user = await registerUser(request);
    let admin = await registerUser(request);
    await db.query(`UPDATE public.users SET is_platform_admin = true WHERE id = $1`, [admin.id]);
    const login = await request('POST', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
    admin = { ...admin, token: login.body.access_token };
    const api = `${stack.apiUrl}/admin/queues/api/queues`;
    expect((await fetch(api)).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401);
    // API keys (tnt_...) are not even tried: the dashboard is for a person signed in.
    expect((await fetch(api, { headers: { authorization: 'Bearer tnt_abcdefgh_secretsecretsecret' } })).status).toBe(401);
    const plain = await fetch(api, { headers: { authorization: `Bearer ${user.token}` } });
    expect(plain.status).toBe(403);
    expect(await plain.json()).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect((await fetch(`${stack.apiUrl}/admin/queues`, { headers: { authorization: `Bearer ${user.token}` } })).status).toBe(403);
    // A plain user cannot get a dashboard session either.
    expect((await request('POST', '/api/v1/auth/session', { token: user.token })).status).toBe(403);
    expect((await fetch(api, { headers: { cookie: `tenantry_admin_session=${user.token}` } })).status).toBe(403);

    const asAdmin = await fetch(api, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(asAdmin.status).toBe(200);
    const names = ((await asAdmin.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(Object.values(QUEUE).sort());

    const session = await fetch(`${stack.apiUrl}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tenantry_admin_session=[^;]+; Path=\/admin; Max-Age=\d+; HttpOnly; SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    expect((await fetch(api, { headers: { cookie: pair } })).status).toBe(200);
    const page = await fetch(`${stack.apiUrl}/admin/queues`, { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // Admin withdrawn (announced to every API process): the same cookie stops working.
    const revoked = await runCli(['users', 'set-admin', admin.email, '--revoke'], cliEnv(stack.env));
    expect(revoked.code, revoked.stderr).toBe(0);
    await waitForForbidden(api, pair);
  });
});

async function waitForForbidden(url: string, cookie: string): Promise<void> {
  const deadline = Date.now() + 70_000;
  for (;;) {
    const status = (await fetch(url, { headers: { cookie } })).status;
    if (status === 403) return;
    if (Date.now() > deadline) throw new Error(`still ${status} after the admin flag was withdrawn`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
