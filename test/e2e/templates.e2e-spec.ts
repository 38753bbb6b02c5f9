// Corpus templates (issue 16, seed 000): platform admins make global templates, a parent
// tenant's admins make templates visible to it and its descendants; apply-template copies a
// template's documents into a tenant in one unit of work, and the same version twice adds nothing.
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, createTenant, type Doc, registerUser, type TestUser, waitForStatus } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

const DOCS = [
  { title: 'Shipping', content: 'We ship worldwide within 5 days.', metadata: { topic: 'logistics' } },
  { title: 'Returns', content: 'Returns are free for 30 days.' },
];

async function platformAdmin(): Promise<TestUser> {
  const user = await registerUser(request, 'Operator');
  await db.query('UPDATE public.users SET is_platform_admin = true WHERE id = $1', [user.id]);
  const login = await request('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  return { ...user, token: login.body.access_token as string };
}

const tpl = (token: string) => ({
  create: (body: unknown) => request('POST', '/api/templates', { token, body }),
  list: () => request<{ templates: Array<{ id: string; version: number }>; total: number }>('GET', '/api/templates?limit=100', { token }),
  get: (id: string) => request('GET', `/api/templates/${id}`, { token }),
  patch: (id: string, body: unknown) => request('PATCH', `/api/templates/${id}`, { token, body }),
  delete: (id: string) => request('DELETE', `/api/templates/${id}`, { token }),
  apply: (tenant: string, body: unknown) => request('POST', `/api/tenants/${tenant}/corpus/apply-template`, { token, body }),
});

const docsOf = async (token: string, tenantId: string) =>
  (await request<{ documents: Doc[]; total: number }>('GET', '/api/v1/corpus/documents?limit=100', { token, headers: { 'x-tenant-id': tenantId } })).body;

describe('templates: global', () => {
  it('a platform admin makes one; anyone sees it and applies it once per version', async () => {
    const admin = await platformAdmin();
    const created = await tpl(admin.token).create({ name: 'E-commerce', description: 'base corpus', documents: DOCS });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'E-commerce', description: 'base corpus', parent_id: null, version: 1, documents: [{ ...DOCS[0] }, { ...DOCS[1], metadata: {} }] });
    const id = created.body.id as string;

    const { owner, tenant } = await activeTenant(request);
    expect((await tpl(owner.token).get(id)).status).toBe(200);
    expect((await tpl(owner.token).list()).body.templates.map((t) => t.id)).toContain(id);
    // An ordinary user may neither make a global template nor change this one.
    expect((await tpl(owner.token).create({ name: 'mine', documents: [] })).status).toBe(403);
    expect((await tpl(owner.token).patch(id, { name: 'hijacked' })).status).toBe(403);
    expect((await tpl(owner.token).delete(id)).status).toBe(403);

    const first = await tpl(owner.token).apply(tenant.id, { template_id: id });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ template_id: id, version: 1, applied: true, documents_added: 2 });
    const again = await tpl(owner.token).apply(tenant.slug, { templateId: id });
    expect(again.body).toEqual({ template_id: id, version: 1, applied: false, documents_added: 0 });
    const concurrent = await Promise.all([1, 2, 3].map(() => tpl(owner.token).apply(tenant.id, { template_id: id })));
    expect(concurrent.every((r) => r.status === 200 && r.body.documents_added === 0)).toBe(true);
    const docs = await docsOf(owner.token, tenant.id);
    expect(docs.total).toBe(2);
    expect(docs.documents.find((d) => d.title === 'Shipping')).toMatchObject({ content: DOCS[0]!.content, metadata: { topic: 'logistics', template_id: id, template_version: 1 } });

    // A new version (documents changed) applies again; renaming alone does not bump it.
    const renamed = await tpl(admin.token).patch(id, { name: 'E-commerce v1' });
    expect(renamed.body.version).toBe(1);
    const v2 = await tpl(admin.token).patch(id, { documents: [{ title: 'Warranty', content: 'Two years.' }] });
    expect(v2.body).toMatchObject({ version: 2, documents: [{ title: 'Warranty' }] });
    const third = await tpl(owner.token).apply(tenant.id, { template_id: id });
    expect(third.body).toEqual({ template_id: id, version: 2, applied: true, documents_added: 1 });
    expect((await docsOf(owner.token, tenant.id)).total).toBe(3);

    // Audited: who made and changed it.
    const audit = await db.query(`SELECT action FROM public.audit_log WHERE target_id = $1::text ORDER BY created_at`, [id]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['template.created', 'template.updated', 'corpus.template_applied']));

    expect((await tpl(admin.token).delete(id)).status).toBe(204);
    expect((await tpl(owner.token).get(id)).status).toBe(404);
    expect((await tpl(owner.token).apply(tenant.id, { template_id: id })).status).toBe(404);
  });
});

describe("templates: a parent's", () => {
  it("are visible to the parent and its descendants, never to a stranger's tenant", async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const child = await createTenant(request, owner.token, { plan: 'enterprise', parent_id: parent.id });
    await waitForStatus(request, owner.token, child.id);
    // A member of the child only (not of the parent) sees the parent's template.
    const childMember = await registerUser(request);
    expect((await request('POST', `/api/tenants/${child.id}/members`, { token: owner.token, body: { email: childMember.email, role: 'admin' } })).status).toBe(201);

    const created = await tpl(owner.token).create({ name: 'Agency base', parentId: parent.id, documents: DOCS });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.parent_id).toBe(parent.id);
    const id = created.body.id as string;

    expect((await tpl(childMember.token).get(id)).status).toBe(200);
    expect((await tpl(childMember.token).list()).body.templates.map((t) => t.id)).toContain(id);
    // The child's admin uses it but does not manage the parent's template.
    expect((await tpl(childMember.token).patch(id, { name: 'mine now' })).status).toBe(403);
    // Nor makes templates for the parent.
    expect((await tpl(childMember.token).create({ name: 'x', parent_id: parent.id, documents: [] })).status).toBe(403);

    expect((await tpl(owner.token).apply(parent.id, { template_id: id })).body).toMatchObject({ applied: true, documents_added: 2 });
    expect((await tpl(childMember.token).apply(child.id, { template_id: id })).body).toMatchObject({ applied: true, documents_added: 2 });
    expect((await docsOf(owner.token, child.id)).total).toBe(2);

    // A stranger with a tenant of their own: unseen (404), unusable (404), unlisted.
    const { owner: stranger, tenant: strangerTenant } = await activeTenant(request);
    expect((await tpl(stranger.token).get(id)).status).toBe(404);
    expect((await tpl(stranger.token).patch(id, { name: 'stolen' })).status).toBe(404);
    expect((await tpl(stranger.token).delete(id)).status).toBe(404);
    expect((await tpl(stranger.token).list()).body.templates.map((t) => t.id)).not.toContain(id);
    expect((await tpl(stranger.token).apply(strangerTenant.id, { template_id: id })).status).toBe(404);
    expect((await docsOf(stranger.token, strangerTenant.id)).total).toBe(0);
    // Nor may they apply anything into the parent's tenant.
    expect((await tpl(stranger.token).apply(parent.id, { template_id: id })).status).toBe(403);
    // And their own template for the parent is refused.
    expect((await tpl(stranger.token).create({ name: 'x', parent_id: parent.id, documents: [] })).status).toBe(403);

    // The parent's template is not usable by the parent's own parent's siblings: a child's template stays below the child.
    const childTpl = await tpl(childMember.token).create({ name: 'Child only', parent_id: child.id, documents: [{ title: 'c', content: 'c' }] });
    expect(childTpl.status).toBe(201);
    expect((await tpl(owner.token).apply(parent.id, { template_id: childTpl.body.id })).status).toBe(404);
    expect((await tpl(owner.token).apply(child.id, { template_id: childTpl.body.id })).body).toMatchObject({ applied: true });
  });
});

describe('templates: bad input and limits', () => {
  it('400 for bad bodies, nothing made; max_documents refuses the whole template', async () => {
    const admin = await platformAdmin();
    const before = (await tpl(admin.token).list()).body.total;
    for (const body of [
      {},
      { name: '', documents: [] },
      { name: 'x', documents: 'nope' },
      { name: 'x', documents: [{ content: 'no title' }] },
      { name: 'x', documents: [{ title: 't', content: 5 }] },
      { name: 'x', parent_id: 5, documents: [] },
      { name: 'x'.repeat(201), documents: [] },
      { name: 'x', documents: Array.from({ length: 201 }, () => ({ title: 't', content: 'c' })) },
    ]) {
      const res = await tpl(admin.token).create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await tpl(admin.token).create({ name: 'x', parent_id: '00000000-0000-4000-8000-000000000000', documents: [] })).status).toBe(404);
    expect((await tpl(admin.token).list()).body.total).toBe(before);

    const big = await tpl(admin.token).create({ name: 'Three', documents: [1, 2, 3].map((i) => ({ title: `d${i}`, content: 'c' })) });
    const { owner, tenant } = await activeTenant(request);
    await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { max_documents: 2 } } });
    const refused = await tpl(owner.token).apply(tenant.id, { template_id: big.body.id });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_documents' } });
    expect((await docsOf(owner.token, tenant.id)).total).toBe(0);
    // Documents made through the API and by a template share one count.
    const byApi = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title: 'by hand' } });
    expect(byApi.status).toBe(201);
    const pair = await tpl(admin.token).create({ name: 'Two', documents: DOCS });
    const stillRefused = await tpl(owner.token).apply(tenant.id, { template_id: pair.body.id });
    expect(stillRefused.status).toBe(403);
    expect(stillRefused.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_documents', max: 2, used: 1, adding: 2 } });
    await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { max_documents: 3 } } });
    expect((await tpl(owner.token).apply(tenant.id, { template_id: pair.body.id })).body).toMatchObject({ applied: true, documents_added: 2 });
    const full = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id }, body: { title: 'one too many' } });
    expect(full.status).toBe(403);
    expect(full.body).toMatchObject({ code: 'corpus_limit_reached', details: { limit: 'max_documents', max: 3, used: 3 } });
    expect((await docsOf(owner.token, tenant.id)).documents.map((d) => d.title).sort()).toEqual(['Returns', 'Shipping', 'by hand']);
    expect((await tpl(owner.token).apply(tenant.id, {})).status).toBe(400);
    expect((await tpl(owner.token).apply(tenant.id, { template_id: 'x' })).status).toBe(400);
    // A viewer lacks corpus:write.
    const viewer = await registerUser(request);
    await request('POST', `/api/tenants/${tenant.id}/members`, { token: owner.token, body: { email: viewer.email, role: 'viewer' } });
    expect((await tpl(viewer.token).apply(tenant.id, { template_id: big.body.id })).status).toBe(403);
  });
});
