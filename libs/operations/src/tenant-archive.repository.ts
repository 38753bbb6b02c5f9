import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { dropTenantRoleSql, localSearchPathSql, OwnerDb, quoteIdent, tenantRoleName } from '../../database/src/index.js';

/** What export and hard delete need of a tenant row. */
export interface ArchivedTenant {
  id: string;
  slug: string;
  name: string;
  schema_name: string;
  status: string;
  plan: string;
  parent_id: string | null;
  schema_version: number;
}

/** Public tables whose tenant rows are never exported: wrapped data keys are secrets of the deployment. */
const NOT_EXPORTED = new Set(['tenant_keys', 'tenant_exports']);
/** Columns never exported (hashes of secrets). */
const SECRET_COLUMNS = ['key_hash'];

/**
 * The SQL of tenant export and hard delete, as the owner role (it owns every tenant schema and
 * may drop roles). Export reads in one REPEATABLE READ, READ ONLY transaction: one snapshot.
 */
@Injectable()
export class TenantArchiveRepository {
  constructor(private readonly owner: OwnerDb) {}

  snapshot<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.owner.transaction(async (runner) => {
      await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return fn(runner);
    });
  }

  transaction<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.owner.transaction(fn);
  }

  async find(key: string): Promise<ArchivedTenant | null> {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key);
    const rows = await this.owner.query<ArchivedTenant[]>(
      `SELECT id, slug, name, schema_name, status, plan, parent_id, schema_version FROM public.tenants WHERE ${byId ? 'id = $1::uuid' : 'slug = $1'}`,
      [key],
    );
    return rows[0] ?? null;
  }

  /** Every descendant, deepest first (the order a cascade deletes them in). */
  async descendants(id: string): Promise<ArchivedTenant[]> {
    return this.owner.query<ArchivedTenant[]>(
      `WITH RECURSIVE d AS (
         SELECT t.*, 1 AS depth FROM public.tenants t WHERE t.parent_id = $1
         UNION ALL SELECT t.*, d.depth + 1 FROM public.tenants t JOIN d ON t.parent_id = d.id)
       SELECT id, slug, name, schema_name, status, plan, parent_id, schema_version FROM d ORDER BY depth DESC, slug`,
      [id],
    );
  }

  /** The tenant schema's tables (every one, generically; the ledger included). */
  async schemaTables(runner: QueryRunner, schema: string): Promise<string[]> {
    const rows = (await runner.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
      [schema],
    )) as Array<{ name: string }>;
    return rows.map((r) => r.name);
  }

  /** One table's rows as JSON text, in the tenant's search_path (the table name is from the catalogue, quoted). */
  async tableRows(runner: QueryRunner, schema: string, table: string): Promise<string[]> {
    await runner.query(localSearchPathSql(schema));
    const rows = (await runner.query(`SELECT row_to_json(t)::text AS j FROM ${quoteIdent(table)} t`)) as Array<{ j: string }>;
    return rows.map((r) => r.j);
  }

  /** Public tables that carry a tenant_id, except the deployment's secrets. */
  async publicTenantTables(runner: QueryRunner): Promise<string[]> {
    const rows = (await runner.query(
      `SELECT table_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1`,
    )) as Array<{ name: string }>;
    return rows.map((r) => r.name).filter((n) => !NOT_EXPORTED.has(n));
  }

  async publicRows(runner: QueryRunner, table: string, tenantId: string): Promise<string[]> {
    const strip = SECRET_COLUMNS.map((c) => ` - '${c}'`).join('');
    const rows = (await runner.query(`SELECT (to_jsonb(t)${strip})::text AS j FROM public.${quoteIdent(table)} t WHERE tenant_id = $1`, [tenantId])) as Array<{
      j: string;
    }>;
    return rows.map((r) => r.j);
  }

  async tenantRow(runner: QueryRunner, tenantId: string): Promise<string> {
    const rows = (await runner.query(`SELECT row_to_json(t)::text AS j FROM public.tenants t WHERE id = $1`, [tenantId])) as Array<{ j: string }>;
    return rows[0]?.j ?? 'null';
  }

  /** Locks the tenant row for the delete; the children check is made under the lock. */
  async lockForDelete(runner: QueryRunner, id: string): Promise<{ children: number } | null> {
    const rows = (await runner.query(`SELECT id FROM public.tenants WHERE id = $1 FOR UPDATE`, [id])) as unknown[];
    if (rows.length === 0) return null;
    const [c] = (await runner.query(`SELECT count(*)::int AS n FROM public.tenants WHERE parent_id = $1`, [id])) as Array<{ n: number }>;
    return { children: c?.n ?? 0 };
  }

  /**
   * Drops the schema (and with it the role's grants and default privileges in it), the role,
   * the public rows (memberships, keys, invitations, exports go by cascade) and
   * the tenant row, in the caller's transaction. Usage records stay (billing outlives a tenant).
   */
  async dropTenant(runner: QueryRunner, tenant: ArchivedTenant): Promise<void> {
    await runner.query(`DROP SCHEMA IF EXISTS ${quoteIdent(tenant.schema_name)} CASCADE;\n${dropTenantRoleSql(tenantRoleName(tenant.id), this.owner.roleName)}`);
    await runner.query(`UPDATE public.tenants SET suspended_by_tenant = NULL WHERE suspended_by_tenant = $1`, [tenant.id]);
    await runner.query(`DELETE FROM public.tenants WHERE id = $1`, [tenant.id]);
  }
}
