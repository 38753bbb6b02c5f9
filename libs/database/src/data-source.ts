import { DataSource, type EntitySchema, type MixedList, type QueryRunner } from 'typeorm';
import type { AppConfig } from '../../config/src/index.js';
import { MembershipEntity } from './entities/membership.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { PUBLIC_MIGRATIONS } from './migrations/index.js';
import { PipelinedClient } from './pipelined-client.js';
import { quoteIdent } from './sql.util.js';
import { tenantGroupSql } from './tenant-roles.js';

export const PUBLIC_ENTITIES = [UserEntity, MembershipEntity];

export type EntityClass = new () => unknown;

/**
 * The pool of one process. `tenantEntities` are the tenant-schema entities of the libs
 * the process wires (they never set `schema:`, so they resolve through search_path).
 */
export function createDataSource(
  config: AppConfig,
  applicationName: string,
  tenantEntities: EntityClass[] = [],
  poolSize = config.DB_POOL_SIZE,
  url = config.databaseUrl,
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [...PUBLIC_ENTITIES, ...tenantEntities] as MixedList<string | EntitySchema | (new () => unknown)>,
    migrations: PUBLIC_MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize,
    extra: {
      Client: PipelinedClient,
      application_name: applicationName,
      statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
      idle_in_transaction_session_timeout: config.DB_IDLE_IN_TX_TIMEOUT_MS || undefined,
      connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
      // Recycling (pg-pool): each backend's catalog caches grow with the schemas it touches.
      maxUses: config.DB_POOL_MAX_USES || undefined,
      maxLifetimeSeconds: config.DB_POOL_MAX_LIFETIME_S || undefined,
      idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT_S * 1000,
    },
  });
}

const PUBLIC_MIGRATION_LOCK = 7_261_001;

/** Public tables only the owner touches: the runtime role gets no privilege on them. */
const OWNER_ONLY_TABLES = ['typeorm_migrations', 'schema_pool', 'migration_runs', 'tenant_migration_runs'];

/** Append-only public tables: the runtime role may INSERT and SELECT, never change or remove a row. */
const APPEND_ONLY_TABLES = ['audit_log'];

/**
 * Runs pending public migrations as the owner role, then grants the runtime role what it
 * needs on the public tables (idempotent, so tables of new migrations are covered). Several
 * processes may call it at once: an advisory lock serialises them.
 */
export async function runPublicMigrations(config: AppConfig, applicationName: string): Promise<string[]> {
  // Two connections: one holds the advisory lock, TypeORM runs the migrations on another.
  const dataSource = await createDataSource(config, applicationName, [], 2, config.databaseOwnerUrl).initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [PUBLIC_MIGRATION_LOCK]);
    const done = await dataSource.runMigrations({ transaction: 'each' });
    // The group's name comes from the same place provisioning takes it from (config.roleNames).
    await runner.query(tenantGroupSql(config.ownerRoleName));
    await grantRuntimeRole(runner, config.ownerRoleName, config.appRoleName);
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [PUBLIC_MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

async function grantRuntimeRole(runner: QueryRunner, ownerRole: string, appRole: string): Promise<void> {
  if (ownerRole === appRole) return; // one role does both: nothing to separate
  const app = quoteIdent(appRole);
  await runner.query(
    [
      `GRANT USAGE ON SCHEMA public TO ${app}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`,
      `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`,
      `REVOKE ALL ON ${OWNER_ONLY_TABLES.map((t) => `public.${quoteIdent(t)}`).join(', ')} FROM ${app}`,
      `REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.map((t) => `public.${quoteIdent(t)}`).join(', ')} FROM ${app}`,
      // Data keys are added and re-wrapped, never deleted by the runtime (a tenant's go with it, by cascade).
      `REVOKE DELETE ON public.tenant_keys FROM ${app}`,
    ].join(';\n'),
  );
}
