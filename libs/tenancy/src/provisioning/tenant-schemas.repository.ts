import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import {
  createTenantRoleSql,
  createTenantSchemaSql,
  dropTenantRoleSql,
  renameTenantRoleSql,
  LATEST_TENANT_VERSION,
  OwnerDb,
  quoteIdent,
  quoteLiteral,
  TENANT_ROLE_PREFIX,
  tenantRoleName,
} from '../../../database/src/index.js';
import type { TenantRow } from '../tenants/tenants.repository.js';
import { isUuid } from '../tenants/tenants.repository.js';

/** The roles a tenant role is made with: the runtime role becomes a member of it, the owner's group holds it. */
export interface TenantRoleNames {
  app: string;
  owner: string;
}

/** What provisioning and upgrades need of a tenant row. */
export type TenantSchemaRef = Pick<TenantRow, 'id' | 'slug' | 'schema_name' | 'status' | 'schema_version'>;

/** A tenant locked for provisioning, with what already exists of its schema and role. */
export interface LockedTenant extends TenantSchemaRef {
  schemaExists: boolean;
  roleExists: boolean;
}

const REF_COLUMNS = 'id, slug, schema_name, status, schema_version';

/**
 * The SQL of tenant schemas, their roles and the warm pool, run as the owner role. Methods
 * that take a runner run inside the caller's transaction (OwnerDb.transaction).
 */
@Injectable()
export class TenantSchemasRepository {
  constructor(private readonly owner: OwnerDb) {}

  transaction<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.owner.transaction(fn);
  }

  /** Statements as one transaction in one round trip (OwnerDb.script). */
  script(sql: string): Promise<void> {
    return this.owner.script(sql);
  }

  /** Locks the tenant row (FOR UPDATE) and says whether its schema and role exist. Null: no such tenant. */
  async lockForProvisioning(runner: QueryRunner, tenantId: string): Promise<LockedTenant | null> {
    const rows = (await runner.query(`SELECT ${REF_COLUMNS} FROM public.tenants WHERE id = $1 FOR UPDATE`, [tenantId])) as TenantSchemaRef[];
    const tenant = rows[0];
    if (!tenant) return null;
    // Asked only once the row lock is held, in a statement of its own: a statement that waited
    // for the lock sees the tenant row as the concurrent provisioning left it (active) but
    // pg_namespace as of before the wait (no schema), and would create the schema twice.
    const [exists] = (await runner.query(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists`,
      [tenant.schema_name, tenantRoleName(tenant.id)],
    )) as Array<{ schema_exists: boolean; role_exists: boolean }>;
    return { ...tenant, schemaExists: exists?.schema_exists === true, roleExists: exists?.role_exists === true };
  }

  /** Takes the oldest spare schema at the latest version out of the pool (null: none free). */
  async claimSpare(runner: QueryRunner): Promise<string | null> {
    const rows = (await runner.query(
      `DELETE FROM public.schema_pool WHERE schema_name = (
         SELECT schema_name FROM public.schema_pool WHERE schema_version = $1
          ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING schema_name`,
      [LATEST_TENANT_VERSION],
    )) as [Array<{ schema_name: string }>, number];
    return rows[0][0]?.schema_name ?? null;
  }

  /**
   * The tenant's schema and role, made or renamed as `how` says, and the tenant marked active
   * at the latest version: one round trip (simple protocol, so every value is quoted).
   */
  async materialize(
    runner: QueryRunner,
    tenant: TenantSchemaRef,
    how: { spare: string } | { create: true } | { roleOnly: true } | { nothing: true },
    roles: TenantRoleNames,
  ): Promise<void> {
    const role = tenantRoleName(tenant.id);
    let ddl = '';
    if ('spare' in how) ddl = `ALTER SCHEMA ${quoteIdent(how.spare)} RENAME TO ${quoteIdent(tenant.schema_name)};\n${renameTenantRoleSql(how.spare, role, roles.owner)};\n`;
    else if ('create' in how) ddl = `${createTenantSchemaSql(tenant.schema_name)};\n${createTenantRoleSql(role, tenant.schema_name, roles)};\n`;
    else if ('roleOnly' in how) ddl = `${createTenantRoleSql(role, tenant.schema_name, roles)};\n`;
    await runner.query(
      `${ddl}UPDATE public.tenants SET schema_version = ${LATEST_TENANT_VERSION}, last_error = NULL, updated_at = now(),
         status = CASE WHEN status IN ('provisioning', 'failed') THEN 'active' ELSE status END
       WHERE id = ${quoteLiteral(tenant.id)}`,
    );
  }

  /** Keeps the transaction open (the provisioning failpoint for kill tests). */
  async holdTransaction(runner: QueryRunner, ms: number): Promise<void> {
    await runner.query(`SELECT pg_sleep($1)`, [ms / 1000]);
  }

  async markFailed(tenantId: string, error: string): Promise<void> {
    await this.owner.query(`UPDATE public.tenants SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1 AND status = 'provisioning'`, [
      tenantId,
      error.slice(0, 2000),
    ]);
  }

  /** Tenants left in provisioning for a while (say, the API died between insert and enqueue). */
  async stuckInProvisioning(): Promise<string[]> {
    const rows = await this.owner.query<Array<{ id: string }>>(
      `SELECT id FROM public.tenants WHERE status = 'provisioning' AND updated_at < now() - interval '10 seconds'`,
    );
    return rows.map((r) => r.id);
  }

  async outdatedSpares(): Promise<string[]> {
    const rows = await this.owner.query<Array<{ schema_name: string }>>(`SELECT schema_name FROM public.schema_pool WHERE schema_version <> $1`, [
      LATEST_TENANT_VERSION,
    ]);
    return rows.map((r) => r.schema_name);
  }

  async spareCount(): Promise<number> {
    const rows = await this.owner.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM public.schema_pool`);
    return rows[0]?.n ?? 0;
  }

  /** A pre-migrated spare schema with its role, registered in the pool (one round trip). */
  async createSpare(runner: QueryRunner, name: string, roles: TenantRoleNames): Promise<void> {
    await runner.query(
      `${createTenantSchemaSql(name)};\n${createTenantRoleSql(name, name, roles)};\nINSERT INTO public.schema_pool (schema_name, schema_version) VALUES (${quoteLiteral(name)}, ${LATEST_TENANT_VERSION})`,
    );
  }

  /** Drops a spare and its role, if it is still in the pool (false: someone claimed or dropped it). */
  async dropSpare(runner: QueryRunner, name: string): Promise<boolean> {
    const gone = (await runner.query(`DELETE FROM public.schema_pool WHERE schema_name = $1 RETURNING 1`, [name])) as [unknown[], number];
    if (gone[1] === 0) return false;
    await runner.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE;\n${dropTenantRoleSql(name, this.owner.roleName)}`);
    return true;
  }

  /** Every tenant behind the latest version, oldest first: one query, served by the index on schema_version. */
  findBehind(): Promise<TenantSchemaRef[]> {
    return this.owner.query<TenantSchemaRef[]>(
      `SELECT ${REF_COLUMNS} FROM public.tenants WHERE schema_version < $1 AND status IN ('active', 'suspended') ORDER BY created_at, id`,
      [LATEST_TENANT_VERSION],
    );
  }

  async findByKey(key: string): Promise<TenantSchemaRef | null> {
    const rows = await this.owner.query<TenantSchemaRef[]>(`SELECT ${REF_COLUMNS} FROM public.tenants WHERE ${isUuid(key) ? 'id = $1::uuid' : 'slug = $1'}`, [key]);
    return rows[0] ?? null;
  }

  /** Tenants whose schema exists but whose role does not (provisioned before tenant roles existed). */
  withoutRole(): Promise<Array<Pick<TenantRow, 'id' | 'schema_name'>>> {
    // The role name is tenantRoleName(id), spelled in SQL here so that one query finds them all.
    return this.owner.query(
      `SELECT t.id, t.schema_name FROM public.tenants t
        WHERE EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = t.schema_name)
          AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = $1 || replace(t.id::text, '-', ''))`,
      [TENANT_ROLE_PREFIX],
    );
  }

  async createRole(runner: QueryRunner, tenant: Pick<TenantRow, 'id' | 'schema_name'>, roles: TenantRoleNames): Promise<void> {
    await runner.query(createTenantRoleSql(tenantRoleName(tenant.id), tenant.schema_name, roles));
  }
}
