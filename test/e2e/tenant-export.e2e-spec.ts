// Tenant export and hard delete (issue 18), on the shared stack: the owner's export over HTTP
// (202, built by the real worker, downloaded and unpacked here), who may not, and the CLI's
// `tenants export` and `tenants delete` (confirmation, children, --cascade, --export first):
// afterwards the schema, the role, the stored files and the public rows are gone, the archive
// is complete and the delete is audited.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import { type CliResult, cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { activeTenant, client, createTenant, registerUser, uniqueSlug, waitForStatus } from '../support/http.js';
import { tenantRoleState, waitUntil } from '../support/tenant-schema.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const cli = (...args: string[]): Promise<CliResult> => runCli(args, cliEnv(stack.env), 120_000);
let db: pg.Client;
let dir: string;

beforeAll(async () => {
  db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'tenantry-export-'));
});
afterAll(async () => {
  await db?.end();
  await rm(dir, { recursive: true, force: true });
});

/** The entries of a tar.gz, by name. */
async function unpack(gz: Buffer): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        files.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(gz));
  await done;
  return files;
}

const ndjson = (b: Buffer | undefined): Array<Record<string, unknown>> =>
  (b ?? Buffer.alloc(0))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A tenant with two documents and one stored file (written where the local storage driver keeps it). */
async function filledTenant(body: Record<string, unknown> = {}, user?: Awaited<ReturnType<typeof registerUser>>) {
  const { owner, tenant } = await activeTenant(request, body, user);
  const headers = { 'x-tenant-id': tenant.id };
  for (const title of ['Refund policy', 'Opening hours']) {
    const res = await request('POST', '/api/v1/corpus/documents', { token: owner.token, headers, body: { title, content: `${title}: ${randomBytes(4).toString('hex')}` } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const fileBody = `stored file of ${tenant.slug}\n`;
  await mkdir(join(stack.dataDir, 'storage', tenant.id, 'uploads'), { recursive: true });
  await writeFile(join(stack.dataDir, 'storage', tenant.id, 'uploads', 'notes.txt'), fileBody);
  return { owner, tenant, fileBody };
}

function expectComplete(files: Map<string, Buffer>, tenant: { id: string; slug: string }, fileBody: string): void {
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as {
    format: string;
    tenant: { id: string; slug: string };
    tables: Array<{ name: string; rows: number; file: string }>;
    files: Array<{ key: string; bytes: number }>;
  };
  expect(manifest).toMatchObject({ format: 'tenantry-export/1', tenant: { id: tenant.id, slug: tenant.slug } });
  // Every table of the schema, generically (later tenant migrations add more), each file present with its row count.
  expect(manifest.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['_migrations', 'chat_messages', 'chat_sessions', 'documents', 'fine_tune_jobs']));
  for (const t of manifest.tables) expect(ndjson(files.get(t.file))).toHaveLength(t.rows);
  expect(ndjson(files.get('tables/documents.ndjson')).map((d) => d.title).sort()).toEqual(['Opening hours', 'Refund policy']);
  expect(files.get('files/uploads/notes.txt')?.toString()).toBe(fileBody);
  expect(manifest.files).toEqual([expect.objectContaining({ key: 'uploads/notes.txt', bytes: Buffer.byteLength(fileBody) })]);
  expect(ndjson(files.get('public/memberships.ndjson'))).toEqual([expect.objectContaining({ tenant_id: tenant.id, role: 'owner' })]);
  expect(JSON.parse(files.get('tenant.json')!.toString())).toMatchObject({ id: tenant.id, slug: tenant.slug });
  // Hashes of secrets never leave.
  for (const [, body] of files) expect(body.toString()).not.toContain('key_hash');
}

describe('tenant export over HTTP', { timeout: 120_000 }, () => {
  it('the owner: 202 {id, status}, the worker builds it, GET answers download_url, the download is the complete archive', async () => {
    const { owner, tenant, fileBody } = await filledTenant();
    const started = await request('POST', `/api/tenants/${tenant.slug}/export`, { token: owner.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toEqual({ id: expect.any(String), status: 'pending' });
    const done = await waitUntil(
      'the export to finish',
      async () => {
        const res = await request('GET', `/api/tenants/${tenant.slug}/export/${started.body.id}`, { token: owner.token });
        expect(res.status).toBe(200);
        expect(res.body.status).not.toBe('failed');
        return res.body.status === 'done' ? res.body : null;
      },
      60_000,
      100,
    );
    expect(done.download_url).toBe(`/api/tenants/${tenant.slug}/export/${started.body.id}/download`);
    const res = await fetch(`${stack.apiUrl}${done.download_url}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const files = await unpack(Buffer.from(await res.arrayBuffer()));
    expectComplete(files, tenant, fileBody);
    // An export never contains earlier exports.
    const again = await request('POST', `/api/tenants/${tenant.id}/export`, { token: owner.token });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(started.body.id);
  });

  it('refused to an admin (403) and to anyone without the download route unauthenticated (401); another tenant cannot read it (404); bad ids 400', async () => {
    const { owner, tenant } = await activeTenant(request);
    const admin = await registerUser(request);
    await db.query(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')`, [tenant.id, admin.id]);
    const asAdmin = await request('POST', `/api/tenants/${tenant.id}/export`, { token: admin.token });
    expect(asAdmin.status).toBe(403);
    const mine = await request('POST', `/api/tenants/${tenant.id}/export`, { token: owner.token });
    expect(mine.status).toBe(202);
    const other = await activeTenant(request);
    // B's owner names A's export under B: not found (exports are looked up within the tenant).
    expect((await request('GET', `/api/tenants/${other.tenant.id}/export/${mine.body.id}`, { token: other.owner.token })).status).toBe(404);
    expect((await request('GET', `/api/tenants/${other.tenant.id}/export/${mine.body.id}/download`, { token: other.owner.token })).status).toBe(404);
    // ...and under A, B's owner is no member.
    expect((await request('GET', `/api/tenants/${tenant.id}/export/${mine.body.id}`, { token: other.owner.token })).status).toBe(403);
    expect((await request('GET', `/api/tenants/${tenant.id}/export/${mine.body.id}`)).status).toBe(401);
    expect((await request('GET', `/api/tenants/${tenant.id}/export/not-a-uuid`, { token: owner.token })).status).toBe(400);
    expect((await request('GET', `/api/tenants/${tenant.id}/export/${crypto.randomUUID()}`, { token: owner.token })).status).toBe(404);
  });
});

describe('tenantry tenants export / delete', { timeout: 300_000 }, () => {
  it('export --out writes the complete archive; refuses to overwrite (exit 4); unknown tenant exit 3; --out missing exit 2', async () => {
    const { tenant, fileBody } = await filledTenant();
    const out = join(dir, `${tenant.slug}.tar.gz`);
    const [ok, unknown, missing] = await Promise.all([
      cli('tenants', 'export', tenant.slug, '--out', out, '--json'),
      cli('tenants', 'export', uniqueSlug('nobody'), '--out', join(dir, 'x.tar.gz')),
      cli('tenants', 'export', tenant.slug),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseJsonOutput<{ path: string; files: number }>(ok)).toMatchObject({ slug: tenant.slug, path: out, files: 1 });
    expectComplete(await unpack(await readFile(out)), tenant, fileBody);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Tenant '.*' not found$/)]);
    expect(missing.code).toBe(EXIT.badInput);
    expect(missing.stderr.trim().split('\n')).toEqual(['error: --out <path> is required']);
    const twice = await cli('tenants', 'export', tenant.slug, '--out', out);
    expect(twice.code).toBe(EXIT.conflict);
    expect(twice.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .* already exists/)]);
  });

  it('delete: asks (no terminal: exit 2), refuses a parent without --cascade (exit 4), then --export first and everything gone; the round trip is complete and audited', async () => {
    const { owner, tenant: parent, fileBody } = await filledTenant({ plan: 'enterprise' });
    const child = await waitForStatus(request, owner.token, (await createTenant(request, owner.token, { parent_id: parent.id, slug: uniqueSlug('kid') })).id);
    const unasked = await cli('tenants', 'delete', parent.slug);
    expect(unasked.code).toBe(EXIT.badInput);
    expect(unasked.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: deleting '.*' cannot be undone: pass --yes/)]);
    const refused = await cli('tenants', 'delete', parent.slug, '--yes', '--json');
    expect(refused.code).toBe(EXIT.conflict);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Tenant '.*' has 1 descendant tenant\(s\)/)]);
    expect((await request('GET', `/api/tenants/${parent.id}`, { token: owner.token })).status).toBe(200);

    const out = join(dir, `${parent.slug}-final.tar.gz`);
    const deleted = await cli('tenants', 'delete', parent.slug, '--export', out, '--cascade', '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    const report = parseJsonOutput<{ deleted: Array<{ slug: string }>; exports: Array<{ slug: string; path: string }> }>(deleted);
    expect(report.deleted.map((d) => d.slug)).toEqual([child.slug, parent.slug]);
    expect(report.exports.map((e) => e.path)).toEqual([`${out}.${child.slug}.tar.gz`, out]);
    expectComplete(await unpack(await readFile(out)), parent, fileBody);

    for (const t of [parent, child]) {
      expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [t.schema_name])).rowCount).toBe(0);
      expect(await tenantRoleState(db, t.id, t.schema_name)).toEqual({ exists: false });
      for (const table of ['tenants', 'memberships', 'tenant_exports']) {
        const column = table === 'tenants' ? 'id' : 'tenant_id';
        expect((await db.query(`SELECT 1 FROM public.${table} WHERE ${column} = $1`, [t.id])).rowCount, table).toBe(0);
      }
      expect(existsSync(join(stack.dataDir, 'storage', t.id))).toBe(false);
      const audit = await db.query(`SELECT actor_type, action, changes FROM public.audit_log WHERE tenant_id = $1 AND action = 'tenant.deleted'`, [t.id]);
      expect(audit.rows).toEqual([expect.objectContaining({ actor_type: 'cli', action: 'tenant.deleted' })]);
    }
    // Every API process forgot it at once.
    expect((await request('GET', `/api/tenants/${parent.id}`, { token: owner.token })).status).toBe(404);
    expect((await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': parent.id } })).status).toBe(404);
    // Once gone, gone: exit 3.
    const again = await cli('tenants', 'delete', parent.slug, '--yes');
    expect(again.code).toBe(EXIT.notFound);
  });
});

describe('the CLI as a whole', { timeout: 120_000 }, () => {
  it('tenantry --help lists every command group; tenants --help lists export and delete', async () => {
    const [help, tenants] = await Promise.all([cli('--help'), cli('tenants', '--help')]);
    expect(help.code).toBe(0);
    for (const group of ['users', 'tenants', 'keys']) expect(help.stdout).toMatch(new RegExp(`^\\s+${group}\\b`, 'm'));
    expect(tenants.code).toBe(0);
    for (const sub of ['list', 'create', 'suspend', 'reactivate', 'retry', 'migrate', 'export', 'delete']) expect(tenants.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
  });

  it('users set-admin / set-password / delete take --json too', async () => {
    const user = await registerUser(request);
    const admin = await cli('users', 'set-admin', user.email, '--json');
    expect(admin.code, admin.stderr).toBe(0);
    expect(parseJsonOutput(admin)).toEqual({ id: user.id, email: user.email, is_platform_admin: true });
    const password = await cli('users', 'set-password', '--email', user.email, '--password', 'another-long-password', '--json');
    expect(parseJsonOutput(password)).toEqual({ id: user.id, email: user.email, password_changed: true });
    const deleted = await cli('users', 'delete', '--email', user.email, '--json');
    expect(parseJsonOutput(deleted)).toEqual({ deleted: { id: user.id, email: user.email }, tenant_ids: [] });
  });
});
