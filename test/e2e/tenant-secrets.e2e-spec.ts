// Secret settings (README "Encryption keys"): sealed per tenant with its data key, which the
// master key wraps. Over HTTP a secret is only ever `{"set": true}`; the database holds no
// plaintext; the code that needs a secret reads it with TenantSecrets (in process here, as the
// API would); and `tenantry keys rotate` (the CLI, as an operator runs it) moves every data key
// to a new master key, and gives one tenant a new data key, with every secret still readable
// with the new master key and no longer with the old one.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import { loadConfig } from '../../libs/config/src/index.js';
import { createDataSource } from '../../libs/database/src/index.js';
import { open, SecretUnreadable, TenantSecrets } from '../../libs/secrets/src/index.js';
import { cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { activeTenant, client, createTenant, registerUser, type Request, uniqueSlug, waitForStatus } from '../support/http.js';
import { createDatabase, startStack } from '../support/stack.js';
import { waitUntil } from '../support/tenant-schema.js';

const stack = inject('stack');
const request = client(stack.apiUrl);

const plaintext = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/** TenantSecrets in this process, as the API builds it, with the given master key (and previous ones). */
async function secretsWith(databaseUrl: string, masterKey: string, previous?: string): Promise<{ secrets: TenantSecrets; dataSource: DataSource }> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: 'x'.repeat(32),
    DATA_DIR: '/nonexistent-tenantry-secrets-test',
    MASTER_KEY: masterKey,
    ...(previous ? { MASTER_KEY_PREVIOUS: previous } : {}),
  });
  const dataSource = await createDataSource(config, 'secrets-test', [], 1).initialize();
  return { secrets: new TenantSecrets(dataSource, config), dataSource };
}

/** Rows of a table (as text) that contain `needle`: plaintext must be found nowhere. */
async function rowsContaining(db: pg.Client, table: string, needle: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE strpos(t::text, $1) > 0`, [needle]);
  return rows[0]!.n;
}

/** The shared stack's database as a superuser, and TenantSecrets in this process with its master key. */
let db: pg.Client;
let inProcess: { secrets: TenantSecrets; dataSource: DataSource };

beforeAll(async () => {
  db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  inProcess = await secretsWith(stack.appDatabaseUrl, stack.env.MASTER_KEY!);
});

afterAll(async () => {
  await db?.end();
  await inProcess?.dataSource.destroy();
});

describe('tenant secrets over HTTP', { timeout: 120_000 }, () => {

  it('a secret PATCHed in is answered as {"set": true}, stored sealed (no plaintext in the database), and read back by TenantSecrets', async () => {
    const { owner, tenant } = await activeTenant(request);
    const sso = plaintext('sso'), openai = plaintext('openai'), stripe = plaintext('stripe');
    const patched = await request('PATCH', `/api/tenants/${tenant.id}`, {
      token: owner.token,
      body: {
        settings: {
          sso: { issuer: 'https://idp.example.com', client_id: 'tenantry', client_secret: sso },
          providers: { openai: { api_key: openai } },
          stripe: { account_token: stripe },
          branding: { display_name: 'Acme' },
        },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.settings).toEqual({
      sso: { issuer: 'https://idp.example.com', client_id: 'tenantry', client_secret: { set: true } },
      providers: { openai: { api_key: { set: true } } },
      stripe: { account_token: { set: true } },
      branding: { display_name: 'Acme' },
    });

    const [got, listed] = await Promise.all([
      request('GET', `/api/tenants/${tenant.id}`, { token: owner.token }),
      request('GET', '/api/tenants?limit=100', { token: owner.token }),
    ]);
    expect(got.status).toBe(200);
    expect(got.body.settings).toEqual(patched.body.settings);
    expect(listed.status).toBe(200);
    for (const secret of [sso, openai, stripe]) {
      for (const answer of [patched, got, listed]) expect(JSON.stringify(answer.body)).not.toContain(secret);
      expect(await rowsContaining(db, 'public.tenants', secret)).toBe(0);
      expect(await rowsContaining(db, 'public.tenant_keys', secret)).toBe(0);
    }
    const stored = await db.query<{ settings: { sso: { client_secret: { $enc: string } } } }>(`SELECT settings FROM public.tenants WHERE id = $1`, [tenant.id]);
    expect(stored.rows[0]!.settings.sso.client_secret.$enc).toMatch(/^tnk1\.v1\./);

    expect(await inProcess.secrets.read(tenant.id, 'sso.client_secret')).toBe(sso);
    expect(await inProcess.secrets.read(tenant.id, 'providers.openai.api_key')).toBe(openai);
    expect(await inProcess.secrets.read(tenant.id, 'stripe.account_token')).toBe(stripe);
    expect(await inProcess.secrets.read(tenant.id, 'embeddings.api_key')).toBeUndefined();
    await expect(inProcess.secrets.read(tenant.id, 'branding.display_name')).rejects.toThrow(/not a secret setting/);
  });

  it('{"set": true} sent back keeps the secret; a new string replaces it; null removes it; anything else is a 400', async () => {
    const { owner, tenant } = await activeTenant(request);
    const first = plaintext('first'), second = plaintext('second');
    const patch = (settings: unknown) => request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } });
    expect((await patch({ sso: { client_secret: first } })).status).toBe(200);

    // What GET answered, edited and sent back: the secret is untouched.
    const echoed = await patch({ sso: { client_secret: { set: true }, client_id: 'changed' } });
    expect(echoed.status, JSON.stringify(echoed.body)).toBe(200);
    expect(echoed.body.settings.sso).toEqual({ client_secret: { set: true }, client_id: 'changed' });
    expect(await inProcess.secrets.read(tenant.id, 'sso.client_secret')).toBe(first);

    for (const bad of [42, '', { set: false }, { $enc: 'tnk1.v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' }, ['x'], 'x'.repeat(8193)]) {
      const refused = await patch({ sso: { client_secret: bad } });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ field: 'settings.sso.client_secret' })]);
    }
    expect(await inProcess.secrets.read(tenant.id, 'sso.client_secret')).toBe(first);

    expect((await patch({ sso: { client_secret: second } })).status).toBe(200);
    expect(await inProcess.secrets.read(tenant.id, 'sso.client_secret')).toBe(second);
    const removed = await patch({ sso: { client_secret: null } });
    expect(removed.body.settings.sso).toEqual({ client_id: 'changed' });
    expect(await inProcess.secrets.read(tenant.id, 'sso.client_secret')).toBeUndefined();
  });

  it('a secret given at creation is sealed too', async () => {
    const owner = await registerUser(request);
    const secret = plaintext('created');
    const created = await createTenant(request, owner.token, { settings: { providers: { anthropic: { api_key: secret } } } });
    expect(created.settings).toEqual({ providers: { anthropic: { api_key: { set: true } } } });
    expect(JSON.stringify(created)).not.toContain(secret);
    expect(await rowsContaining(db, 'public.tenants', secret)).toBe(0);
    expect(await inProcess.secrets.read(created.id, 'providers.anthropic.api_key')).toBe(secret);
  });

  it('MASTER_KEY_PREVIOUS: with the new key current and the old one previous, secrets stay readable, and a rotation moves them to the new key alone', async () => {
    const { owner, tenant } = await activeTenant(request);
    const secret = plaintext('ring');
    expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { stripe: { account_token: secret } } } })).status).toBe(200);
    const oldMaster = stack.env.MASTER_KEY!;
    const newMaster = randomBytes(32).toString('hex');
    const ring = await secretsWith(stack.appDatabaseUrl, newMaster, oldMaster);
    try {
      expect(await ring.secrets.read(tenant.id, 'stripe.account_token')).toBe(secret);
      // This tenant alone (the shared stack's other tenants stay under the stack's key).
      expect(await ring.secrets.rotate({ tenantId: tenant.id })).toEqual({ tenants: 1, rewrapped: 1, new_keys: 1, reencrypted: 1 });
    } finally {
      await ring.dataSource.destroy();
    }
    const [onlyNew, onlyOld] = await Promise.all([secretsWith(stack.appDatabaseUrl, newMaster), secretsWith(stack.appDatabaseUrl, oldMaster)]);
    try {
      expect(await onlyNew.secrets.read(tenant.id, 'stripe.account_token')).toBe(secret);
      await expect(onlyOld.secrets.read(tenant.id, 'stripe.account_token')).rejects.toThrow(SecretUnreadable);
    } finally {
      await Promise.all([onlyNew.dataSource.destroy(), onlyOld.dataSource.destroy()]);
    }
  });

  it("another tenant's data key cannot open a tenant's secret, nor can the secret be moved to another tenant", async () => {
    const [a, b] = await Promise.all([activeTenant(request), activeTenant(request)]);
    const secretA = plaintext('a');
    for (const [{ owner, tenant }, value] of [[a, secretA], [b, plaintext('b')]] as const) {
      expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { sso: { client_secret: value } } } })).status).toBe(200);
    }
    const envelopeOf = async (id: string): Promise<string> =>
      (await db.query<{ e: string }>(`SELECT settings->'sso'->'client_secret'->>'$enc' AS e FROM public.tenants WHERE id = $1`, [id])).rows[0]!.e;
    const envelopeA = await envelopeOf(a.tenant.id);

    // B's data key, unwrapped with the master key, against A's envelope in A's own context.
    const wrappedB = (await db.query<{ w: string }>(`SELECT wrapped_key AS w FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = 1`, [b.tenant.id])).rows[0]!.w;
    const master = loadConfig({ MASTER_KEY: stack.env.MASTER_KEY!, DATA_DIR: '/nonexistent-tenantry-secrets-test' }).masterKey;
    const dataKeyB = open(master, wrappedB, `tenant-key:${b.tenant.id}:1`);
    expect(dataKeyB).toHaveLength(32);
    expect(() => open(dataKeyB, envelopeA, `secret:${a.tenant.id}:sso.client_secret`)).toThrow(/does not open/);

    // A's envelope copied into B's settings (someone with write access to the table) does not read as B's.
    await db.query(`UPDATE public.tenants SET settings = jsonb_set(settings, '{sso,client_secret,$enc}', to_jsonb($2::text)) WHERE id = $1`, [b.tenant.id, envelopeA]);
    await expect(inProcess.secrets.read(b.tenant.id, 'sso.client_secret')).rejects.toThrow(SecretUnreadable);
    expect(await inProcess.secrets.read(a.tenant.id, 'sso.client_secret')).toBe(secretA);
  });
});

describe('tenantry keys rotate', { timeout: 240_000 }, () => {
  it('moves every data key to the new master key and gives one tenant a new data key; secrets read with the new master key only', async () => {
    const databaseUrl = await createDatabase(stack.serverUrl, `tenantry_keys_${randomBytes(4).toString('hex')}`);
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-keys-'));
    const own = await startStack({ databaseUrl, serverUrl: stack.serverUrl, redisUrl: stack.redisUrl, dataDir, api: true, worker: true });
    const oldMaster = own.info.env.MASTER_KEY!;
    const values = { t1: { sso: plaintext('t1-sso'), openai: plaintext('t1-openai') }, t2: { sso: plaintext('t2-sso'), openai: plaintext('t2-openai') } };
    let t1: { id: string; slug: string };
    let t2: { id: string; slug: string };
    try {
      const ownRequest: Request = client(own.info.apiUrl);
      const owner = await registerUser(ownRequest);
      const tenants = await Promise.all(
        (['t1', 't2'] as const).map(async (name) => {
          const created = await createTenant(ownRequest, owner.token, {
            slug: uniqueSlug('keys'),
            settings: { sso: { client_secret: values[name].sso }, providers: { openai: { api_key: values[name].openai } } },
          });
          return (await waitForStatus(ownRequest, owner.token, created.id)) as { id: string; slug: string };
        }),
      );
      [t1, t2] = tenants as [typeof t1, typeof t2];
    } finally {
      await own.stop();
    }

    const newMaster = randomBytes(32).toString('base64');
    const newKeyFile = join(dataDir, 'new-master.key');
    writeFileSync(newKeyFile, `${newMaster}\n`, { mode: 0o600 });
    // The CLI finds the current master key where `npm start` keeps it: DATA_DIR/master.key.
    const env = cliEnv(own.info.env);
    expect(env.MASTER_KEY).toBeUndefined();

    // Refused before anything changes: a key file others may read, an unknown tenant.
    const looseFile = join(dataDir, 'loose.key');
    writeFileSync(looseFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(looseFile, 0o644);
    const [loose, unknown] = await Promise.all([
      runCli(['keys', 'rotate', '--new-master-key-file', looseFile], env),
      runCli(['keys', 'rotate', '--tenant', 'no-such-tenant', '--new-master-key-file', newKeyFile], env),
    ]);
    expect(loose.code, loose.stderr).toBe(EXIT.badInput);
    expect(loose.stderr).toMatch(/^error: .*readable by group or others/);
    expect(unknown.code, unknown.stderr).toBe(EXIT.notFound);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const before = (await db.query<{ tenant_id: string; key_version: number; wrapped_key: string }>(`SELECT tenant_id, key_version, wrapped_key FROM public.tenant_keys`)).rows;
      expect(before).toHaveLength(2);

      // One tenant: a new data key, its secrets re-encrypted, its keys under the new master key.
      const one = await runCli(['keys', 'rotate', '--tenant', t1!.slug, '--new-master-key-file', newKeyFile, '--json'], env);
      expect(one.code, one.stderr).toBe(EXIT.ok);
      expect(parseJsonOutput(one)).toEqual({ tenants: 1, rewrapped: 1, new_keys: 1, reencrypted: 2 });
      // Every tenant: t2's key moves; t1's are there already (a second run finishes what a stopped one left).
      const all = await runCli(['keys', 'rotate', '--new-master-key-file', newKeyFile, '--json'], env);
      expect(all.code, all.stderr).toBe(EXIT.ok);
      expect(parseJsonOutput(all)).toEqual({ tenants: 2, rewrapped: 1, new_keys: 0, reencrypted: 0 });

      const keys = (await db.query<{ tenant_id: string; key_version: number; wrapped_key: string }>(`SELECT tenant_id, key_version, wrapped_key FROM public.tenant_keys ORDER BY tenant_id, key_version`)).rows;
      expect(keys.filter((k) => k.tenant_id === t1!.id).map((k) => k.key_version)).toEqual([1, 2]);
      expect(keys.filter((k) => k.tenant_id === t2!.id).map((k) => k.key_version)).toEqual([1]);
      for (const key of keys) expect(before.map((b) => b.wrapped_key)).not.toContain(key.wrapped_key);
      const envelopes = (await db.query<{ id: string; e: string }>(`SELECT id, settings->'sso'->'client_secret'->>'$enc' AS e FROM public.tenants`)).rows;
      expect(envelopes.find((r) => r.id === t1!.id)!.e).toMatch(/^tnk1\.v2\./);
      expect(envelopes.find((r) => r.id === t2!.id)!.e).toMatch(/^tnk1\.v1\./);
      for (const secret of [values.t1.sso, values.t1.openai, values.t2.sso, values.t2.openai]) {
        expect(await rowsContaining(db, 'public.tenants', secret)).toBe(0);
        expect(await rowsContaining(db, 'public.tenant_keys', secret)).toBe(0);
      }
    } finally {
      await db.end();
    }

    const appUrl = own.info.appDatabaseUrl;
    const withNew = await secretsWith(appUrl, newMaster);
    const withOld = await secretsWith(appUrl, oldMaster);
    try {
      expect(await withNew.secrets.read(t1!.id, 'sso.client_secret')).toBe(values.t1.sso);
      expect(await withNew.secrets.read(t1!.id, 'providers.openai.api_key')).toBe(values.t1.openai);
      expect(await withNew.secrets.read(t2!.id, 'sso.client_secret')).toBe(values.t2.sso);
      expect(await withNew.secrets.read(t2!.id, 'providers.openai.api_key')).toBe(values.t2.openai);
      for (const id of [t1!.id, t2!.id]) await expect(withOld.secrets.read(id, 'sso.client_secret')).rejects.toThrow(SecretUnreadable);
    } finally {
      await Promise.all([withNew.dataSource.destroy(), withOld.dataSource.destroy()]);
    }
  });
});

describe('tenantry keys prune', { timeout: 240_000 }, () => {
  const env = () => cliEnv(stack.env);
  const versions = async (tenantId: string) =>
    (await db.query<{ v: number }>(`SELECT key_version AS v FROM public.tenant_keys WHERE tenant_id = $1 ORDER BY key_version`, [tenantId])).rows.map((r) => r.v);
  const storedSettings = async (tenantId: string) =>
    (await db.query<{ settings: { sso?: { client_secret?: { $enc: string } } } & Record<string, unknown> }>(`SELECT settings FROM public.tenants WHERE id = $1`, [tenantId])).rows[0]!.settings;
  const rotate = async (slug: string) => {
    const res = await runCli(['keys', 'rotate', '--tenant', slug, '--json'], env());
    expect(res.code, res.stderr).toBe(EXIT.ok);
  };
  /** A tenant with an SSO secret (data key v1). */
  const withSecret = async () => {
    const { owner, tenant } = await activeTenant(request);
    const secret = plaintext('prune');
    const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { sso: { client_secret: secret } } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { owner, tenant, secret };
  };

  it('deletes the versions no secret names, keeps the latest and every version in use, and leaves other tenants alone', async () => {
    const [a, b, c] = await Promise.all([withSecret(), withSecret(), withSecret()]);
    // a: two rotations, its secret now under v3. b: one rotation (v1, v2), not pruned by --tenant a.
    // c: its v1 settings written back over the rotation (what a PATCH that raced it leaves): v1 is in use again.
    const cBefore = await storedSettings(c.tenant.id);
    await Promise.all([rotate(a.tenant.slug).then(() => rotate(a.tenant.slug)), rotate(b.tenant.slug), rotate(c.tenant.slug)]);
    await db.query(`UPDATE public.tenants SET settings = $2::jsonb WHERE id = $1`, [c.tenant.id, JSON.stringify(cBefore)]);
    expect([await versions(a.tenant.id), await versions(b.tenant.id), await versions(c.tenant.id)]).toEqual([[1, 2, 3], [1, 2], [1, 2]]);

    const [unknown, one] = await Promise.all([
      runCli(['keys', 'prune', '--tenant', 'no-such-tenant'], env()),
      runCli(['keys', 'prune', '--tenant', a.tenant.slug, '--json'], env()),
    ]);
    expect(unknown.code, unknown.stderr).toBe(EXIT.notFound);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(one.code, one.stderr).toBe(EXIT.ok);
    expect(parseJsonOutput(one)).toEqual({ tenants: 1, deleted: 2, kept: 1 });
    expect(await versions(a.tenant.id)).toEqual([3]);
    expect(await versions(b.tenant.id)).toEqual([1, 2]);
    expect(await inProcess.secrets.read(a.tenant.id, 'sso.client_secret')).toBe(a.secret);

    // Every tenant (other test files' too: it is safe on a live database).
    const all = await runCli(['keys', 'prune', '--json'], env());
    expect(all.code, all.stderr).toBe(EXIT.ok);
    expect(await versions(b.tenant.id)).toEqual([2]);
    expect(await versions(c.tenant.id)).toEqual([1, 2]);
    for (const t of [a, b, c]) expect(await inProcess.secrets.read(t.tenant.id, 'sso.client_secret')).toBe(t.secret);
    // A second run has nothing left to delete for them.
    const again = await runCli(['keys', 'prune', '--tenant', b.tenant.slug, '--json'], env());
    expect(parseJsonOutput(again)).toEqual({ tenants: 1, deleted: 0, kept: 1 });
  });

  it('a settings write sealed with a key that a rotation and prune removed while it waited is refused (409), and stores nothing', async () => {
    const { owner, tenant } = await withSecret();
    const before = await storedSettings(tenant.id);
    // Hold the tenant's row, as `keys prune` does, while a PATCH seals its new secret with v1 and then waits for the row.
    const holder = new pg.Client({ connectionString: stack.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM public.tenants WHERE id = $1 FOR UPDATE`, [tenant.id]);
      const patch = request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { providers: { openai: { api_key: plaintext('raced') } } } } });
      await waitUntil(
        'the PATCH to wait for the tenant row',
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE public.tenants SET%' AND datname = current_database()`,
            )
          ).rowCount! > 0,
        30_000,
        20,
      );
      // Meanwhile: a rotation made v2 and a prune removed v1 (the version the PATCH sealed with).
      await holder.query(`INSERT INTO public.tenant_keys (tenant_id, key_version, wrapped_key) SELECT tenant_id, 2, wrapped_key FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = 1`, [tenant.id]);
      await holder.query(`DELETE FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = 1`, [tenant.id]);
      await holder.query('COMMIT');
      const res = await patch;
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.code).toBe('secret_key_pruned');
    } finally {
      await holder.end();
    }
    expect(await storedSettings(tenant.id)).toEqual(before);
  });
});
