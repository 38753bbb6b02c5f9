// Parent/child tenants over HTTP (seed 000): who may create a child, how many children a plan
// (or settings.max_child_tenants) allows, even under concurrent creates, at most three levels,
// a parent's admins acting on every descendant, and a child's admins seeing nothing above or beside.
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, type HttpResponse, registerUser, type TestUser, uniqueSlug, waitForStatus } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

function expectError(res: HttpResponse, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
}

const createChild = (token: string, parent: string, body: Record<string, unknown> = {}) =>
  request('POST', '/api/tenants', { token, body: { name: 'Child', slug: uniqueSlug('child'), plan: 'starter', parent_id: parent, ...body } });

const childCount = async (parentId: string): Promise<number> =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.tenants WHERE parent_id = $1', [parentId])).rows[0]!.n;

/** A new user with `role` in the tenant (inserted before they ever call, so no cache holds another role). */
async function memberOf(tenantId: string, role: string): Promise<TestUser> {
  const user = await registerUser(request, role);
  await db.query('INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)', [tenantId, user.id, role]);
  return user;
}

describe('hierarchy: creating children', () => {
  it('needs tenants:create-child on the parent: an admin may, a member may not', async () => {
    const { tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const [admin, member] = await Promise.all([memberOf(parent.id, 'admin'), memberOf(parent.id, 'member')]);
    expectError(await createChild(member.token, parent.id), 403, 'missing_permission');
    const ok = await createChild(admin.token, parent.slug);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.parent_id).toBe(parent.id);
    expect(await childCount(parent.id)).toBe(1);
  });

  it('refuses a child of a parent whose plan allows none (403 children_not_allowed), creating nothing', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'starter' });
    const res = await createChild(owner.token, parent.id);
    expectError(res, 403, 'children_not_allowed');
    expect(res.body.details).toEqual({ limit: 0 });
    expect(await childCount(parent.id)).toBe(0);
  });

  it("counts children against the plan's limit (growth: 1)", async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'growth' });
    expect((await createChild(owner.token, parent.id)).status).toBe(201);
    const second = await createChild(owner.token, parent.id);
    expectError(second, 403, 'child_limit_reached');
    expect(second.body.details).toEqual({ limit: 1 });
    expect(await childCount(parent.id)).toBe(1);
  });

  it('settings.max_child_tenants lowers the limit; raising it above the plan needs a platform admin', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise', settings: { max_child_tenants: 2 } });
    expect((await createChild(owner.token, parent.id)).status).toBe(201);
    expect((await createChild(owner.token, parent.id)).status).toBe(201);
    expectError(await createChild(owner.token, parent.id), 403, 'child_limit_reached');
    expectError(await request('PATCH', `/api/tenants/${parent.id}`, { token: owner.token, body: { settings: { max_child_tenants: 11 } } }), 403, 'limit_above_plan');
    expect((await request('PATCH', `/api/tenants/${parent.id}`, { token: owner.token, body: { settings: { max_child_tenants: 3 } } })).status).toBe(200);
    expect((await createChild(owner.token, parent.id)).status).toBe(201);
    expect(await childCount(parent.id)).toBe(3);
  });

  it('concurrent creates never exceed the limit', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise', settings: { max_child_tenants: 3 } });
    const results = await Promise.all(Array.from({ length: 8 }, () => createChild(owner.token, parent.id)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    for (const r of results.filter((r) => r.status === 403)) expectError(r, 403, 'child_limit_reached');
    expect(await childCount(parent.id)).toBe(3);
  });

  it('allows three levels: a grandchild cannot have children (409 tenant_depth_exceeded), not even for a platform admin', async () => {
    const { owner, tenant: top } = await activeTenant(request, { plan: 'enterprise' });
    const child = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: top.id });
    const grandchild = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: child.id });
    const res = await createChild(owner.token, grandchild.id);
    expectError(res, 409, 'tenant_depth_exceeded');
    expect(res.body.details).toEqual({ max_depth: 3 });
    const operator = await registerUser(request, 'Operator');
    await db.query('UPDATE public.users SET is_platform_admin = true WHERE id = $1', [operator.id]);
    const login = await request('POST', '/api/v1/auth/login', { body: { email: operator.email, password: operator.password } });
    expectError(await createChild(login.body.access_token, grandchild.slug), 409, 'tenant_depth_exceeded');
    expect(await childCount(grandchild.id)).toBe(0);
  });

  it('a parent never changes after create (so no cycles): PATCH parent_id is 400', async () => {
    const { owner, tenant: a } = await activeTenant(request, { plan: 'enterprise' });
    const b = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: a.id });
    for (const body of [{ parent_id: b.id }, { parentId: b.id }]) {
      expectError(await request('PATCH', `/api/tenants/${a.id}`, { token: owner.token, body }), 400, 'validation_failed');
    }
    const { rows } = await db.query('SELECT parent_id FROM public.tenants WHERE id = $1', [a.id]);
    expect(rows[0].parent_id).toBeNull();
  });
});

describe('hierarchy: access down the tree', () => {
  it("a parent's owner acts as admin on a grandchild: corpus, settings, suspending and creating children", async () => {
    const { owner, tenant: top } = await activeTenant(request, { plan: 'enterprise' });
    const grandOwner = await registerUser(request, 'Grandchild owner');
    const child = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: top.id });
    // The grandchild belongs to someone else: the top's owner is no member of it.
    const created = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: child.id });
    await db.query(`UPDATE public.memberships SET user_id = $2 WHERE tenant_id = $1 AND role = 'owner'`, [created.id, grandOwner.id]);
    await db.query('UPDATE public.tenants SET owner_id = $2 WHERE id = $1', [created.id, grandOwner.id]);
    await db.query('DELETE FROM public.memberships WHERE tenant_id = $1 AND user_id = $2', [child.id, owner.id]);
    await db.query(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, [child.id, grandOwner.id]);
    const grandchild = await waitForStatus(request, grandOwner.token, created.id);

    const headers = { 'x-tenant-id': grandchild.id };
    const doc = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title: 'From the top', content: 'hello' } });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    const docs = await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers });
    expect(docs.status).toBe(200);
    expect(docs.body.documents.map((d: { id: string }) => d.id)).toEqual([doc.body.id]);

    const patched = await request('PATCH', `/api/tenants/${grandchild.id}`, { token: owner.token, body: { settings: { welcome_message: 'hi from the top' } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.settings).toMatchObject({ welcome_message: 'hi from the top' });

    // The management API's view of the same corpus, for the ancestor and for the tenant's own owner.
    for (const token of [owner.token, grandOwner.token]) {
      const corpus = await request('GET', `/api/tenants/${grandchild.slug}/corpus`, { token });
      expect(corpus.status, JSON.stringify(corpus.body)).toBe(200);
      expect(corpus.body).toMatchObject({ total: 1, skip: 0, documents: [{ id: doc.body.id, title: 'From the top', content: 'hello' }] });
    }

    const suspended = await request('DELETE', `/api/tenants/${grandchild.id}`, { token: owner.token });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expectError(await request('GET', `/api/tenants/${grandchild.id}/corpus`, { token: owner.token }), 403, 'tenant_suspended');

    // Creating children of a child the top's owner is no member of: ancestors' admins may.
    const sibling = await createChild(owner.token, child.id);
    expect(sibling.status, JSON.stringify(sibling.body)).toBe(201);
  });

  it("a child's admin never sees the parent or a sibling", async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const [child, sibling] = await Promise.all([
      createTenant(request, owner.token, { parent_id: parent.id }),
      createTenant(request, owner.token, { parent_id: parent.id }),
    ]);
    const childAdmin = await memberOf(child.id, 'admin');
    for (const t of [parent, sibling]) {
      for (const key of [t.id, t.slug]) {
        expectError(await request('GET', `/api/tenants/${key}`, { token: childAdmin.token }), 403, 'not_a_member');
        expectError(await request('PATCH', `/api/tenants/${key}`, { token: childAdmin.token, body: { name: 'x' } }), 403, 'not_a_member');
      }
    }
    const list = await request('GET', '/api/tenants', { token: childAdmin.token });
    expect(list.body).toMatchObject({ total: 1, tenants: [{ id: child.id }] });
    for (const key of [parent.id, parent.slug]) {
      const children = await request('GET', `/api/tenants?parent=${key}`, { token: childAdmin.token });
      expect(children.status).toBe(200);
      expect(children.body.tenants.map((t: { id: string }) => t.id)).toEqual([child.id]);
    }
    // The parent's owner lists both children.
    const mine = await request('GET', `/api/tenants?parent=${parent.slug}`, { token: owner.token });
    expect(mine.body.tenants.map((t: { id: string }) => t.id).sort()).toEqual([child.id, sibling.id].sort());
  });

  it("GET /api/tenants/{t}/corpus: a parent's admin reads a child's documents, never the other way round", async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const created = await createTenant(request, owner.token, { parent_id: parent.id });
    const child = await waitForStatus(request, owner.token, created.id);
    const childAdmin = await memberOf(child.id, 'admin');
    const [parentAdmin, viewer, outsider] = await Promise.all([memberOf(parent.id, 'admin'), memberOf(child.id, 'viewer'), registerUser(request)]);
    const put = (token: string, tenant: string, title: string) =>
      request('POST', '/api/v1/corpus/documents', { token, headers: { 'x-tenant-id': tenant }, body: { title, content: `${title} body` } });
    const mine = await put(childAdmin.token, child.id, 'Child handbook');
    expect(mine.status).toBe(201);
    expect((await put(owner.token, parent.id, 'Parent secrets')).status).toBe(201);

    for (const token of [parentAdmin.token, viewer.token]) {
      const res = await request('GET', `/api/tenants/${child.id}/corpus?q=handbook`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.documents.map((d: { id: string }) => d.id)).toEqual([mine.body.id]);
    }
    expectError(await request('GET', `/api/tenants/${parent.id}/corpus`, { token: childAdmin.token }), 403, 'not_a_member');
    expectError(await request('GET', `/api/tenants/${child.id}/corpus`, { token: outsider.token }), 403, 'not_a_member');
    expectError(await request('GET', `/api/tenants/${child.id}/corpus?limit=0`, { token: owner.token }), 400, 'validation_failed');
    expectError(await request('GET', `/api/tenants/${uniqueSlug('nope')}/corpus`, { token: owner.token }), 404, 'not_found');
  });
});
