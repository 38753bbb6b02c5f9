// Usage metering, quotas, rate limits, budgets and quota alerts (issue 17, seeds 000-002),
// over HTTP against two real API processes sharing one Redis and one PostgreSQL, and the real
// worker that ingests the API processes' usage batches. Its own database (the admin report
// sums every tenant in it) and a loopback SMTP server for the alert mail. BENCH_ROUTES brings
// POST /bench/spend, which spends a monthly budget through Quotas as chat will.
import type { ParsedMail } from 'mailparser';
import type pg from 'pg';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, registerUser, type Request, type TestUser, waitForStatus } from '../support/http.js';
import { cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import { dropDatabase, pgPool, uniqueDatabaseName, waitUntil } from '../support/tenant-schema.js';

const shared = inject('stack');
const FLUSH_MS = 200;
let stack: Stack;
let secondApi: Stack;
let api: Request;
let api2: Request;
let db: pg.Pool;
let smtp: SmtpInbox;

beforeAll(async () => {
  smtp = await startSmtpInbox();
  const smtpUrl = smtp.url;
  const databaseUrl = await createDatabase(shared.serverUrl, uniqueDatabaseName('usage'));
  db = pgPool(databaseUrl);
  const env = { TENANT_RATE_LIMIT_SCALE: '1', BENCH_ROUTES: 'true', USAGE_FLUSH_MS: String(FLUSH_MS), SMTP_URL: smtpUrl, WARM_POOL_SIZE: '2' };
  stack = await startStack({ databaseUrl, serverUrl: shared.serverUrl, redisUrl: shared.redisUrl, dataDir: shared.dataDir, env });
  secondApi = await startStack({
    databaseUrl,
    serverUrl: shared.serverUrl,
    redisUrl: shared.redisUrl,
    dataDir: shared.dataDir,
    redisPrefix: stack.info.env.REDIS_PREFIX,
    worker: false,
    env,
  });
  api = client(stack.info.apiUrl);
  api2 = client(secondApi.info.apiUrl);
}, 180_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), secondApi?.stop()]);
  await db?.end();
  await smtp?.close();
  if (stack) await dropDatabase(shared.serverUrl, stack.info.databaseUrl).catch(() => undefined);
});

const scoped = (tenantId: string, token: string) => ({ token, headers: { 'x-tenant-id': tenantId } });

/** N tenant-scoped calls, alternating between the two API processes, 8 at a time (a loaded machine); all must succeed. */
async function calls(tenantId: string, token: string, n: number): Promise<void> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = Array.from({ length: Math.min(8, n - i) }, (_, j) => ((i + j) % 2 ? api2 : api)('GET', '/api/v1/corpus/documents', scoped(tenantId, token)));
    statuses.push(...(await Promise.all(batch)).map((r) => r.status));
  }
  expect(statuses).toEqual(statuses.map(() => 200));
}

/** The flushed api_call total of a tenant in PostgreSQL (records, and the daily rollup). */
async function storedApiCalls(tenantId: string): Promise<{ records: number; daily: number }> {
  const { rows } = await db.query<{ records: string; daily: string }>(
    `SELECT (SELECT coalesce(sum(quantity), 0) FROM usage_records WHERE tenant_id = $1 AND resource_type = 'api_call') AS records,
            (SELECT coalesce(sum(quantity), 0) FROM usage_daily WHERE tenant_id = $1 AND resource_type = 'api_call') AS daily`,
    [tenantId],
  );
  return { records: Number(rows[0]!.records), daily: Number(rows[0]!.daily) };
}

/** Waits until `n` api_calls are stored, then a few flush intervals more: still exactly n. */
async function expectStoredExactly(tenantId: string, n: number): Promise<void> {
  await waitUntil(`${n} api_calls stored`, async () => (await storedApiCalls(tenantId)).records >= n, 15_000);
  await new Promise((r) => setTimeout(r, FLUSH_MS * 5));
  expect(await storedApiCalls(tenantId)).toEqual({ records: n, daily: n });
}

async function patchSettings(owner: TestUser, tenantId: string, settings: Record<string, unknown>): Promise<void> {
  const res = await api('PATCH', `/api/tenants/${tenantId}`, { token: owner.token, body: { settings } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function mailsTo(email: string): Promise<ParsedMail[]> {
  return smtp.messages.filter((m) => m.to.includes(email)).map((m) => m.mail);
}

describe('metering', () => {
  it('counts every tenant-scoped call on either API process exactly once, and the usage endpoint shows it', async () => {
    const { owner, tenant } = await activeTenant(api);
    await calls(tenant.id, owner.token, 37);
    await expectStoredExactly(tenant.id, 37);

    const res = await api('GET', `/api/tenants/${tenant.id}/usage?period=7d`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant_id: tenant.id, totals: { api_call: 37 } });
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body.daily_breakdown).toEqual([{ date: today, totals: { api_call: 37 } }]);
    const span = Date.parse(res.body.period_end) - Date.parse(res.body.period_start);
    expect(span).toBe(7 * 86_400_000);
    expect(Math.abs(Date.parse(res.body.period_end) - Date.now())).toBeLessThan(60_000);
    // The slug spells the tenant as well, with the seed's trailing slash.
    expect((await api('GET', `/api/tenants/${tenant.slug}/usage/?period=30d`, { token: owner.token })).body.totals).toEqual({ api_call: 37 });
    // Management routes are not tenant-scoped calls: reading usage did not add any.
    await new Promise((r) => setTimeout(r, FLUSH_MS * 3));
    expect((await storedApiCalls(tenant.id)).records).toBe(37);
  });

  it('periods: 7d, 30d and 90d include exactly the records inside them; anything else is a 400', { timeout: 180_000 }, async () => {
    const { owner, tenant } = await activeTenant(api);
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000 + 3_600_000); // an hour inside the boundary
    const inserted: Record<number, Date> = {};
    for (const [days, quantity] of [
      [6, 1],
      [29, 10],
      [89, 100],
      [91, 1000],
    ] as const) {
      await db.query(
        `INSERT INTO usage_records (tenant_id, resource_type, quantity, bucket, batch_id) VALUES ($1, 'rag_query', $2, date_trunc('minute', $3::timestamptz), 'test-old')`,
        [tenant.id, quantity, (inserted[days] = ago(days))],
      );
    }
    const totals = async (period: string) => (await api('GET', `/api/tenants/${tenant.id}/usage?period=${period}`, { token: owner.token })).body.totals;
    expect(await totals('7d')).toEqual({ rag_query: 1 });
    expect(await totals('30d')).toEqual({ rag_query: 11 });
    expect(await totals('90d')).toEqual({ rag_query: 111 });
    expect(await totals('')).toBeUndefined(); // empty is not a period either
    for (const bad of ['1d', '7', '365d', '7d%00', '30D', 'x'.repeat(5000)]) {
      const res = await api('GET', `/api/tenants/${tenant.id}/usage?period=${bad}`, { token: owner.token });
      expect(res.status, bad.slice(0, 20)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    expect((await api('GET', `/api/tenants/${tenant.id}/usage?period=7d&period=30d`, { token: owner.token })).status).toBe(400);
    expect((await api('GET', `/api/tenants/${tenant.id}/usage?bogus=1`, { token: owner.token })).status).toBe(400);

    // The inserted rows are not in usage_daily until a rollup: the CLI re-derives the days.
    const before = await api('GET', `/api/tenants/${tenant.id}/usage?period=90d`, { token: owner.token });
    expect(before.body.daily_breakdown).toEqual([]);
    // Not ago(95): its extra hour is tomorrow's date in the last hour of a UTC day, and the span would be 95 days.
    const from = new Date(Date.now() - 95 * 86_400_000).toISOString().slice(0, 10);
    const cli = await runCli(['usage', 'rollup', '--from', from, '--json'], cliEnv(stack.info.env));
    const result = parseJsonOutput<{ from: string; to: string; days: number; rows: number }>(cli);
    expect(result).toMatchObject({ from, to: new Date().toISOString().slice(0, 10), days: 96 });
    expect(result.rows).toBeGreaterThanOrEqual(4);
    const after = await api('GET', `/api/tenants/${tenant.id}/usage?period=90d`, { token: owner.token });
    // The breakdown holds whole UTC days from the period start's date: in the last hour of a UTC day
    // the 91-day row (outside the rolling totals) falls on that first date, so it is listed.
    const firstDay = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
    const oldest = inserted[91]!.toISOString().slice(0, 10) >= firstDay ? [{ rag_query: 1000 }] : [];
    expect(after.body.daily_breakdown.map((d: { totals: object }) => d.totals)).toEqual([...oldest, { rag_query: 100 }, { rag_query: 10 }, { rag_query: 1 }]);
    // Idempotent: a second rollup writes the same days.
    parseJsonOutput(await runCli(['usage', 'rollup', '--from', from, '--json'], cliEnv(stack.info.env)));
    expect((await api('GET', `/api/tenants/${tenant.id}/usage?period=90d`, { token: owner.token })).body).toEqual({ ...after.body, period_start: expect.any(String), period_end: expect.any(String) });
    const badCli = await runCli(['usage', 'rollup', '--from', '2026-02-30'], cliEnv(stack.info.env));
    expect(badCli.code).not.toBe(0);
    expect(badCli.stderr).toMatch(/--from must be a past date/);
  });

  it('details: filters by resource, pages, and refuses bad filters', async () => {
    const { owner, tenant } = await activeTenant(api);
    await calls(tenant.id, owner.token, 3);
    await api('POST', '/bench/spend', { ...scoped(tenant.id, owner.token), body: { resource: 'llm_token', amount: 250 } });
    await waitUntil('llm_token stored', async () => (await db.query(`SELECT 1 FROM usage_records WHERE tenant_id = $1 AND resource_type = 'llm_token'`, [tenant.id])).rowCount);
    await expectStoredExactly(tenant.id, 4); // the spend call is a tenant-scoped call too

    const tokens = await api('GET', `/api/tenants/${tenant.id}/usage/details?resource_type=llm_token&period=7d&limit=50`, { token: owner.token });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ tenant_id: tenant.id, total: 1, skip: 0, limit: 50 });
    expect(tokens.body.records).toEqual([{ id: expect.any(String), resource_type: 'llm_token', quantity: 250, timestamp: expect.any(String), metadata: {} }]);
    const all = await api('GET', `/api/tenants/${tenant.id}/usage/details?limit=1`, { token: owner.token });
    expect(all.body.records).toHaveLength(1);
    expect(all.body.total).toBeGreaterThanOrEqual(2);
    const apiCalls = await api('GET', `/api/tenants/${tenant.id}/usage/details?resource_type=api_call&limit=100`, { token: owner.token });
    expect(apiCalls.body.records.every((r: { resource_type: string }) => r.resource_type === 'api_call')).toBe(true);
    expect(apiCalls.body.records.reduce((n: number, r: { quantity: number }) => n + r.quantity, 0)).toBe(4);
    for (const q of ['resource_type=bogus', 'limit=0', 'limit=101', 'limit=1e3', 'period=1y', 'skip=-1', 'resource_type=api_call%00']) {
      expect((await api('GET', `/api/tenants/${tenant.id}/usage/details?${q}`, { token: owner.token })).status, q).toBe(400);
    }
  });

  it('isolation: only the tenant, its parent and usage:read roles read its usage; its numbers are its own', async () => {
    const a = await activeTenant(api);
    const b = await activeTenant(api);
    await calls(a.tenant.id, a.owner.token, 5);
    await calls(b.tenant.id, b.owner.token, 2);
    await expectStoredExactly(a.tenant.id, 5);
    await expectStoredExactly(b.tenant.id, 2);
    for (const path of ['usage', 'usage/details', 'stats?group_by=child', 'quotas']) {
      const res = await api('GET', `/api/tenants/${a.tenant.id}/${path}`, { token: b.owner.token });
      expect(res.status, path).toBe(403);
    }
    expect((await api('GET', `/api/tenants/${b.tenant.id}/usage`, { token: b.owner.token })).body.totals).toEqual({ api_call: 2 });
    // A viewer of A may not read usage (usage:read is for owners and admins).
    const viewer = await registerUser(api);
    expect((await api('POST', `/api/tenants/${a.tenant.id}/members`, { token: a.owner.token, body: { email: viewer.email, role: 'viewer' } })).status).toBe(201);
    expect((await api('GET', `/api/tenants/${a.tenant.id}/usage`, { token: viewer.token })).status).toBe(403);
    expect((await api('GET', `/api/tenants/${a.tenant.id}/usage`)).status).toBe(401);
    // The platform report is for platform admins only.
    expect((await api('GET', '/api/admin/usage', { token: a.owner.token })).status).toBe(403);
  });
});

describe('stats by child and consolidated billing', () => {
  it('gives a parent per-child totals (group_by and groupBy), and consolidated totals without separate children', async () => {
    const { owner, tenant: parent } = await activeTenant(api, { plan: 'enterprise' });
    const c1 = await createTenant(api, owner.token, { parent_id: parent.id, plan: 'starter' });
    const c2 = await createTenant(api, owner.token, { parent_id: parent.id, plan: 'starter', settings: { billing_mode: 'separate' } });
    await Promise.all([waitForStatus(api, owner.token, c1.id), waitForStatus(api, owner.token, c2.id)]);
    await calls(parent.id, owner.token, 1);
    await calls(c1.id, owner.token, 3);
    await calls(c2.id, owner.token, 2);
    await Promise.all([expectStoredExactly(parent.id, 1), expectStoredExactly(c1.id, 3), expectStoredExactly(c2.id, 2)]);

    for (const q of ['group_by=child', 'groupBy=child']) {
      const res = await api('GET', `/api/tenants/${parent.slug}/stats?${q}`, { token: owner.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tenant_id: parent.id, group_by: 'child', totals: { api_call: 1 }, consolidated_totals: { api_call: 4 } });
      const bySlug = Object.fromEntries(res.body.children.map((c: { slug: string; totals: object; billing_mode: string }) => [c.slug, [c.totals, c.billing_mode]]));
      expect(bySlug).toEqual({ [c1.slug]: [{ api_call: 3 }, 'consolidated'], [c2.slug]: [{ api_call: 2 }, 'separate'] });
    }
    // Without group_by: the tenant's own totals only.
    const plain = await api('GET', `/api/tenants/${parent.id}/stats`, { token: owner.token });
    expect(plain.body).toEqual({ tenant_id: parent.id, period_start: expect.any(String), period_end: expect.any(String), totals: { api_call: 1 } });
    expect((await api('GET', `/api/tenants/${parent.id}/stats?group_by=parent`, { token: owner.token })).status).toBe(400);
    // A child's own admins never see the parent's stats.
    const childAdmin = await registerUser(api);
    expect((await api('POST', `/api/tenants/${c1.id}/members`, { token: owner.token, body: { email: childAdmin.email, role: 'admin' } })).status).toBe(201);
    expect((await api('GET', `/api/tenants/${parent.id}/stats?group_by=child`, { token: childAdmin.token })).status).toBe(403);
    expect((await api('GET', `/api/tenants/${c1.id}/stats`, { token: childAdmin.token })).body.totals).toEqual({ api_call: 3 });
  });

  it("a consolidated child's spend counts against its parent's budget; a separate child's does not (402 on the parent's limit)", async () => {
    const { owner, tenant: parent } = await activeTenant(api, { plan: 'enterprise', settings: { messages_per_month: 10 } });
    const child = await createTenant(api, owner.token, { parent_id: parent.id, plan: 'starter' });
    const separate = await createTenant(api, owner.token, { parent_id: parent.id, plan: 'starter', settings: { billing_mode: 'separate' } });
    await Promise.all([waitForStatus(api, owner.token, child.id), waitForStatus(api, owner.token, separate.id)]);
    const spend = (t: string, amount: number, via = api) => via('POST', '/bench/spend', { ...scoped(t, owner.token), body: { resource: 'message', amount } });
    expect((await spend(separate.id, 9)).status).toBe(200);
    expect((await spend(child.id, 8, api2)).status).toBe(200);
    const refused = await spend(child.id, 3);
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ statusCode: 402, error: 'Payment Required', details: { quota: 'messages_per_month', limit: 10, used: 8, tenant_id: parent.id } });
    expect((await spend(parent.id, 3, api2)).status).toBe(402);
    expect((await spend(parent.id, 2)).status).toBe(200);
    const quotas = await api('GET', `/api/tenants/${parent.id}/quotas`, { token: owner.token });
    expect(quotas.body.quotas.messages_per_month).toMatchObject({ limit: 10, used: 10, percent: 100 });
    expect((await api('GET', `/api/tenants/${child.id}/quotas`, { token: owner.token })).body.quotas.messages_per_month).toMatchObject({ used: 8 });
  });
});

describe('quotas, rate limits and budgets', () => {
  it('lists every limit with limit, used, percent and resets_at', async () => {
    const { owner, tenant } = await activeTenant(api, { plan: 'growth', settings: { token_budget_monthly: 500_000 } });
    expect((await api('POST', '/bench/spend', { ...scoped(tenant.id, owner.token), body: { resource: 'llm_token', amount: 310_000 } })).status).toBe(200);
    await api('POST', '/api/v1/corpus/documents', { ...scoped(tenant.id, owner.token), body: { title: 'One', content: 'doc' } });
    const res = await api('GET', `/api/tenants/${tenant.id}/quotas`, { token: owner.token });
    expect(res.status).toBe(200);
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    expect(res.body).toMatchObject({ tenant_id: tenant.id, plan: 'growth' });
    expect(Object.keys(res.body.quotas).sort()).toEqual(
      ['max_api_keys', 'max_child_tenants', 'max_concurrent_sessions', 'max_documents', 'max_members', 'max_storage_mb', 'messages_per_month', 'rate_limit_per_minute', 'token_budget_monthly'].sort(),
    );
    expect(res.body.quotas.token_budget_monthly).toEqual({ limit: 500_000, used: 310_000, percent: 62, resets_at: nextMonth });
    expect(res.body.quotas.messages_per_month).toEqual({ limit: 10_000, used: 0, percent: 0, resets_at: nextMonth });
    expect(res.body.quotas.max_documents).toEqual({ limit: 5_000, used: 1, percent: 0, resets_at: null });
    expect(res.body.quotas.max_members).toMatchObject({ used: 1, resets_at: null });
    expect(res.body.quotas.max_members.limit).toBeGreaterThanOrEqual(10);
    expect(res.body.quotas.max_api_keys.limit).toBeGreaterThanOrEqual(5);
    expect(res.body.quotas.max_child_tenants).toEqual({ limit: 1, used: 0, percent: 0, resets_at: null });
    expect(res.body.quotas.rate_limit_per_minute.limit).toBe(100);
    expect(res.body.quotas.rate_limit_per_minute.used).toBeGreaterThanOrEqual(2);
  });

  it('429 with Retry-After and X-RateLimit-* past the tenant limit, across both API processes; another tenant is unaffected', async () => {
    const { owner, tenant } = await activeTenant(api, { settings: { rate_limit_per_minute: 6 } });
    const other = await activeTenant(api);
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? api2 : api)('GET', '/api/v1/corpus/documents', scoped(tenant.id, owner.token))));
    const ok = burst.filter((r) => r.status === 200);
    const limited = burst.filter((r) => r.status === 429);
    expect(ok).toHaveLength(6);
    expect(limited).toHaveLength(4);
    for (const r of limited) {
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(r.headers.get('x-ratelimit-limit')).toBe('6');
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(r.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now() - 1000);
      expect(r.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', details: { quota: 'rate_limit_per_minute', limit: 6 } });
      expect(r.body.message).toMatch(/rate_limit_per_minute/);
    }
    expect(ok.map((r) => r.headers.get('x-ratelimit-limit'))).toEqual(ok.map(() => '6'));
    expect(ok.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // Another tenant, same caller machine, both processes: unaffected.
    const others = await Promise.all([api, api2, api].map((r) => r('GET', '/api/v1/corpus/documents', scoped(other.tenant.id, other.owner.token))));
    expect(others.map((r) => r.status)).toEqual([200, 200, 200]);
    // Refused calls are not metered: 6 api_calls.
    await expectStoredExactly(tenant.id, 6);
  });

  it('the limit slides (GCRA): after a burst of L, one more request passes every 60/L s, on either API process; another tenant keeps its own', async () => {
    // L = 12: one request every T = 5 s after a burst of 12. A fixed 60-second window would let
    // none through 5 s after the burst (and a whole new 12 at its boundary).
    const L = 12;
    const T = 60_000 / L;
    const { owner, tenant } = await activeTenant(api, { settings: { rate_limit_per_minute: L } });
    const other = await activeTenant(api, { settings: { rate_limit_per_minute: L } });
    const get = (via: Request, t = tenant.id, token = owner.token) => via('GET', '/api/v1/corpus/documents', scoped(t, token));
    const statuses = (rs: Array<{ status: number }>) => rs.map((r) => r.status).sort();

    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: L + 4 }, (_, i) => get(i % 2 ? api2 : api)));
    const burstEnded = Date.now();
    expect(statuses(burst)).toEqual([...Array<number>(L).fill(200), ...Array<number>(4).fill(429)]);
    for (const r of burst.filter((x) => x.status === 429)) {
      // The next request passes T after the first of the burst: Retry-After is at most T, rounded up.
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(T / 1000);
      expect(r.body).toMatchObject({ statusCode: 429, code: 'rate_limited', details: { quota: 'rate_limit_per_minute', limit: L } });
    }
    // The bucket is full again a minute after the burst: that is X-RateLimit-Reset.
    const last = burst.filter((x) => x.status === 200).find((r) => r.headers.get('x-ratelimit-remaining') === '0')!;
    expect(Number(last.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThanOrEqual(started + 60_000 - 1000);
    expect(Number(last.headers.get('x-ratelimit-reset')) * 1000).toBeLessThanOrEqual(burstEnded + 60_000 + 1000);

    // The other tenant, on both processes, while the first is limited: its own full burst.
    const others = await Promise.all(Array.from({ length: 4 }, (_, i) => get(i % 2 ? api2 : api, other.tenant.id, other.owner.token)));
    expect(statuses(others)).toEqual([200, 200, 200, 200]);
    expect(others.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort((a, b) => a - b)).toEqual([L - 4, L - 3, L - 2, L - 1]);

    // T after the burst: exactly one of three passes (whichever process it reaches), then none.
    for (let step = 1; step <= 2; step++) {
      await new Promise((r) => setTimeout(r, burstEnded + step * T + 250 - Date.now()));
      expect(Date.now() - started, 'the machine is too slow for this test: the burst took longer than T').toBeLessThan(step * T + T - 500);
      const three = await Promise.all([get(api), get(api2), get(api2)]);
      expect(statuses(three), `step ${step}`).toEqual([200, 429, 429]);
      const passed = three.find((r) => r.status === 200)!;
      expect(passed.headers.get('x-ratelimit-remaining')).toBe('0');
      for (const r of three.filter((x) => x.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(T / 1000);
    }

    // The quotas view reads the same bucket without counting: L used, resets about a minute on.
    const quotas = await api('GET', `/api/tenants/${tenant.id}/quotas`, { token: owner.token });
    expect(quotas.body.quotas.rate_limit_per_minute).toMatchObject({ limit: L, used: L, percent: 100 });
    expect(Date.parse(quotas.body.quotas.rate_limit_per_minute.resets_at)).toBeGreaterThan(Date.now() + 50_000);
    const otherQuotas = await api('GET', `/api/tenants/${other.tenant.id}/quotas`, { token: other.owner.token });
    expect(otherQuotas.body.quotas.rate_limit_per_minute.used).toBeLessThanOrEqual(4);
    // Only what passed is metered: L in the burst, one per step.
    await expectStoredExactly(tenant.id, L + 2);
    await expectStoredExactly(other.tenant.id, 4);
  });

  it('402 with the limit and resets_at once a monthly budget is spent; nothing is counted for a refusal', async () => {
    const { owner, tenant } = await activeTenant(api, { settings: { token_budget_monthly: 1000 } });
    const spend = (amount: number, via = api) => via('POST', '/bench/spend', { ...scoped(tenant.id, owner.token), body: { resource: 'llm_token', amount } });
    expect((await spend(600)).status).toBe(200);
    expect((await spend(400, api2)).status).toBe(200);
    const refused = await spend(1);
    expect(refused.status).toBe(402);
    const now = new Date();
    expect(refused.body).toEqual({
      statusCode: 402,
      error: 'Payment Required',
      code: 'quota_exceeded',
      message: expect.stringMatching(/token_budget_monthly of 1000 is used up/),
      details: { quota: 'token_budget_monthly', limit: 1000, used: 1000, requested: 1, tenant_id: tenant.id, resets_at: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString() },
    });
    // Bad amounts are 400s, and change nothing.
    for (const amount of [0, -5, 1.5, 1e12, '10']) {
      expect((await api('POST', '/bench/spend', { ...scoped(tenant.id, owner.token), body: { resource: 'llm_token', amount } })).status).toBe(400);
    }
    await waitUntil('tokens stored', async () => {
      const { rows } = await db.query<{ n: string }>(`SELECT coalesce(sum(quantity), 0) AS n FROM usage_records WHERE tenant_id = $1 AND resource_type = 'llm_token'`, [tenant.id]);
      return Number(rows[0]!.n) === 1000;
    });
    await new Promise((r) => setTimeout(r, FLUSH_MS * 4));
    const { rows } = await db.query<{ n: string }>(`SELECT sum(quantity) AS n FROM usage_records WHERE tenant_id = $1 AND resource_type = 'llm_token'`, [tenant.id]);
    expect(Number(rows[0]!.n)).toBe(1000);
    // A raised budget (an operator or a parent would; lowering and restoring within the plan the owner may) lets it spend again.
    await patchSettings(owner, tenant.id, { token_budget_monthly: 2000 });
    expect((await spend(1)).status).toBe(200);
  });
});

describe('quota alerts', () => {
  it('mails owners and admins once at 80% and once at 100% of a limit per period, branded, and emits the event', async () => {
    const { owner, tenant } = await activeTenant(api, { settings: { messages_per_month: 10, branding: { display_name: 'Acme Support', email_from_name: 'Acme Billing' } } });
    const admin = await registerUser(api);
    const member = await registerUser(api);
    for (const [user, role] of [
      [admin, 'admin'],
      [member, 'member'],
    ] as const) {
      expect((await api('POST', `/api/tenants/${tenant.id}/members`, { token: owner.token, body: { email: user.email, role } })).status).toBe(201);
    }
    const spend = (amount: number, via = api) => via('POST', '/bench/spend', { ...scoped(tenant.id, owner.token), body: { resource: 'message', amount } });
    expect((await spend(7)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsTo(owner.email)).toHaveLength(0); // 70%: nothing yet
    // Crossing 80% on both processes at once: one alert.
    await Promise.all([spend(1), spend(1, api2)]);
    await waitUntil('the 80% mail', async () => (await mailsTo(admin.email)).length === 1 && (await mailsTo(owner.email)).length === 1);
    const mail = (await mailsTo(owner.email))[0]!;
    expect(mail.subject).toBe('Acme Support: messages_per_month is at 80% of its limit');
    expect(mail.from?.value[0]?.name).toBe('Acme Billing');
    // Whichever of the two concurrent spends claimed the alert: 8 or 9 used.
    expect(mail.text).toMatch(/has used [89] of its messages_per_month limit of 10\. It resets at /);
    expect(await mailsTo(member.email)).toHaveLength(0);
    expect((await spend(1, api2)).status).toBe(200);
    await waitUntil('the 100% mail', async () => (await mailsTo(owner.email)).length === 2);
    expect((await mailsTo(owner.email))[1]!.subject).toBe('Acme Support: messages_per_month has reached its limit');
    expect((await spend(1)).status).toBe(402);
    // Reading the quotas re-checks every limit: no further alert in this period.
    expect((await api('GET', `/api/tenants/${tenant.id}/quotas`, { token: owner.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await mailsTo(owner.email)).toHaveLength(2);
    expect(await mailsTo(admin.email)).toHaveLength(2);
    const { rows } = await db.query<{ threshold: number; emailed_to: number; event_emitted: boolean }>(
      `SELECT threshold, emailed_to, event_emitted_at IS NOT NULL AS event_emitted FROM quota_alerts WHERE tenant_id = $1 ORDER BY threshold`,
      [tenant.id],
    );
    expect(rows).toEqual([
      { threshold: 80, emailed_to: 2, event_emitted: true },
      { threshold: 100, emailed_to: 2, event_emitted: true },
    ]);
  });
});

describe('platform report', () => {
  it('ranks tenants by a resource and sums by plan, for platform admins', { timeout: 120_000 }, async () => {
    const a = await activeTenant(api, { plan: 'growth' });
    await calls(a.tenant.id, a.owner.token, 12);
    await expectStoredExactly(a.tenant.id, 12);
    const email = `admin-${Date.now()}@example.com`;
    const created = await runCli(['users', 'create', '--email', email, '--password', 'correct-horse-battery', '--platform-admin'], cliEnv(stack.info.env));
    expect(created.code, created.stderr).toBe(0);
    const login = await api('POST', '/api/v1/auth/login', { body: { email, password: 'correct-horse-battery' } });
    const token = login.body.access_token as string;
    const res = await api('GET', '/api/admin/usage?period=7d&limit=100', { token });
    expect(res.status).toBe(200);
    const { rows } = await db.query<{ plan: string; n: string }>(
      `SELECT t.plan, sum(d.quantity) AS n FROM usage_daily d JOIN tenants t ON t.id = d.tenant_id WHERE d.resource_type = 'api_call' GROUP BY t.plan`,
    );
    expect(res.body.ranked_by).toBe('api_call');
    for (const r of rows) expect(res.body.totals_by_plan[r.plan].api_call).toBe(Number(r.n));
    expect(res.body.totals.api_call).toBe(rows.reduce((n, r) => n + Number(r.n), 0));
    const top = res.body.top_tenants as Array<{ tenant_id: string; quantity: number; slug: string }>;
    expect(top.find((t) => t.tenant_id === a.tenant.id)).toMatchObject({ slug: a.tenant.slug, quantity: 12 });
    expect(top.map((t) => t.quantity)).toEqual([...top.map((t) => t.quantity)].sort((x, y) => y - x));
    expect((await api('GET', '/api/admin/usage?limit=1', { token })).body.top_tenants).toHaveLength(1);
    expect((await api('GET', '/api/admin/usage?limit=0', { token })).status).toBe(400);
    expect((await api('GET', '/api/admin/usage?resource_type=nope', { token })).status).toBe(400);
  });
});
