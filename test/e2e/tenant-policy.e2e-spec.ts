// Tenancy rules over HTTP: operators' decisions stay with operators (suspensions, limits
// above the plan), one cache entry per tenant whatever the spelling of its key, a request
// naming two tenants answers 400, and MAX_TENANTS_PER_USER caps self-service tenants.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv, runCli } from '../support/cli.js';
import { activeTenant, client, createTenant, type HttpResponse, type Request, registerUser, type TestUser, uniqueSlug, waitForStatus } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { type Stack, startStack, TEST_BASE_DOMAIN } from '../support/stack.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
// node:http, not fetch: fetch drops the Host header, and cannot repeat a header.
const nodeRequest = nodeClient(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

function expectError(res: HttpResponse, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
}

/** A registered user made platform admin in SQL, logged in again so the token says so. */
async function platformAdmin(req: Request = request): Promise<TestUser> {
  const user = await registerUser(req, 'Operator');
  await db.query('UPDATE public.users SET is_platform_admin = true WHERE id = $1', [user.id]);
  const login = await req('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  expect(login.status).toBe(200);
  return { ...user, token: login.body.access_token };
}

async function row(id: string) {
  const { rows } = await db.query(
    'SELECT status, is_active, suspended_by, suspended_by_tenant, max_members, max_api_keys, plan, settings FROM public.tenants WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** A child of `parent` (created by the parent's owner) and a user who owns the child but not the parent. */
async function childWithOwnOwner(parentOwner: TestUser, parent: { id: string }, body: Record<string, unknown> = {}) {
  const created = await createTenant(request, parentOwner.token, { parent_id: parent.id, ...body });
  const childOwner = await registerUser(request, 'Child owner');
  await db.query(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, [created.id, childOwner.id]);
  const child = (await waitForStatus(request, parentOwner.token, created.id)) as { id: string; slug: string };
  return { child, childOwner };
}

const patch = (token: string, tenant: string, body: unknown) => request('PATCH', `/api/tenants/${tenant}`, { token, body });
const suspend = (token: string, tenant: string) => request('DELETE', `/api/tenants/${tenant}`, { token });
const reactivate = (token: string, tenant: string) => request('POST', `/api/tenants/${tenant}/reactivate`, { token });

describe('suspensions are lifted by whoever has the authority that made them', () => {
  let operator: TestUser;
  beforeAll(async () => {
    operator = await platformAdmin();
  });

  it("a platform admin's suspension: the owner gets 403 operator_suspension, the tenant stays suspended; a platform admin lifts it", async () => {
    const { owner, tenant } = await activeTenant(request);
    expect((await suspend(operator.token, tenant.id)).status).toBe(200);
    expect(await row(tenant.id)).toMatchObject({ status: 'suspended', suspended_by: 'platform' });

    expectError(await reactivate(owner.token, tenant.slug), 403, 'operator_suspension');
    // Suspending it again as the owner does not turn it into the owner's own suspension.
    expect((await suspend(owner.token, tenant.slug)).status).toBe(200);
    expectError(await reactivate(owner.token, tenant.slug), 403, 'operator_suspension');
    expect(await row(tenant.id)).toMatchObject({ status: 'suspended', is_active: false, suspended_by: 'platform' });

    const lifted = await reactivate(operator.token, tenant.slug);
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body).toMatchObject({ status: 'active', is_active: true, suspended_at: null });
    expect(await row(tenant.id)).toMatchObject({ status: 'active', suspended_by: null, suspended_by_tenant: null });
  });

  // A CLI run boots Nest in a fresh process: slow on a loaded machine, hence the long timeouts.
  it('the CLI suspends as a platform operator: the owner cannot reactivate', { timeout: 150_000 }, async () => {
    const { owner, tenant } = await activeTenant(request);
    const result = await runCli(['tenants', 'suspend', tenant.slug], cliEnv(stack.env), 120_000);
    expect(result.code, result.stderr).toBe(0);
    expect(await row(tenant.id)).toMatchObject({ status: 'suspended', suspended_by: 'platform' });
    expectError(await reactivate(owner.token, tenant.id), 403, 'operator_suspension');
    expect((await row(tenant.id)).status).toBe('suspended');
  });

  it("a parent admin's suspension: the child's owner cannot lift it, the parent's admin can", async () => {
    const { owner: parentOwner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const { child, childOwner } = await childWithOwnOwner(parentOwner, parent);
    expect((await suspend(parentOwner.token, child.id)).status).toBe(200);
    expect(await row(child.id)).toMatchObject({ status: 'suspended', suspended_by: 'parent', suspended_by_tenant: parent.id });

    expectError(await reactivate(childOwner.token, child.id), 403, 'operator_suspension');
    expect((await row(child.id)).status).toBe('suspended');
    const lifted = await reactivate(parentOwner.token, child.id);
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(await row(child.id)).toMatchObject({ is_active: true, suspended_by: null });
  });

  it("the owner's own suspension is the owner's to lift", async () => {
    const { owner, tenant } = await activeTenant(request);
    expect((await suspend(owner.token, tenant.id)).status).toBe(200);
    expect(await row(tenant.id)).toMatchObject({ suspended_by: 'tenant' });
    expect((await reactivate(owner.token, tenant.id)).status).toBe(200);
  });
});

describe('limits above the plan need an operator or an ancestor within its own limits', () => {
  let operator: TestUser;
  beforeAll(async () => {
    operator = await platformAdmin();
  });

  it('the owner sets limits up to the plan ceiling; above: 403 limit_above_plan naming field and ceiling, nothing changed', async () => {
    const { owner, tenant } = await activeTenant(request, { plan: 'starter' });
    const ok = await patch(owner.token, tenant.id, { max_members: 50, max_api_keys: 5, settings: { rate_limit_per_minute: 60, max_documents: 10 } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ max_members: 50, max_api_keys: 5, settings: { rate_limit_per_minute: 60, max_documents: 10 } });

    const tooMany = await patch(owner.token, tenant.id, { name: 'Renamed', max_members: 51 });
    expectError(tooMany, 403, 'limit_above_plan');
    expect(tooMany.body.details).toEqual([expect.objectContaining({ field: 'max_members', ceiling: 50 })]);

    const overrides = await patch(owner.token, tenant.id, { settings: { rate_limit_per_minute: 61, messages_per_month: 1_000_000, max_documents: 5 } });
    expectError(overrides, 403, 'limit_above_plan');
    expect(overrides.body.details).toEqual([
      expect.objectContaining({ field: 'settings.rate_limit_per_minute', ceiling: 60 }),
      expect.objectContaining({ field: 'settings.messages_per_month', ceiling: 1000 }),
    ]);
    expectError(await patch(owner.token, tenant.id, { max_api_keys: 21 }), 403, 'limit_above_plan');

    expect(await row(tenant.id)).toMatchObject({
      max_members: 50,
      max_api_keys: 5,
      settings: { rate_limit_per_minute: 60, max_documents: 10 },
    });
    expect((await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).body.name).not.toBe('Renamed');
  });

  it('a platform admin raises limits above the plan; the owner may lower them and edit other fields, not raise them again', async () => {
    const { owner, tenant } = await activeTenant(request, { plan: 'growth' });
    const raised = await patch(operator.token, tenant.id, { max_members: 500, settings: { token_budget_monthly: 9_000_000 } });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    expect(await row(tenant.id)).toMatchObject({ max_members: 500, settings: { token_budget_monthly: 9_000_000 } });

    expect((await patch(owner.token, tenant.id, { name: 'Still fine', settings: { default_model: 'x' } })).status).toBe(200);
    expect((await patch(owner.token, tenant.id, { max_members: 400 })).status).toBe(200);
    expectError(await patch(owner.token, tenant.id, { max_members: 450 }), 403, 'limit_above_plan');
    expect(await row(tenant.id)).toMatchObject({ max_members: 400, settings: { token_budget_monthly: 9_000_000, default_model: 'x' } });
  });

  it('a plan change to a lower plan is allowed and keeps the limits already set', async () => {
    const { owner, tenant } = await activeTenant(request, { plan: 'enterprise' });
    expect((await patch(owner.token, tenant.id, { settings: { rate_limit_per_minute: 1000 } })).status).toBe(200);
    const lower = await patch(owner.token, tenant.id, { plan: 'starter' });
    expect(lower.status, JSON.stringify(lower.body)).toBe(200);
    expect(await row(tenant.id)).toMatchObject({ plan: 'starter', settings: { rate_limit_per_minute: 1000 } });
    // Setting a limit together with the plan is checked against the new plan.
    expectError(await patch(owner.token, tenant.id, { plan: 'starter', settings: { max_documents: 5000 } }), 403, 'limit_above_plan');
  });

  it("a parent's admin raises a child's limits up to the parent's own; the child's owner cannot", async () => {
    const { owner: parentOwner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    expect((await patch(operator.token, parent.id, { max_members: 80, settings: { max_documents: 70_000 } })).status).toBe(200);
    const { child, childOwner } = await childWithOwnOwner(parentOwner, parent, { plan: 'starter' });

    expectError(await patch(childOwner.token, child.id, { max_members: 60 }), 403, 'limit_above_plan');
    const ok = await patch(parentOwner.token, child.id, { max_members: 80, settings: { max_documents: 70_000, rate_limit_per_minute: 1000 } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const beyond = await patch(parentOwner.token, child.id, { max_members: 81, settings: { max_documents: 70_001, rate_limit_per_minute: 1001 } });
    expectError(beyond, 403, 'limit_above_plan');
    expect(beyond.body.details).toEqual([
      expect.objectContaining({ field: 'max_members', ceiling: 80 }),
      expect.objectContaining({ field: 'settings.rate_limit_per_minute', ceiling: 1000 }),
      expect.objectContaining({ field: 'settings.max_documents', ceiling: 70_000 }),
    ]);
    expect(await row(child.id)).toMatchObject({ max_members: 80, settings: { max_documents: 70_000, rate_limit_per_minute: 1000 } });
  });

  it('creating a tenant with quota overrides above its plan is refused and creates nothing', async () => {
    const user = await registerUser(request);
    const slug = uniqueSlug('over');
    const res = await request('POST', '/api/tenants', { token: user.token, body: { name: 'Over', slug, plan: 'starter', settings: { max_storage_mb: 2048 } } });
    expectError(res, 403, 'limit_above_plan');
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'settings.max_storage_mb', ceiling: 1024 })]);
    expect((await db.query('SELECT 1 FROM public.tenants WHERE slug = $1 OR owner_id = $2', [slug, user.id])).rows).toHaveLength(0);
    expect((await request('POST', '/api/tenants', { token: user.token, body: { name: 'Ok', slug, plan: 'starter', settings: { max_storage_mb: 1024 } } })).status).toBe(201);
  });
});

describe('the tenant cache', () => {
  it('a suspended tenant answers 403 through an upper-case spelling of its uuid that warmed the cache', async () => {
    const { owner, tenant } = await activeTenant(request);
    const upper = tenant.id.toUpperCase();
    const documents = (key: string) => request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': key } });
    expect((await documents(upper)).status).toBe(200);
    expect((await suspend(owner.token, upper)).status).toBe(200);
    expectError(await documents(upper), 403, 'tenant_suspended');
    expectError(await documents(tenant.id), 403, 'tenant_suspended');
  });
});

describe('a request naming different tenants answers 400 tenant_conflict', () => {
  let owner: TestUser;
  let A: { id: string; slug: string; schema_name: string };
  let B: { id: string; slug: string; schema_name: string };
  beforeAll(async () => {
    owner = await registerUser(request, 'Owner of A and B');
    [{ tenant: A }, { tenant: B }] = await Promise.all([activeTenant(request, {}, owner), activeTenant(request, {}, owner)]);
  });
  const host = (slug: string) => `${slug}.${TEST_BASE_DOMAIN}`;

  it.each([
    ['X-Tenant-ID and X-Tenant-Slug', () => ['/api/v1/corpus/documents', { 'x-tenant-id': A.id, 'x-tenant-slug': B.slug }]],
    ['a header and the path prefix', () => [`/api/v1/${B.slug}/corpus/documents`, { 'x-tenant-slug': A.slug }]],
    ['X-Tenant-ID and the path prefix', () => [`/api/v1/${B.slug}/corpus/documents`, { 'x-tenant-id': A.id }]],
    ['a header and the subdomain', () => ['/api/v1/corpus/documents', { 'x-tenant-id': A.id, host: host(B.slug) }]],
    ['the subdomain and the path prefix', () => [`/api/v1/${B.slug}/corpus/documents`, { host: host(A.slug) }]],
    ['repeated X-Tenant-ID headers', () => ['/api/v1/corpus/documents', { 'x-tenant-id': [A.id, B.id] }]],
    ['repeated X-Tenant-Slug headers', () => ['/api/v1/corpus/documents', { 'x-tenant-slug': [A.slug, B.slug] }]],
  ] as Array<[string, () => [string, Record<string, string | string[]>]]>)('%s', async (_what, make) => {
    const [path, headers] = make();
    const res = await nodeRequest('GET', path, { token: owner.token, headers: headers as Record<string, string> });
    expectError(res, 400, 'tenant_conflict');
    expect(res.body).not.toHaveProperty('documents');
  });

  it('writes nothing to either tenant', async () => {
    const res = await nodeRequest('POST', `/api/v1/${B.slug}/corpus/documents`, {
      token: owner.token,
      headers: { 'x-tenant-id': A.id },
      body: { title: 'which tenant?', content: 'neither' },
    });
    expectError(res, 400, 'tenant_conflict');
    for (const t of [A, B]) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(t.schema_name)}.documents`);
      expect(rows[0].n, t.slug).toBe(0);
    }
  });

  it('the same tenant named several ways (uuid in any case, slug, subdomain, path) is served', async () => {
    const res = await nodeRequest('GET', `/api/v1/${A.slug}/corpus/documents`, {
      token: owner.token,
      headers: { 'x-tenant-id': A.id.toUpperCase(), 'x-tenant-slug': A.slug, host: host(A.slug) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const repeated = await nodeRequest('GET', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': [A.id, A.id.toUpperCase()] } as unknown as Record<string, string>,
    });
    expect(repeated.status, JSON.stringify(repeated.body)).toBe(200);
  });
});

describe('MAX_TENANTS_PER_USER', () => {
  let own: Stack;
  let ownRequest: Request;
  beforeAll(async () => {
    own = await startStack({ ...stack, redisPrefix: stack.env.REDIS_PREFIX, worker: false, env: { MAX_TENANTS_PER_USER: '2' } });
    ownRequest = client(own.info.apiUrl);
  });
  afterAll(async () => {
    await own?.stop();
  });

  const owned = async (userId: string): Promise<number> =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.tenants WHERE owner_id = $1 AND parent_id IS NULL', [userId])).rows[0]!.n;

  it('caps the top-level tenants a user owns: over it 403 tenant_limit_reached, nothing created; children do not count', async () => {
    const user = await registerUser(ownRequest);
    const first = await createTenant(ownRequest, user.token, { plan: 'enterprise' });
    await createTenant(ownRequest, user.token);
    const slug = uniqueSlug('third');
    const third = await ownRequest('POST', '/api/tenants', { token: user.token, body: { name: 'Third', slug, plan: 'starter' } });
    expectError(third, 403, 'tenant_limit_reached');
    expect(await owned(user.id)).toBe(2);
    expect((await db.query('SELECT 1 FROM public.tenants WHERE slug = $1', [slug])).rows).toHaveLength(0);

    const child = await ownRequest('POST', '/api/tenants', { token: user.token, body: { name: 'Child', slug: uniqueSlug('child'), parent_id: first.id } });
    expect(child.status, JSON.stringify(child.body)).toBe(201);
  });

  it('holds under concurrent creates', async () => {
    const user = await registerUser(ownRequest);
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map(() => ownRequest('POST', '/api/tenants', { token: user.token, body: { name: 'Race', slug: uniqueSlug('race'), plan: 'starter' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 403, 403, 403]);
    expect(await owned(user.id)).toBe(2);
  });

  it('platform admins are exempt', async () => {
    const admin = await platformAdmin(ownRequest);
    for (let i = 0; i < 3; i++) await createTenant(ownRequest, admin.token);
    expect(await owned(admin.id)).toBe(3);
  });
});
