import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, registerUser, type TestUser, uniqueSlug, waitForStatus } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { TEST_BASE_DOMAIN } from '../support/stack.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const nodeRequest = nodeClient(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

/** The keys of the tenant object in seed 002, plus `status` and `parent_id` (API.md). */
const SEED_KEYS = [
  'id', 'name', 'slug', 'schema_name', 'plan', 'settings', 'is_active', 'max_members', 'max_api_keys',
  'owner_id', 'member_count', 'created_at', 'updated_at', 'suspended_at', 'status', 'parent_id',
];
/** What TenantDto adds on top. */
const DTO_EXTRA_KEYS = ['schema_version', 'last_error'];

const schemaOf = (slug: string): string => `tenant_${slug.replace(/-/g, '_')}`;
const isIso = (value: unknown): boolean => typeof value === 'string' && !Number.isNaN(Date.parse(value)) && value.includes('T');

async function tenantRowsOwnedBy(userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.tenants WHERE owner_id = $1', [userId]);
  return rows[0]!.n;
}

async function schemaExists(name: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
  return rows.length > 0;
}

/** A refused create left nothing behind: no tenant row of the caller or with that slug, no schema. */
async function expectNothingCreated(caller: TestUser, slug: unknown): Promise<void> {
  expect(await tenantRowsOwnedBy(caller.id)).toBe(0);
  if (typeof slug === 'string') {
    const { rows } = await db.query('SELECT 1 FROM public.tenants WHERE slug = $1 OR lower(slug) = lower($1)', [slug]);
    expect(rows).toHaveLength(0);
    expect(await schemaExists(schemaOf(slug))).toBe(false);
    expect(await schemaExists(schemaOf(slug.toLowerCase()))).toBe(false);
  }
  const { rows: me } = await db.query('SELECT count(*)::int AS n FROM public.memberships WHERE user_id = $1', [caller.id]);
  expect(me[0].n).toBe(0);
  const me2 = await request('GET', '/api/v1/auth/me', { token: caller.token });
  expect(me2.body.memberships).toEqual([]);
}

function expectError(res: { status: number; body: unknown }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  if (code) expect((res.body as { code?: string }).code).toBe(code);
}

const get = (token: string, tenant: string) => request('GET', `/api/tenants/${tenant}`, { token });

describe('tenants: create', () => {
  /** One caller for every refused create: each refusal must leave them without any tenant. */
  let refused: TestUser;
  beforeAll(async () => {
    refused = await registerUser(request);
  });

  it('answers 201 with the seed-002 tenant shape, status provisioning, then becomes active', async () => {
    const owner = await registerUser(request);
    const slug = uniqueSlug('acme');
    const res = await request('POST', '/api/tenants', {
      token: owner.token,
      body: { name: 'Acme Corp', slug, plan: 'enterprise', settings: { default_model: 'gpt-4o-mini', theme: { dark: true } } },
    });
    expect(res.status).toBe(201);
    const t = res.body;
    for (const key of SEED_KEYS) expect(t, key).toHaveProperty(key);
    expect(Object.keys(t).filter((k) => !SEED_KEYS.includes(k) && !DTO_EXTRA_KEYS.includes(k))).toEqual([]);
    expect(t).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      name: 'Acme Corp',
      slug,
      schema_name: schemaOf(slug),
      plan: 'enterprise',
      settings: { default_model: 'gpt-4o-mini', theme: { dark: true } },
      status: 'provisioning',
      is_active: true,
      parent_id: null,
      max_members: 50,
      max_api_keys: 20,
      owner_id: owner.id,
      member_count: 1,
      suspended_at: null,
    });
    expect(t.schema_name).toMatch(/^tenant_[a-z0-9_]+$/);
    expect(isIso(t.created_at)).toBe(true);
    expect(isIso(t.updated_at)).toBe(true);

    const active = await waitForStatus(request, owner.token, t.id);
    expect(active).toMatchObject({ id: t.id, slug, status: 'active', is_active: true, member_count: 1, owner_id: owner.id });
    expect(await schemaExists(t.schema_name)).toBe(true);
  });

  it('defaults the plan to starter and the settings to {}', async () => {
    const owner = await registerUser(request);
    const res = await request('POST', '/api/tenants', { token: owner.token, body: { name: 'Defaults', slug: uniqueSlug() } });
    expect(res.status).toBe(201);
    expect(res.body.plan).toBe('starter');
    expect(res.body.settings).toEqual({});
  });

  it('accepts a trailing slash on /api/tenants/', async () => {
    const owner = await registerUser(request);
    const slug = uniqueSlug();
    const res = await request('POST', '/api/tenants/', { token: owner.token, body: { name: 'Slash', slug, plan: 'growth' } });
    expect(res.status).toBe(201);
    expect(res.body.slug).toBe(slug);
  });

  it('needs authentication', async () => {
    const slug = uniqueSlug();
    const res = await request('POST', '/api/tenants', { body: { name: 'Anon', slug, plan: 'starter' } });
    expectError(res, 401);
    const { rows } = await db.query('SELECT 1 FROM public.tenants WHERE slug = $1', [slug]);
    expect(rows).toHaveLength(0);
  });

  const BAD_SLUGS: Array<[string, string]> = [
    ['too short', 'ab'],
    ['51 characters', 'a'.repeat(51)],
    ['uppercase', 'Acme-Upper'],
    ['leading hyphen', '-acme'],
    ['trailing hyphen', 'acme-'],
    ['underscore', 'acme_corp'],
    ['spaces', 'acme corp'],
    ['unicode', 'ácmé-corp'],
    ['SQL', "x'; drop schema public cascade; --"],
    ['double quote', 'a"b'],
    ['reserved public', 'public'],
    ['reserved admin', 'admin'],
    ['reserved api', 'api'],
    ['reserved www', 'www'],
    ['reserved pg- prefix', 'pg-temp'],
    ['empty', ''],
  ];

  it.each(BAD_SLUGS)('refuses a slug that is %s with 400 and creates nothing', async (_what, slug) => {
    const caller = refused;
    const res = await request('POST', '/api/tenants', { token: caller.token, body: { name: 'Bad slug', slug, plan: 'starter' } });
    expectError(res, 400);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'slug' })]));
    await expectNothingCreated(caller, slug);
  });

  it('a hostile slug leaves the public schema intact', async () => {
    const caller = await registerUser(request);
    await request('POST', '/api/tenants', { token: caller.token, body: { name: 'x', slug: "x'; drop schema public cascade; --" } });
    await request('POST', '/api/tenants', { token: caller.token, body: { name: 'x', slug: 'x"; drop schema public cascade; --' } });
    expect(await schemaExists('public')).toBe(true);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.tenants');
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('refuses a duplicate slug with 409 and leaves the first tenant alone', async () => {
    const { owner, tenant } = await activeTenant(request, { name: 'First' });
    const intruder = await registerUser(request);
    const res = await request('POST', '/api/tenants', { token: intruder.token, body: { name: 'Second', slug: tenant.slug, plan: 'enterprise' } });
    expectError(res, 409, 'slug_taken');
    await expectNothingCreated(intruder, undefined);
    // Also for the owner themselves.
    expectError(await request('POST', '/api/tenants', { token: owner.token, body: { name: 'Again', slug: tenant.slug } }), 409);
    const { rows } = await db.query('SELECT name, owner_id FROM public.tenants WHERE slug = $1', [tenant.slug]);
    expect(rows).toEqual([{ name: 'First', owner_id: owner.id }]);
    expect((await get(owner.token, tenant.id)).body).toEqual(tenant);
  });

  const big = 'x'.repeat(64 * 1024);
  const BAD_BODIES: Array<[string, (slug: string) => Record<string, unknown>, string?]> = [
    ['a bad plan', (slug) => ({ name: 'n', slug, plan: 'platinum' }), 'plan'],
    ['settings as an array', (slug) => ({ name: 'n', slug, settings: [1, 2] }), 'settings'],
    ['settings as a string', (slug) => ({ name: 'n', slug, settings: '{}' }), 'settings'],
    ['settings as a number', (slug) => ({ name: 'n', slug, settings: 5 }), 'settings'],
    ['max_tokens_per_request -1', (slug) => ({ name: 'n', slug, settings: { max_tokens_per_request: -1 } }), 'settings.max_tokens_per_request'],
    ['a non-boolean feature flag', (slug) => ({ name: 'n', slug, settings: { feature_flags: { a: 'yes' } } }), 'settings.feature_flags'],
    ['settings over 64 KiB', (slug) => ({ name: 'n', slug, settings: { blob: big } }), 'settings'],
    ['an unknown field', (slug) => ({ name: 'n', slug, plan: 'starter', status: 'active' }), 'status'],
    ['an unknown field (owner_id)', (slug) => ({ name: 'n', slug, owner_id: randomUUID() }), 'owner_id'],
    ['a numeric name', (slug) => ({ name: 123, slug }), 'name'],
    ['an empty name', (slug) => ({ name: '   ', slug }), 'name'],
    ['a missing name', (slug) => ({ slug }), 'name'],
    ['a numeric slug', () => ({ name: 'n', slug: 12345 }), 'slug'],
    ['a missing slug', () => ({ name: 'n' }), 'slug'],
  ];

  it.each(BAD_BODIES)('refuses %s with 400 and creates nothing', async (_what, makeBody, field) => {
    const caller = refused;
    const slug = uniqueSlug();
    const res = await request('POST', '/api/tenants', { token: caller.token, body: makeBody(slug) });
    expectError(res, 400);
    if (field) expect(res.body.details, JSON.stringify(res.body)).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    await expectNothingCreated(caller, slug);
  });

  it('refuses malformed JSON and a missing body with 400 and creates nothing', async () => {
    const caller = refused;
    const slug = uniqueSlug();
    const malformed = await request('POST', '/api/tenants', {
      token: caller.token,
      rawBody: `{"name": "n", "slug": "${slug}",`,
      headers: { 'content-type': 'application/json' },
    });
    expectError(malformed, 400);
    expectError(await request('POST', '/api/tenants', { token: caller.token }), 400);
    expectError(await request('POST', '/api/tenants', { token: caller.token, body: [] }), 400);
    await expectNothingCreated(caller, slug);
  });
});

describe('tenants: get', () => {
  it('by uuid and by slug, the same tenant', async () => {
    const { owner, tenant } = await activeTenant(request, { plan: 'growth' });
    const byId = await get(owner.token, tenant.id);
    const bySlug = await get(owner.token, tenant.slug);
    expect(byId.status).toBe(200);
    expect(bySlug.status).toBe(200);
    expect(bySlug.body).toEqual(byId.body);
    expect(byId.body).toMatchObject({ id: tenant.id, slug: tenant.slug, plan: 'growth', status: 'active' });
    expect((await request('GET', `/api/tenants/${tenant.slug}/`, { token: owner.token })).body).toEqual(byId.body);
  });

  it('an unknown tenant is 404 (uuid or slug), for GET, PATCH and DELETE', async () => {
    const user = await registerUser(request);
    for (const key of [randomUUID(), uniqueSlug('nope')]) {
      expectError(await get(user.token, key), 404);
      expectError(await request('PATCH', `/api/tenants/${key}`, { token: user.token, body: { name: 'x' } }), 404);
      expectError(await request('DELETE', `/api/tenants/${key}`, { token: user.token }), 404);
      expectError(await request('POST', `/api/tenants/${key}/reactivate`, { token: user.token }), 404);
    }
  });

  it('needs authentication', async () => {
    const { tenant } = await activeTenant(request);
    expectError(await get('', tenant.id), 401);
    expectError(await request('GET', '/api/tenants'), 401);
  });
});

describe('tenants: list', () => {
  let lister: TestUser;
  beforeAll(async () => {
    lister = await registerUser(request);
  });

  it('shows only the caller’s tenants, with filters and pagination', async () => {
    const a = await registerUser(request);
    const b = await registerUser(request);
    const t1 = await createTenant(request, a.token, { name: 'A1', plan: 'starter' });
    const t2 = await createTenant(request, a.token, { name: 'A2', plan: 'growth' });
    const t3 = await createTenant(request, a.token, { name: 'A3', plan: 'enterprise' });
    const other = await createTenant(request, b.token, { name: 'B1', plan: 'growth' });
    for (const t of [t1, t2, t3]) await waitForStatus(request, a.token, t.id);
    await waitForStatus(request, b.token, other.id);

    const list = async (query = '', token = a.token) => {
      const res = await request('GET', `/api/tenants${query}`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { tenants: Array<{ id: string; slug: string }>; total: number; skip: number; limit: number };
    };
    const all = await list();
    expect(all.total).toBe(3);
    expect(all.skip).toBe(0);
    expect(all.limit).toBe(20);
    expect(all.tenants.map((t) => t.id)).toEqual([t1.id, t2.id, t3.id]);
    expect(all.tenants.map((t) => t.id)).not.toContain(other.id);
    expect((await list('', b.token)).tenants.map((t) => t.id)).toEqual([other.id]);

    expect((await list('?plan=growth')).tenants.map((t) => t.id)).toEqual([t2.id]);
    expect((await list('?plan=growth', b.token)).tenants.map((t) => t.id)).toEqual([other.id]);
    expect((await list('?status=active')).total).toBe(3);
    expect((await list('?status=suspended')).total).toBe(0);
    expect((await list('?is_active=true')).total).toBe(3);
    expect((await list('?is_active=false')).total).toBe(0);

    expect((await request('DELETE', `/api/tenants/${t3.id}`, { token: a.token })).status).toBe(200);
    expect((await list('?is_active=false')).tenants.map((t) => t.id)).toEqual([t3.id]);
    expect((await list('?status=suspended')).tenants.map((t) => t.id)).toEqual([t3.id]);
    expect((await list('?is_active=true&plan=starter')).tenants.map((t) => t.id)).toEqual([t1.id]);

    const page = await list('?skip=1&limit=1');
    expect(page).toMatchObject({ total: 3, skip: 1, limit: 1 });
    expect(page.tenants.map((t) => t.id)).toEqual([t2.id]);
    const beyond = await list('?skip=10&limit=100');
    expect(beyond).toMatchObject({ total: 3, skip: 10, limit: 100, tenants: [] });

    const slash = await list('/?limit=2');
    expect(slash.tenants.map((t) => t.id)).toEqual([t1.id, t2.id]);
    expect(slash.total).toBe(3);
  });

  it.each(['?limit=101', '?limit=0', '?skip=-1', '?limit=abc', '?skip=1.5', '?plan=platinum', '?status=gone', '?is_active=maybe', '?unknown=1'])(
    'refuses %s with 400',
    async (query) => {
      const res = await request('GET', `/api/tenants${query}`, { token: lister.token });
      expectError(res, 400);
      expect(Array.isArray(res.body.details)).toBe(true);
    },
  );
});

describe('tenants: update', () => {
  it('changes name, plan, max_members and max_api_keys, and merge-patches settings', async () => {
    const { owner, tenant } = await activeTenant(request, {
      settings: { keep: 1, nested: { x: 1, y: 2 }, gone: true, default_model: 'a' },
    });
    const res = await request('PATCH', `/api/tenants/${tenant.slug}`, {
      token: owner.token,
      body: {
        name: 'Renamed',
        plan: 'enterprise',
        max_members: 7,
        max_api_keys: 3,
        settings: { added: 'yes', nested: { y: null, z: 3 }, gone: null, default_model: 'b', feature_flags: { beta: true } },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      id: tenant.id,
      slug: tenant.slug,
      name: 'Renamed',
      plan: 'enterprise',
      max_members: 7,
      max_api_keys: 3,
      status: 'active',
      settings: { keep: 1, added: 'yes', nested: { x: 1, z: 3 }, default_model: 'b', feature_flags: { beta: true } },
    });
    expect(res.body.settings).not.toHaveProperty('gone');
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(tenant.updated_at));
    expect(res.body.created_at).toBe(tenant.created_at);
    expect((await get(owner.token, tenant.id)).body).toEqual(res.body);
  });

  it('changes only what is sent', async () => {
    const { owner, tenant } = await activeTenant(request, { name: 'Keep me', plan: 'growth', settings: { a: 1 } });
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { max_members: 10 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Keep me', plan: 'growth', settings: { a: 1 }, max_members: 10, max_api_keys: 20 });
    const plan = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { plan: 'starter' } });
    expect(plan.body).toMatchObject({ name: 'Keep me', plan: 'starter', settings: { a: 1 }, max_members: 10 });
  });

  /** One tenant for every refused patch: each refusal must leave it exactly as it was. */
  let patchTarget: Awaited<ReturnType<typeof activeTenant>>;
  beforeAll(async () => {
    patchTarget = await activeTenant(request, { name: 'Original', plan: 'growth', settings: { ok: 0 } });
  });

  const big = 'x'.repeat(64 * 1024);
  const BAD_PATCHES: Array<[string, Record<string, unknown>]> = [
    ['a numeric name', { name: 123 }],
    ['an empty name', { name: '' }],
    ['a bad plan', { plan: 'gold' }],
    ['settings as an array', { settings: ['a'] }],
    ['settings as a string', { settings: 'x' }],
    ['settings as a number', { settings: 5 }],
    ['settings null', { settings: null }],
    ['max_tokens_per_request -1', { settings: { max_tokens_per_request: -1 } }],
    ['a non-boolean feature flag', { settings: { feature_flags: { a: 'yes' } } }],
    ['settings over 64 KiB', { settings: { blob: big } }],
    ['max_members 0', { max_members: 0 }],
    ['max_members -5', { max_members: -5 }],
    ['max_members 1.5', { max_members: 1.5 }],
    ['max_members as a string', { max_members: '10' }],
    ['max_api_keys -1', { max_api_keys: -1 }],
    ['an unknown field (slug)', { slug: 'new-slug' }],
    ['an unknown field (status)', { status: 'active' }],
    ['an unknown field (owner_id)', { owner_id: randomUUID() }],
    ['a good name with a bad plan', { name: 'Changed', plan: 'gold' }],
    ['a good name with bad settings', { name: 'Changed', settings: { ok: 1, max_tokens_per_request: 0 } }],
    ['good settings with a bad max_members', { settings: { changed: true }, max_members: 0 }],
  ];

  it.each(BAD_PATCHES)('refuses %s with 400 and changes nothing', async (_what, body) => {
    const { owner, tenant } = patchTarget;
    const before = (await get(owner.token, tenant.id)).body;
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body });
    expectError(res, 400);
    expect((await get(owner.token, tenant.id)).body).toEqual(before);
  });

  it('refuses malformed JSON with 400 and changes nothing', async () => {
    const { owner, tenant } = patchTarget;
    const before = (await get(owner.token, tenant.id)).body;
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, {
      token: owner.token,
      rawBody: '{"name": "Changed"',
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 400);
    expect((await get(owner.token, tenant.id)).body).toEqual(before);
  });
});

describe('tenants: children', () => {
  it('creates a child with camelCase parentId and lists it by the parent slug or id', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const child = await request('POST', '/api/tenants', {
      token: owner.token,
      body: { name: 'Child', slug: uniqueSlug('child'), plan: 'starter', parentId: parent.slug },
    });
    expect(child.status, JSON.stringify(child.body)).toBe(201);
    expect(child.body.parent_id).toBe(parent.id);
    const snake = await createTenant(request, owner.token, { name: 'Child 2', parent_id: parent.id });
    expect(snake.parent_id).toBe(parent.id);
    await waitForStatus(request, owner.token, child.body.id);

    for (const key of [parent.slug, parent.id]) {
      const list = await request('GET', `/api/tenants?parent=${key}`, { token: owner.token });
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(2);
      expect(list.body.tenants.map((t: { id: string }) => t.id)).toEqual([child.body.id, snake.id]);
    }
    const all = await request('GET', '/api/tenants', { token: owner.token });
    expect(all.body.total).toBe(3);
    const none = await request('GET', `/api/tenants?parent=${uniqueSlug('nope')}`, { token: owner.token });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ tenants: [], total: 0 });
  });

  it('refuses a child under a tenant the caller does not administer with 403, creating nothing', async () => {
    const { tenant: parent } = await activeTenant(request);
    const outsider = await registerUser(request);
    for (const body of [{ parentId: parent.slug }, { parent_id: parent.id }]) {
      const slug = uniqueSlug('child');
      const res = await request('POST', '/api/tenants', { token: outsider.token, body: { name: 'Sneaky', slug, ...body } });
      expectError(res, 403);
      await expectNothingCreated(outsider, slug);
    }
  });

  it('a child of an unknown parent is 404', async () => {
    const user = await registerUser(request);
    const slug = uniqueSlug('child');
    const res = await request('POST', '/api/tenants', { token: user.token, body: { name: 'Orphan', slug, parent_id: randomUUID() } });
    expectError(res, 404);
    await expectNothingCreated(user, slug);
  });

  it('the parent filter never shows another user’s children', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    await createTenant(request, owner.token, { parent_id: parent.id });
    const outsider = await registerUser(request);
    const res = await request('GET', `/api/tenants?parent=${parent.slug}`, { token: outsider.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenants: [], total: 0 });
  });
});

describe('tenants: access', () => {
  it('a non-member gets 403 for GET, PATCH, DELETE, reactivate and provision, and nothing changes', async () => {
    const { owner, tenant } = await activeTenant(request);
    const outsider = await registerUser(request);
    const before = (await get(owner.token, tenant.id)).body;
    for (const key of [tenant.id, tenant.slug]) {
      expectError(await get(outsider.token, key), 403, 'not_a_member');
      expectError(await request('PATCH', `/api/tenants/${key}`, { token: outsider.token, body: { name: 'Hijacked' } }), 403, 'not_a_member');
      expectError(await request('DELETE', `/api/tenants/${key}`, { token: outsider.token }), 403, 'not_a_member');
      expectError(await request('POST', `/api/tenants/${key}/reactivate`, { token: outsider.token }), 403, 'not_a_member');
      expectError(await request('POST', `/api/tenants/${key}/provision`, { token: outsider.token }), 403, 'not_a_member');
    }
    expect((await get(owner.token, tenant.id)).body).toEqual(before);
    // Nor can they reach its documents.
    const docs = await request('GET', '/api/v1/corpus/documents', { token: outsider.token, headers: { 'x-tenant-id': tenant.id } });
    expectError(docs, 403, 'not_a_member');
  });
});

describe('tenants: suspend and reactivate', () => {
  it('DELETE suspends; the tenant API answers 403 everywhere; reactivate brings it back with its data', async () => {
    const { owner, tenant } = await activeTenant(request);
    const doc = await request('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id },
      body: { title: 'Survives suspension', content: 'still here' },
    });
    expect(doc.status).toBe(201);

    const suspended = await request('DELETE', `/api/tenants/${tenant.slug}`, { token: owner.token });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ id: tenant.id, is_active: false, status: 'suspended' });
    expect(isIso(suspended.body.suspended_at)).toBe(true);
    expect((await get(owner.token, tenant.id)).body).toEqual(suspended.body);
    // Suspending again keeps the original suspension time.
    const again = await request('DELETE', `/api/tenants/${tenant.id}`, { token: owner.token });
    expect(again.status).toBe(200);
    expect(again.body.suspended_at).toBe(suspended.body.suspended_at);

    const viaHeaderId = await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    const viaHeaderSlug = await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-slug': tenant.slug } });
    const host = `${tenant.slug}.${TEST_BASE_DOMAIN}`;
    const viaHost = await nodeRequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { host } });
    const viaPath = await request('GET', `/api/v1/${tenant.slug}/corpus/documents`, { token: owner.token });
    const write = await request('POST', `/api/v1/${tenant.slug}/corpus/documents`, { token: owner.token, body: { title: 'nope' } });
    for (const res of [viaHeaderId, viaHeaderSlug, viaHost, viaPath, write]) expectError(res, 403, 'tenant_suspended');

    const reactivated = await request('POST', `/api/tenants/${tenant.slug}/reactivate`, { token: owner.token });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ id: tenant.id, status: 'active', is_active: true, suspended_at: null });

    const checks = [
      await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } }),
      await nodeRequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { host } }),
      await request('GET', `/api/v1/${tenant.slug}/corpus/documents`, { token: owner.token }),
    ];
    for (const res of checks) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((res.body as { documents: Array<{ id: string; title: string }> }).documents).toEqual([
        expect.objectContaining({ id: doc.body.id, title: 'Survives suspension' }),
      ]);
    }
  });

  it('provision on an active tenant is 409 already_provisioned', async () => {
    const { owner, tenant } = await activeTenant(request);
    expectError(await request('POST', `/api/tenants/${tenant.id}/provision`, { token: owner.token }), 409, 'already_provisioned');
    expect((await get(owner.token, tenant.id)).body.status).toBe('active');
  });
});
