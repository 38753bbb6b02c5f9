// Factories that insert rows directly in SQL (no HTTP, no worker), for medium tests that
// build modules in process against the test PostgreSQL.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { tenantSchemaName } from '../../libs/database/src/index.js';

const unique = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export interface UserRow {
  id: string;
  email: string;
}

export async function insertUser(db: pg.Pool | pg.Client, overrides: { email?: string; isPlatformAdmin?: boolean } = {}): Promise<UserRow> {
  const res = await db.query<UserRow>(`INSERT INTO public.users (email, password_hash, is_platform_admin) VALUES ($1, NULL, $2) RETURNING id, email`, [
    overrides.email ?? `${unique('user')}@example.com`,
    overrides.isPlatformAdmin ?? false,
  ]);
  return res.rows[0]!;
}

export interface TenantFactoryRow {
  id: string;
  slug: string;
  schema_name: string;
  parent_id: string | null;
  owner_id: string;
}

/** A tenant row (status `provisioning`, no schema) with its owner's membership. */
export async function insertTenant(
  db: pg.Pool | pg.Client,
  options: { ownerId: string; parentId?: string | null; slug?: string; status?: string },
): Promise<TenantFactoryRow> {
  const slug = options.slug ?? unique('t');
  const res = await db.query<TenantFactoryRow>(
    `WITH t AS (
       INSERT INTO public.tenants (slug, name, schema_name, plan, parent_id, owner_id, status)
       VALUES ($1, $1, $2, 'starter', $3, $4, $5) RETURNING id, slug, schema_name, parent_id, owner_id
     ), m AS (INSERT INTO public.memberships (tenant_id, user_id, role) SELECT id, owner_id, 'owner' FROM t)
     SELECT * FROM t`,
    [slug, tenantSchemaName(slug), options.parentId ?? null, options.ownerId, options.status ?? 'provisioning'],
  );
  return res.rows[0]!;
}

export async function insertMembership(db: pg.Pool | pg.Client, tenantId: string, userId: string, role: string): Promise<void> {
  await db.query(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, [tenantId, userId, role]);
}
