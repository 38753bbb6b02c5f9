import type { QueryRunner } from 'typeorm';
import { localSearchPathSql, quoteIdent, quoteLiteral } from './sql.util.js';
import { LATEST_TENANT_VERSION, TENANT_MIGRATIONS } from './tenant-migrations/index.js';

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS _migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** A tenant migration and its ledger row, as one simple-protocol text. */
function migrationSql(m: (typeof TENANT_MIGRATIONS)[number]): string {
  return `${m.up};\nINSERT INTO _migrations (version, name) VALUES (${m.version}, ${quoteLiteral(m.name)})`;
}

/** The key of the transaction-level advisory lock that serialises a schema's migrations. */
function migrationLockSql(schemaName: string): string {
  return `SELECT pg_advisory_xact_lock(hashtext(${quoteLiteral(`tenantry:migrate:${schemaName}`)}))`;
}

/**
 * SQL (one simple-protocol round trip) that creates a schema and brings it to the latest
 * tenant version. Runs inside the caller's transaction: all of it or none of it lands.
 */
export function createTenantSchemaSql(schemaName: string): string {
  return [`CREATE SCHEMA ${quoteIdent(schemaName)}`, localSearchPathSql(schemaName), LEDGER_DDL, ...TENANT_MIGRATIONS.map(migrationSql)].join(';\n');
}

/**
 * migrateTenantSchema as SQL text, for a schema whose ledger should stand at `fromVersion` (what
 * the tenants row says): the lock, the ledger, a guard that raises TK409 when the ledger stands
 * elsewhere, and each pending migration with its ledger row. Meant to go in one simple-protocol
 * round trip inside the caller's transaction, where one failure aborts it all; the caller then
 * falls back to migrateTenantSchema, which reads the ledger first. Null: nothing is pending.
 */
export function migrateTenantSchemaSql(schemaName: string, fromVersion: number): string | null {
  const pending = TENANT_MIGRATIONS.filter((m) => m.version > fromVersion);
  if (pending.length === 0) return null;
  const v = Math.trunc(fromVersion);
  return [
    migrationLockSql(schemaName),
    localSearchPathSql(schemaName),
    // A schema past version 0 has its ledger (if not, the guard fails and the caller falls back).
    ...(v === 0 ? [LEDGER_DDL] : []),
    `DO $$ BEGIN IF (SELECT coalesce(max(version), 0) FROM _migrations) <> ${v} THEN RAISE EXCEPTION 'the ledger is not at version ${v}' USING ERRCODE = 'TK409'; END IF; END $$`,
    ...pending.map(migrationSql),
  ].join(';\n');
}

export interface SchemaMigrationResult {
  fromVersion: number;
  toVersion: number;
}

/**
 * Applies the pending tenant migrations to an existing schema, inside the caller's
 * transaction, serialised per schema by a transaction-level advisory lock. The
 * schema's `_migrations` ledger says what is done, so a rerun applies nothing twice.
 */
export async function migrateTenantSchema(runner: QueryRunner, schemaName: string): Promise<SchemaMigrationResult> {
  await runner.query(`${migrationLockSql(schemaName)};\n${localSearchPathSql(schemaName)};\n${LEDGER_DDL}`);
  const rows = (await runner.query(`SELECT coalesce(max(version), 0)::int AS v FROM _migrations`)) as Array<{ v: number }>;
  const fromVersion = rows[0]?.v ?? 0;
  const pending = TENANT_MIGRATIONS.filter((m) => m.version > fromVersion);
  for (const m of pending) await runner.query(migrationSql(m));
  return { fromVersion, toVersion: Math.max(fromVersion, LATEST_TENANT_VERSION) };
}
