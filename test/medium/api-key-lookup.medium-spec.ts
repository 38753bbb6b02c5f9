// Medium tier: the per-request API key lookup (AccessGrantsRepository.keyByPrefix) on a runtime
// pool of ONE connection against a database of its own: it is a named prepared statement (parsed
// and planned once per connection), it still reads the row at every call (a revocation or an
// expiry written straight into the table holds at the next call), and when the connection path
// loses its prepared statement (as PgBouncer without prepared-statement support does) it falls back
// to the plain query instead of failing.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDataSource } from '../../libs/database/src/index.js';
import { AccessGrantsRepository, generateApiKey } from '../../libs/identity/src/index.js';
import { insertTenant, insertUser, type TenantFactoryRow, type UserRow } from '../support/factories.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
const NAME = 'tenantry_api_key_by_prefix';
let medium: MediumDatabase;
let runtime: DataSource;
let owner: UserRow;
let tenant: TenantFactoryRow;

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'keylookup');
  runtime = await createDataSource(medium.config, 'medium-key-lookup', [], 1).initialize();
  owner = await insertUser(medium.db);
  tenant = await insertTenant(medium.db, { ownerId: owner.id, status: 'active' });
});

afterAll(async () => {
  await runtime?.destroy();
  await medium?.drop();
});

async function insertKey(): Promise<{ id: string; prefix: string; key: string }> {
  const made = generateApiKey();
  const res = await medium.db.query<{ id: string }>(
    `INSERT INTO public.api_keys (tenant_id, tenant_scope, name, prefix, key_hash, scopes, created_by) VALUES ($1, $1, 'k', $2, $3, $4, $5) RETURNING id`,
    [tenant.id, made.prefix, made.hash, ['corpus:read'], owner.id],
  );
  return { id: res.rows[0]!.id, prefix: made.prefix, key: made.key };
}

/** The statements prepared on the pool's one connection. */
const prepared = async (): Promise<string[]> => ((await runtime.query(`SELECT name FROM pg_prepared_statements`)) as Array<{ name: string }>).map((r) => r.name);

describe('the API key lookup', () => {
  it('is prepared once per connection, reads the row at every call, and knows no other prefix', async () => {
    const repo = new AccessGrantsRepository(runtime);
    const key = await insertKey();
    const first = await repo.keyByPrefix(key.prefix);
    expect(first).toMatchObject({ id: key.id, tenant_id: tenant.id, tenant_scope: tenant.id, scopes: ['corpus:read'], created_by: owner.id, email: owner.email, revoked: false, expired: false, kind: 'secret', allowed_origins: null });
    expect(await prepared()).toEqual([NAME]);
    expect(await repo.keyByPrefix('0123456789ab')).toBeNull();

    await medium.db.query(`UPDATE public.api_keys SET revoked_at = now() WHERE id = $1`, [key.id]);
    expect(await repo.keyByPrefix(key.prefix)).toMatchObject({ id: key.id, revoked: true, expired: false });
    await medium.db.query(`UPDATE public.api_keys SET revoked_at = NULL, expires_at = now() - interval '1 second' WHERE id = $1`, [key.id]);
    expect(await repo.keyByPrefix(key.prefix)).toMatchObject({ id: key.id, revoked: false, expired: true });
    await medium.db.query(`DELETE FROM public.api_keys WHERE id = $1`, [key.id]);
    expect(await repo.keyByPrefix(key.prefix)).toBeNull();
    expect(await prepared()).toEqual([NAME]); // still the one statement
  });

  it('falls back to the plain query, for good, when the connection lost its prepared statement', async () => {
    const repo = new AccessGrantsRepository(runtime);
    const key = await insertKey();
    expect((await repo.keyByPrefix(key.prefix))?.id).toBe(key.id);
    expect(await prepared()).toEqual([NAME]);
    // What a pooler without prepared-statement support does: the next Bind reaches a server connection without it.
    await runtime.query(`DEALLOCATE ${NAME}`);
    expect((await repo.keyByPrefix(key.prefix))?.id).toBe(key.id);
    expect((await repo.keyByPrefix(key.prefix))?.id).toBe(key.id);
    expect(await prepared()).toEqual([]);
  });
});
