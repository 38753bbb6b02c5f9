// The admin CLI (`node bin/tenantry.js ...`) as an operator runs it: a child process on the
// shared stack's PostgreSQL and Redis (same REDIS_PREFIX, so the shared worker provisions
// what the CLI creates), checked through the API and the database. The tests run
// concurrently because each CLI start costs a couple of seconds.
//
// The real migration: with a single tenant migration, "behind" can only mean version 0.
// So the test provisions three tenants in a database of its own (its own API + worker),
// stops them, and rewinds each tenant honestly: its schema is dropped and re-created
// empty and `schema_version` set to 0 (as if it had been created before every migration).
// One tenant also gets a table in the way, so its migration fails. `tenants migrate` must
// rebuild the other two to the latest version (tables, complete ledger, schema_version),
// report the failure and exit 1 without touching the failed tenant; once the obstacle is
// gone, a second run migrates only that tenant (resuming, not redoing) and exits 0.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import { tenantRoleState } from '../support/tenant-schema.js';
import { describe, expect, inject, it } from 'vitest';
import { LATEST_TENANT_VERSION, TENANT_MIGRATIONS } from '../../libs/database/src/index.js';
import { type CliResult, cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { activeTenant, client, createTenant, registerUser, uniqueSlug, waitForStatus } from '../support/http.js';
import { createDatabase, startStack } from '../support/stack.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const env = cliEnv(stack.env);
const cli = (...args: string[]): Promise<CliResult> => runCli(args, env);

interface TenantJson {
  id: string;
  slug: string;
  status: string;
  plan: string;
  owner_id: string;
  schema_version: number;
}

interface MigrateJson {
  pending: number;
  migrated: number;
  failed: number;
  results: Array<{ slug: string; from_version: number; to_version: number; status: string; ms: number; error?: string }>;
}

/** A failed command: its kind's exit code, nothing on stdout, exactly one `error: ...` line on stderr (no stack). */
function expectOneLineError(result: CliResult, exitCode: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
}

function expectOk(result: CliResult): void {
  expect(result.code, `exit ${result.code}; stderr: ${result.stderr}`).toBe(0);
}

const email = (): string => `${uniqueSlug('cli')}@example.com`;

// Each CLI run is a fresh Node process (about 2 s of CPU to boot Nest); on a loaded machine
// a test here can take longer than the default 60 s without anything being wrong.
describe.concurrent('admin CLI', { timeout: 150_000 }, () => {
  it('users create: the user can log in; --platform-admin makes a platform admin; a duplicate email is a conflict (exit 4)', async () => {
    const user = { email: email(), password: 'correct-horse-battery' };
    const admin = { email: email(), password: 'correct-horse-battery' };
    const [created, createdAdmin] = await Promise.all([
      cli('users', 'create', '--email', user.email, '--password', user.password, '--name', 'Cli User'),
      cli('users', 'create', '--email', admin.email.toUpperCase(), '--password', admin.password, '--platform-admin', '--json'),
    ]);
    expectOk(created);
    expect(created.stdout).toContain(user.email);
    expectOk(createdAdmin);
    const adminJson = parseJsonOutput<{ email: string; is_platform_admin: boolean }>(createdAdmin);
    expect(adminJson).toMatchObject({ email: admin.email, is_platform_admin: true });

    const [login, adminLogin, duplicate] = await Promise.all([
      request('POST', '/api/v1/auth/login', { body: user }),
      request('POST', '/api/v1/auth/login', { body: admin }),
      cli('users', 'create', '--email', user.email, '--password', 'another-password'),
    ]);
    expect(login.status).toBe(200);
    expect(login.body.access_token).toEqual(expect.any(String));
    const me = await request('GET', '/api/v1/auth/me', { token: login.body.access_token });
    expect(me.body.user).toMatchObject({ email: user.email, name: 'Cli User', is_platform_admin: false });
    const adminMe = await request('GET', '/api/v1/auth/me', { token: adminLogin.body.access_token });
    expect(adminMe.body.user).toMatchObject({ email: admin.email, is_platform_admin: true });

    expectOneLineError(duplicate, EXIT.conflict, /already exists/);
    // The duplicate attempt changed nothing: the original password still works.
    expect((await request('POST', '/api/v1/auth/login', { body: user })).status).toBe(200);
  });

  it('tenants create --owner: the shared worker provisions it and tenants list --json shows it; bad input creates nothing', async () => {
    const [owner, other] = await Promise.all([registerUser(request), registerUser(request)]);
    const slug = uniqueSlug('cli');
    const [created, badSlug, noOwner] = await Promise.all([
      cli('tenants', 'create', '--slug', slug, '--name', 'Cli Corp', '--plan', 'growth', '--owner', owner.email, '--json'),
      cli('tenants', 'create', '--slug', 'Not_A_Slug', '--name', 'Nope', '--plan', 'starter', '--owner', other.email),
      cli('tenants', 'create', '--slug', uniqueSlug('cli'), '--name', 'Nope', '--plan', 'starter', '--owner', email()),
    ]);
    expectOk(created);
    const tenant = parseJsonOutput<TenantJson>(created);
    expect(tenant).toMatchObject({ slug, plan: 'growth', owner_id: owner.id });
    expect(['provisioning', 'active']).toContain(tenant.status);

    expectOneLineError(badSlug, EXIT.badInput, /slug/);
    expectOneLineError(noOwner, EXIT.notFound, /not found/);
    // Nothing was created for the other user (who owned the refused attempts).
    const theirs = await request('GET', '/api/tenants', { token: other.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body.total).toBe(0);

    // The owner sees it through the API, and it becomes active without any API call.
    const active = await waitForStatus(request, owner.token, slug);
    expect(active).toMatchObject({ id: tenant.id, schema_version: LATEST_TENANT_VERSION });
    const doc = await request('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id },
      body: { title: 'from the cli tenant', content: 'hello' },
    });
    expect(doc.status).toBe(201);

    const listed = await cli('tenants', 'list', '--json');
    expectOk(listed);
    const list = parseJsonOutput<{ tenants: TenantJson[]; total: number }>(listed);
    expect(list.total).toBe(list.tenants.length);
    expect(list.tenants.find((t) => t.slug === slug)).toMatchObject({ id: tenant.id, status: 'active', owner_id: owner.id });
  });

  it('tenants suspend / reactivate: the API reflects both', async () => {
    const { owner, tenant } = await activeTenant(request);
    const documents = () => request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } });
    expect((await documents()).status).toBe(200);

    const suspended = await cli('tenants', 'suspend', tenant.slug);
    expectOk(suspended);
    expect(suspended.stdout).toContain('suspended');
    const afterSuspend = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
    expect(afterSuspend.body).toMatchObject({ status: 'suspended', is_active: false });
    expect(afterSuspend.body.suspended_at).not.toBeNull();
    expect((await documents()).status).toBe(403);

    const reactivated = await cli('tenants', 'reactivate', tenant.slug, '--json');
    expectOk(reactivated);
    expect(parseJsonOutput<TenantJson>(reactivated)).toMatchObject({ id: tenant.id, status: 'active' });
    const afterReactivate = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
    expect(afterReactivate.body).toMatchObject({ status: 'active', is_active: true, suspended_at: null });
    expect((await documents()).status).toBe(200);
  });

  it('keys create / revoke: the key works over HTTP until revoked (401 at once), audited as the CLI; bad input and unknown ids fail with their exit codes', async () => {
    const { owner, tenant } = await activeTenant(request);
    const created = await cli('keys', 'create', '--tenant', tenant.slug, '--name', 'ci', '--scopes', 'corpus:read, corpus:write', '--json');
    expectOk(created);
    const key = parseJsonOutput<{ id: string; key: string; scopes: string[]; tenant_scope: string; created_by: string }>(created);
    expect(key).toMatchObject({ scopes: ['corpus:read', 'corpus:write'], tenant_scope: tenant.id, created_by: owner.id });
    expect(key.key).toMatch(/^tnt_[0-9a-f]{12}_/);
    const docs = await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': key.key } });
    expect(docs.status, JSON.stringify(docs.body)).toBe(200);
    // The scopes bound it: no members:read.
    expect((await request('GET', `/api/tenants/${tenant.id}/members`, { headers: { 'x-api-key': key.key } })).status).toBe(403);
    const audit = await request('GET', `/api/tenants/${tenant.id}/audit-log?action=api_key.created`, { token: owner.token });
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: { type: 'cli', id: null }, target: { type: 'api_key', id: key.id } })]);

    const plain = await cli('keys', 'create', '--tenant', tenant.slug, '--name', 'expiring', '--scopes', 'corpus:read', '--expires-at', new Date(Date.now() + 3_600_000).toISOString());
    expectOk(plain);
    expect(plain.stdout).toMatch(/tnt_[0-9a-f]{12}_/);

    const [badScope, pastExpiry, noTenant, noScopes, badId, unknownKey, otherTenant] = await Promise.all([
      cli('keys', 'create', '--tenant', tenant.slug, '--name', 'x', '--scopes', 'corpus:root'),
      cli('keys', 'create', '--tenant', tenant.slug, '--name', 'x', '--scopes', 'corpus:read', '--expires-at', '2001-01-01T00:00:00Z'),
      cli('keys', 'create', '--tenant', uniqueSlug('nope'), '--name', 'x', '--scopes', 'corpus:read'),
      cli('keys', 'create', '--tenant', tenant.slug, '--name', 'x', '--scopes', ' , '),
      cli('keys', 'revoke', '--tenant', tenant.slug, 'not-a-uuid'),
      cli('keys', 'revoke', '--tenant', tenant.slug, '00000000-0000-4000-8000-000000000000'),
      activeTenant(request).then((t) => cli('keys', 'revoke', '--tenant', t.tenant.slug, key.id)),
    ]);
    expectOneLineError(badScope, EXIT.badInput, /scopes/);
    expectOneLineError(pastExpiry, EXIT.badInput, /future/);
    expectOneLineError(noTenant, EXIT.notFound, /not found/);
    expectOneLineError(noScopes, EXIT.badInput, /scopes/);
    expectOneLineError(badId, EXIT.badInput, /uuid/);
    expectOneLineError(unknownKey, EXIT.notFound, /not found/);
    // Another tenant's key is not found through this one, and still works.
    expectOneLineError(otherTenant, EXIT.notFound, /not found/);
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': key.key } })).status).toBe(200);

    const revoked = await cli('keys', 'revoke', '--tenant', tenant.slug, key.id, '--json');
    expectOk(revoked);
    expect(parseJsonOutput<{ revoked_at: string | null }>(revoked).revoked_at).not.toBeNull();
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': key.key } })).status).toBe(401);
    const revokedAudit = await request('GET', `/api/tenants/${tenant.id}/audit-log?action=api_key.revoked`, { token: owner.token });
    expect(revokedAudit.body.entries).toEqual([expect.objectContaining({ actor: { type: 'cli', id: null } })]);
  });

  it('tenants migrate with nothing behind: pending 0 and exit 0; an unknown --tenant is not found (exit 3)', async () => {
    const [migrate, unknown] = await Promise.all([
      cli('tenants', 'migrate', '--json', '--concurrency', '2'),
      cli('tenants', 'migrate', '--tenant', uniqueSlug('nobody'), '--json'),
    ]);
    expectOk(migrate);
    expect(parseJsonOutput<MigrateJson>(migrate)).toMatchObject({ pending: 0, migrated: 0, failed: 0, results: [] });
    expectOneLineError(unknown, EXIT.notFound, /not found/);
  });

  it('tenants migrate rebuilds rewound tenants, isolates a failing one (exit 1) and resumes with only it', async () => {
    const databaseUrl = await createDatabase(stack.serverUrl, `tenantry_cli_${randomBytes(4).toString('hex')}`);
    const own = await startStack({ databaseUrl, serverUrl: stack.serverUrl, redisUrl: stack.redisUrl, dataDir: stack.dataDir });
    let tenants: Array<{ id: string; slug: string; schema_name: string }>;
    try {
      const ownRequest = client(own.info.apiUrl);
      const owner = await registerUser(ownRequest);
      tenants = await Promise.all(
        [0, 1, 2].map(async () => {
          const created = await createTenant(ownRequest, owner.token, { slug: uniqueSlug('mig') });
          return waitForStatus(ownRequest, owner.token, created.id) as Promise<{ id: string; slug: string; schema_name: string }>;
        }),
      );
    } finally {
      await own.stop();
    }
    const [ok1, ok2, broken] = tenants;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // Rewound to version 0: every table gone, the schema itself (its owner, its role's grants) kept.
      for (const t of tenants) {
        const { rows } = await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1`, [t.schema_name]);
        const schema = pg.escapeIdentifier(t.schema_name);
        await db.query(`DROP TABLE ${rows.map((r) => `${schema}.${pg.escapeIdentifier(r.t)}`).join(', ')} CASCADE`);
        await db.query(`UPDATE public.tenants SET schema_version = 0 WHERE id = $1`, [t.id]);
      }
      await db.query(`CREATE TABLE ${pg.escapeIdentifier(broken!.schema_name)}.documents (in_the_way integer)`);

      const tables = async (schema: string): Promise<string[]> =>
        (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((r) => r.t);
      const ledger = async (schema: string): Promise<number[]> =>
        (await db.query<{ v: number }>(`SELECT version AS v FROM ${pg.escapeIdentifier(schema)}._migrations ORDER BY 1`)).rows.map((r) => r.v);
      const version = async (id: string): Promise<number> =>
        (await db.query<{ v: number }>(`SELECT schema_version AS v FROM public.tenants WHERE id = $1`, [id])).rows[0]!.v;

      const ownEnv = cliEnv(own.info.env);
      const slugs = tenants.map((t) => t.slug).sort();

      // Dry run: lists all three as pending, changes nothing.
      const dryRun = await runCli(['tenants', 'migrate', '--dry-run', '--json'], ownEnv);
      expectOk(dryRun);
      const planned = parseJsonOutput<MigrateJson>(dryRun);
      expect(planned).toMatchObject({ pending: 3, migrated: 0, failed: 0 });
      expect(planned.results.map((r) => r.slug).sort()).toEqual(slugs);
      for (const r of planned.results) expect(r).toMatchObject({ from_version: 0, to_version: LATEST_TENANT_VERSION, status: 'pending' });
      expect(await tables(ok1!.schema_name)).toEqual([]);
      expect(await version(ok1!.id)).toBe(0);

      // The real run: two rebuilt, one failed, exit 1, the JSON report still on stdout.
      const run = await runCli(['tenants', 'migrate', '--json', '--concurrency', '2'], ownEnv);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^error: 1 of 3 tenant migrations failed/m);
      const report = parseJsonOutput<MigrateJson>(run);
      expect(report).toMatchObject({ pending: 3, migrated: 2, failed: 1 });
      const bySlug = new Map(report.results.map((r) => [r.slug, r]));
      for (const t of [ok1!, ok2!]) {
        expect(bySlug.get(t.slug)).toMatchObject({ from_version: 0, to_version: LATEST_TENANT_VERSION, status: 'ok' });
        expect(bySlug.get(t.slug)!.ms).toEqual(expect.any(Number));
        expect(await tables(t.schema_name)).toEqual(expect.arrayContaining(['_migrations', 'documents', 'chat_sessions', 'chat_messages', 'fine_tune_jobs']));
        expect(await ledger(t.schema_name)).toEqual(TENANT_MIGRATIONS.map((m) => m.version));
        expect(await version(t.id)).toBe(LATEST_TENANT_VERSION);
        // Tables a migration makes are the tenant role's too (default privileges), so the tenant is served.
        expect(await tenantRoleState(db, t.id, t.schema_name)).toEqual({ exists: true, usage: true, documents: true, app_member: true });
      }
      expect(bySlug.get(broken!.slug)).toMatchObject({ status: 'failed', from_version: 0, to_version: 0, error: expect.stringMatching(/already exists/) });
      // Its transaction rolled back: no ledger, nothing but the obstacle, still at version 0.
      expect(await tables(broken!.schema_name)).toEqual(['documents']);
      expect(await version(broken!.id)).toBe(0);

      // With the obstacle gone, the next run finds only the failed tenant and finishes it.
      await db.query(`DROP TABLE ${pg.escapeIdentifier(broken!.schema_name)}.documents`);
      const rerun = await runCli(['tenants', 'migrate', '--json'], ownEnv);
      expectOk(rerun);
      expect(parseJsonOutput<MigrateJson>(rerun)).toMatchObject({
        pending: 1,
        migrated: 1,
        failed: 0,
        results: [{ slug: broken!.slug, from_version: 0, to_version: LATEST_TENANT_VERSION, status: 'ok' }],
      });
      expect(await ledger(broken!.schema_name)).toEqual(TENANT_MIGRATIONS.map((m) => m.version));
      expect(await version(broken!.id)).toBe(LATEST_TENANT_VERSION);
    } finally {
      await db.end();
      const admin = new pg.Client({ connectionString: stack.serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(new URL(databaseUrl).pathname.slice(1))} WITH (FORCE)`).finally(() => admin.end());
    }
  });
});
