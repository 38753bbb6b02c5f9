// Direct SQL checks of tenant schemas (what provisioning must leave behind), and a poller.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect } from 'vitest';
import { LATEST_TENANT_VERSION, TENANT_MIGRATIONS, tenantRoleName } from '../../libs/database/src/index.js';
import type { TenantRow } from '../../libs/tenancy/src/index.js';

/** Tables every provisioned tenant schema holds (the `_migrations` ledger included); later migrations may add more. */
export const TENANT_TABLES = ['_migrations', 'applied_templates', 'chat_messages', 'chat_sessions', 'corpus_settings', 'documents', 'files', 'fine_tune_jobs', 'passages'] as const;

export const EXPECTED_LEDGER = TENANT_MIGRATIONS.map((m) => ({ version: m.version, name: m.name }));
export { LATEST_TENANT_VERSION };

export const pgPool = (url: string, max = 4): pg.Pool => new pg.Pool({ connectionString: url, max });

/** Polls `fn` until it returns something truthy; throws with `what` after the timeout. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface SchemaState {
  exists: boolean;
  /** Ordinary tables of the schema, sorted. */
  tables: string[];
  /** Rows of its `_migrations` ledger, by version (empty without a ledger). */
  ledger: Array<{ version: number; name: string }>;
}

export async function schemaState(db: pg.Pool, schema: string): Promise<SchemaState> {
  const ns = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1`, [schema]);
  const exists = (ns.rows[0]?.n ?? 0) > 0;
  const tables = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [schema],
  );
  const names = tables.rows.map((r) => r.relname);
  let ledger: SchemaState['ledger'] = [];
  if (names.includes('_migrations')) {
    const rows = await db.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${pg.escapeIdentifier(schema)}._migrations ORDER BY version`,
    );
    ledger = rows.rows;
  }
  return { exists, tables: names, ledger };
}

/** What the tests read of a tenant row: a slice of the one tenant type. */
export type TenantRecord = Pick<TenantRow, 'id' | 'slug' | 'schema_name' | 'status' | 'schema_version' | 'last_error'>;

export async function tenantRecord(db: pg.Pool, tenantId: string): Promise<TenantRecord | undefined> {
  const rows = await db.query<TenantRecord>(
    `SELECT id, slug, schema_name, status, schema_version, last_error FROM public.tenants WHERE id = $1`,
    [tenantId],
  );
  return rows.rows[0];
}

/**
 * Tenant-like schemas that nothing owns: neither a tenant's schema nor a spare listed in
 * `public.schema_pool` (one snapshot, so concurrent provisioning cannot fake a hit).
 */
export async function orphanSchemas(db: pg.Pool): Promise<string[]> {
  const rows = await db.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_namespace n
      WHERE (n.nspname LIKE 'tenant\\_%' OR n.nspname LIKE 'tenantry\\_spare\\_%')
        AND NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.schema_name = n.nspname)
        AND NOT EXISTS (SELECT 1 FROM public.schema_pool p WHERE p.schema_name = n.nspname)
      ORDER BY 1`,
  );
  return rows.rows.map((r) => r.nspname);
}

/** Spares listed in `public.schema_pool` whose schema is missing. */
export async function missingSpares(db: pg.Pool): Promise<string[]> {
  const rows = await db.query<{ schema_name: string }>(
    `SELECT p.schema_name FROM public.schema_pool p
      WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p.schema_name) ORDER BY 1`,
  );
  return rows.rows.map((r) => r.schema_name);
}

/** The tenant is active at the latest version, and its schema holds every table and the full ledger. */
export async function expectCompleteTenant(db: pg.Pool, tenantId: string): Promise<TenantRecord> {
  const tenant = await tenantRecord(db, tenantId);
  expect(tenant, `tenant ${tenantId} in public.tenants`).toBeDefined();
  expect(tenant!.status).toBe('active');
  expect(tenant!.schema_version).toBe(LATEST_TENANT_VERSION);
  expect(tenant!.last_error).toBeNull();
  const state = await schemaState(db, tenant!.schema_name);
  expect(state, `schema ${tenant!.schema_name}`).toEqual({ exists: true, tables: expect.arrayContaining([...TENANT_TABLES]), ledger: EXPECTED_LEDGER });
  expect(await tenantRoleState(db, tenantId, tenant!.schema_name), `the role of ${tenant!.schema_name}`).toEqual({
    exists: true,
    usage: true,
    documents: true,
    app_member: true,
  });
  return tenant!;
}

/** Whether the tenant's role exists, may use its schema and tables, and the runtime role may become it. */
export async function tenantRoleState(
  db: pg.Pool | pg.Client,
  tenantId: string,
  schemaName: string,
): Promise<{ exists: boolean; usage?: boolean; documents?: boolean; app_member?: boolean }> {
  const role = tenantRoleName(tenantId);
  const found = await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
  if (found.rowCount === 0) return { exists: false };
  const res = await db.query<{ usage: boolean; documents: boolean; app_member: boolean }>(
    `SELECT has_schema_privilege($1, $2, 'USAGE') AS usage,
            has_table_privilege($1, format('%I.documents', $2::text), 'SELECT, INSERT, UPDATE, DELETE') AS documents,
            pg_has_role('tenantry_app', $1, 'USAGE') = false AND pg_has_role('tenantry_app', $1, 'MEMBER') AS app_member`,
    [role, schemaName],
  );
  return { exists: true, ...res.rows[0]! };
}

/** Drops a database made with createDatabase (for suites that bring their own). */
export async function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** A unique database name for createDatabase. */
export const uniqueDatabaseName = (label: string): string => `tenantry_${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
