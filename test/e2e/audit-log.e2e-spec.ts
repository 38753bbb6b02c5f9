// The audit log over HTTP on the shared stack: an entry for each tenant mutation (actor,
// request id, IP, a diff with secrets redacted), none for a refused change, filters and
// paging, who may read it (audit:read, a parent's admins, never a child's admins or another
// tenant), and PostgreSQL itself keeping it append-only for the runtime role.
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../libs/config/src/index.js';
import { createDataSource, TenantDb } from '../../libs/database/src/index.js';
import { cliEnv, runCli } from '../support/cli.js';
import { insertMembership, insertTenant } from '../support/factories.js';
import { activeTenant, client, createTenant, registerUser, type TestUser, uniqueSlug, waitForStatus } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
const appDb = new pg.Pool({ connectionString: stack.appDatabaseUrl, max: 2 });
let dataSource: DataSource;

const SECRET = `s3cr3t-${randomBytes(6).toString('hex')}`;
const rid = (what: string): string => `audit-${what}-${randomBytes(4).toString('hex')}`;

let owner: TestUser;
let tenant: { id: string; slug: string; schemaName: string };
const requestIds = { create: rid('create'), update: rid('update'), suspend: rid('suspend'), reactivate: rid('reactivate') };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON
const auditLog = (token: string, key: string, query = ''): Promise<{ status: number; body: any }> =>
  request('GET', `/api/tenants/${key}/audit-log${query}`, { token });

beforeAll(async () => {
  owner = await registerUser(request);
  const created = await request('POST', '/api/tenants', {
    token: owner.token,
    headers: { 'x-request-id': requestIds.create },
    body: { name: 'Audited', slug: uniqueSlug('audit'), settings: { theme: 'dark' } },
  });
  expect(created.status).toBe(201);
  tenant = { id: created.body.id, slug: created.body.slug, schemaName: created.body.schema_name };
  await waitForStatus(request, owner.token, tenant.id);
  const steps: Array<[string, string, keyof typeof requestIds, unknown?]> = [
    ['PATCH', `/api/tenants/${tenant.id}`, 'update', { name: 'Audited Corp', settings: { theme: 'light', webhook: { url: 'https://example.com/h', client_secret: SECRET } } }],
    ['DELETE', `/api/tenants/${tenant.id}`, 'suspend'],
    ['POST', `/api/tenants/${tenant.id}/reactivate`, 'reactivate'],
  ];
  for (const [method, path, step, body] of steps) {
    const res = await request(method, path, { token: owner.token, headers: { 'x-request-id': requestIds[step] }, body });
    expect(res.status, `${step}: ${JSON.stringify(res.body)}`).toBe(200);
  }
  const config = loadConfig({ DATABASE_URL: stack.appDatabaseUrl, REDIS_URL: stack.redisUrl, JWT_SECRET: 'x'.repeat(32) });
  dataSource = await createDataSource(config, 'audit-e2e', [], 1).initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await Promise.all([db.end(), appDb.end()]);
});

describe('an entry for each tenant mutation', () => {
  it('records create, update, suspend and reactivate, newest first, with actor, request id, IP and time', async () => {
    const res = await auditLog(owner.token, tenant.slug);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 4, skip: 0, limit: 20 });
    expect(res.body.entries.map((e: { action: string }) => e.action)).toEqual(['tenant.reactivated', 'tenant.suspended', 'tenant.updated', 'tenant.created']);
    const expectedIds = [requestIds.reactivate, requestIds.suspend, requestIds.update, requestIds.create];
    res.body.entries.forEach((entry: Record<string, unknown>, i: number) => {
      expect(entry).toMatchObject({ tenant_id: tenant.id, actor: { type: 'user', id: owner.id }, target: { type: 'tenant', id: tenant.id }, request_id: expectedIds[i] });
      expect(entry.ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      expect(Math.abs(Date.now() - Date.parse(entry.at as string))).toBeLessThan(10 * 60_000);
    });
  });

  it('keeps only what changed, with secrets redacted (in the answer and in the table)', async () => {
    const { body } = await auditLog(owner.token, tenant.id, '?action=tenant.updated');
    expect(body.entries).toHaveLength(1);
    expect(body.entries[0].changes).toEqual({
      name: { before: 'Audited', after: 'Audited Corp' },
      'settings.theme': { before: 'dark', after: 'light' },
      'settings.webhook': { after: { url: 'https://example.com/h', client_secret: '[redacted]' } },
    });
    const { body: suspended } = await auditLog(owner.token, tenant.id, '?action=tenant.suspended');
    expect(suspended.entries[0].changes).toMatchObject({ status: { before: 'active', after: 'suspended' }, is_active: { before: true, after: false } });
    const { body: created } = await auditLog(owner.token, tenant.id, '?action=tenant.created');
    expect(created.entries[0].changes).toMatchObject({ name: { after: 'Audited' }, slug: { after: tenant.slug }, settings: { after: { theme: 'dark' } } });
    expect(created.entries[0].changes.name).not.toHaveProperty('before');
    const stored = await db.query(`SELECT count(*)::int AS n FROM public.audit_log WHERE changes::text LIKE $1`, [`%${SECRET}%`]);
    expect(stored.rows[0].n).toBe(0);
  });

  it("an entry exists iff the change committed: they share one transaction", async () => {
    /** PATCHes the tenant's name to a marker while a superuser's trigger (`on`, `when`) fails that one change; expects a 500. */
    const failingPatch = async (on: string, when: string): Promise<void> => {
      const marker = `unauditable-${randomBytes(4).toString('hex')}`;
      const fn = `public.refuse_${marker.replaceAll('-', '_')}`;
      await db.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF ${when.replace('MARKER', marker)} THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
      await db.query(`CREATE ${on} EXECUTE FUNCTION ${fn}()`);
      try {
        const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { name: marker } });
        expect(res.status).toBe(500);
      } finally {
        await db.query(`DROP FUNCTION ${fn}() CASCADE`);
      }
      expect((await db.query(`SELECT name FROM public.tenants WHERE id = $1`, [tenant.id])).rows[0].name).toBe('Audited Corp');
      expect((await auditLog(owner.token, tenant.id)).body.total).toBe(4);
    };
    // The entry cannot be written: the change does not commit.
    await failingPatch('TRIGGER refuse_marker BEFORE INSERT ON public.audit_log FOR EACH ROW', "NEW.changes::text LIKE '%MARKER%'");
    // The change fails at COMMIT, after its entry was written: the entry goes with it.
    await failingPatch(
      'CONSTRAINT TRIGGER refuse_marker AFTER UPDATE ON public.tenants DEFERRABLE INITIALLY DEFERRED FOR EACH ROW',
      "NEW.name = 'MARKER'",
    );
  });

  it('a refused change leaves no entry; a provisioning retry leaves one', async () => {
    const refused = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { max_members: 5_000 } });
    expect(refused.status).toBe(403);
    expect((await auditLog(owner.token, tenant.id)).body.total).toBe(4);

    const failed = await insertTenant(db, { ownerId: owner.id, status: 'failed' });
    const retried = await request('POST', `/api/tenants/${failed.id}/provision`, { token: owner.token, headers: { 'x-request-id': requestIds.create + '-retry' } });
    expect(retried.status).toBe(202);
    const { body } = await auditLog(owner.token, failed.id);
    expect(body.entries).toHaveLength(1);
    expect(body.entries[0]).toMatchObject({
      action: 'tenant.provision_retried',
      actor: { type: 'user', id: owner.id },
      request_id: requestIds.create + '-retry',
      changes: { status: { before: 'failed', after: 'provisioning' } },
    });
  });
});

describe('the admin CLI', () => {
  it('records its tenant and user changes with actor cli (no request id, no IP)', async () => {
    const env = cliEnv(stack.env);
    const { tenant: t } = await activeTenant(request);
    const [promoted, leaving] = await Promise.all([registerUser(request), registerUser(request)]);
    await insertMembership(db, t.id, leaving.id, 'member');
    const results = await Promise.all([
      runCli(['tenants', 'suspend', t.slug], env),
      runCli(['users', 'set-admin', promoted.email], env),
      runCli(['users', 'delete', '--email', leaving.email], env),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // Read as the user the CLI just made a platform admin: platform admins read every tenant's log.
    const login = await request('POST', '/api/v1/auth/login', { body: { email: promoted.email, password: promoted.password } });
    const { body } = await auditLog(login.body.access_token as string, t.id);
    const cli = { actor: { type: 'cli', id: null }, request_id: null, ip: null };
    expect(body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...cli, action: 'tenant.suspended', changes: expect.objectContaining({ status: { before: 'active', after: 'suspended' } }) }),
        expect.objectContaining({ ...cli, action: 'member.removed', target: { type: 'user', id: leaving.id } }),
      ]),
    );
    const userEntries = await db.query(`SELECT action, actor_type, changes FROM public.audit_log WHERE tenant_id IS NULL AND target_id = ANY($1) ORDER BY id`, [[promoted.id, leaving.id]]);
    expect(userEntries.rows).toEqual(
      expect.arrayContaining([
        { action: 'user.admin_granted', actor_type: 'cli', changes: { is_platform_admin: { before: false, after: true } } },
        { action: 'user.deleted', actor_type: 'cli', changes: { email: { before: leaving.email }, is_platform_admin: { before: false } } },
      ]),
    );
  });
});

describe('filters and paging', () => {
  it('filters by action, actor and time, and pages newest first', async () => {
    const all = (await auditLog(owner.token, tenant.id)).body.entries as Array<{ id: string; at: string }>;
    expect((await auditLog(owner.token, tenant.id, '?action=tenant.suspended')).body).toMatchObject({ total: 1, entries: [{ action: 'tenant.suspended' }] });
    expect((await auditLog(owner.token, tenant.id, `?actor=${owner.id}`)).body.total).toBe(4);
    expect((await auditLog(owner.token, tenant.id, `?actor=${randomUUID()}`)).body).toMatchObject({ total: 0, entries: [] });
    const since = encodeURIComponent(all[1]!.at);
    const recent = (await auditLog(owner.token, tenant.id, `?since=${since}`)).body;
    expect(recent.entries.map((e: { id: string }) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    const older = (await auditLog(owner.token, tenant.id, `?until=${since}`)).body;
    expect(older.entries.map((e: { id: string }) => e.id)).toEqual(all.slice(2).map((e) => e.id));
    const page = (await auditLog(owner.token, tenant.id, '?skip=1&limit=2')).body;
    expect(page).toMatchObject({ total: 4, skip: 1, limit: 2 });
    expect(page.entries.map((e: { id: string }) => e.id)).toEqual(all.slice(1, 3).map((e) => e.id));
  });

  it('refuses bad query values with 400 in the error shape', async () => {
    for (const query of ['?since=yesterday', '?until=2026-02-31', '?since=%2B275760-09-13T00:00:00Z', '?limit=101', '?skip=-1', `?action=${'a'.repeat(101)}`]) {
      const res = await auditLog(owner.token, tenant.id, query);
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: expect.any(String), message: expect.anything() });
    }
  });
});

describe('who may read it', () => {
  it('needs audit:read: a viewer gets 403; a member and an admin read it', async () => {
    // The roles: a viewer reads "with no usage, audit or keys"; a member has every read.
    const [viewer, member, admin] = await Promise.all([registerUser(request), registerUser(request), registerUser(request)]);
    await insertMembership(db, tenant.id, viewer.id, 'viewer');
    await insertMembership(db, tenant.id, member.id, 'member');
    await insertMembership(db, tenant.id, admin.id, 'admin');
    const refused = await auditLog(viewer.token, tenant.id);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(requestIds.update);
    for (const user of [member, admin]) expect((await auditLog(user.token, tenant.id)).body.total).toBe(4);
  });

  it("another tenant's owner gets 403 and their own log holds none of this tenant's entries", async () => {
    const other = await activeTenant(request);
    expect((await auditLog(other.owner.token, tenant.id)).status).toBe(403);
    const own = await auditLog(other.owner.token, other.tenant.id);
    expect(own.status).toBe(200);
    expect(own.body.entries.map((e: { action: string }) => e.action)).toEqual(['tenant.created']);
    expect(own.body.entries.every((e: { tenant_id: string; target: { id: string } }) => e.tenant_id === other.tenant.id && e.target.id === other.tenant.id)).toBe(true);
  });

  it("a parent's admin reads a child's log; a child's admin never reads the parent's", async () => {
    const parent = await activeTenant(request, { plan: 'enterprise' });
    const child = await createTenant(request, parent.owner.token, { parent_id: parent.tenant.id });
    const childAdmin = await registerUser(request);
    await insertMembership(db, child.id, childAdmin.id, 'admin');
    const seen = await auditLog(parent.owner.token, child.id);
    expect(seen.status).toBe(200);
    expect(seen.body.entries.map((e: { action: string }) => e.action)).toContain('tenant.created');
    expect((await auditLog(childAdmin.token, child.id)).status).toBe(200);
    expect((await auditLog(childAdmin.token, parent.tenant.id)).status).toBe(403);
  });
});

describe('append-only in PostgreSQL', () => {
  it('the runtime role may INSERT and SELECT but never UPDATE, DELETE or TRUNCATE', async () => {
    const inserted = await appDb.query(
      `INSERT INTO public.audit_log (tenant_id, actor_type, action, target_type) VALUES (NULL, 'system', 'test.append_only', 'test') RETURNING id`,
    );
    const id = inserted.rows[0].id as string;
    expect((await appDb.query(`SELECT action FROM public.audit_log WHERE id = $1`, [id])).rows).toEqual([{ action: 'test.append_only' }]);
    await expect(appDb.query(`UPDATE public.audit_log SET action = 'tampered' WHERE id = $1`, [id])).rejects.toMatchObject({ code: '42501' });
    await expect(appDb.query(`UPDATE public.audit_log SET changes = '{}' WHERE tenant_id = $1`, [tenant.id])).rejects.toThrow(/permission denied for table audit_log/);
    await expect(appDb.query(`DELETE FROM public.audit_log WHERE tenant_id = $1`, [tenant.id])).rejects.toMatchObject({ code: '42501' });
    await expect(appDb.query(`TRUNCATE public.audit_log`)).rejects.toMatchObject({ code: '42501' });
    expect((await db.query(`SELECT count(*)::int AS n FROM public.audit_log WHERE tenant_id = $1`, [tenant.id])).rows[0].n).toBe(4);
    expect((await db.query(`SELECT action FROM public.audit_log WHERE id = $1`, [id])).rows).toEqual([{ action: 'test.append_only' }]);
  });

  it("a tenant's unit of work sees only its own entries (row-level security)", async () => {
    const seen = await new TenantDb(dataSource).run({ id: tenant.id, schemaName: tenant.schemaName }, (m) =>
      m.query(`SELECT DISTINCT tenant_id FROM public.audit_log`) as Promise<Array<{ tenant_id: string }>>,
    );
    expect(seen).toEqual([{ tenant_id: tenant.id }]);
    const everyone = await db.query(`SELECT count(DISTINCT tenant_id)::int AS n FROM public.audit_log`);
    expect(everyone.rows[0].n).toBeGreaterThan(1);
  });
});
