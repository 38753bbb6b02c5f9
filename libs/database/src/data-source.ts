import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { AppConfig } from '../../config/src/index.js';
import { MembershipEntity } from './entities/membership.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { PUBLIC_MIGRATIONS } from './migrations/index.js';

export const PUBLIC_ENTITIES = [UserEntity, TenantEntity, MembershipEntity];

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
): DataSource {
  return new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    entities: [...PUBLIC_ENTITIES, ...tenantEntities] as MixedList<string | EntitySchema | (new () => unknown)>,
    migrations: PUBLIC_MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    poolSize,
    extra: {
      application_name: applicationName,
      statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
      idle_in_transaction_session_timeout: config.DB_IDLE_IN_TX_TIMEOUT_MS || undefined,
      connectionTimeoutMillis: 10_000,
    },
  });
}

const PUBLIC_MIGRATION_LOCK = 7_261_001;

/** Runs pending public migrations; several processes may call it at once (advisory lock). */
export async function runPublicMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [PUBLIC_MIGRATION_LOCK]);
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [PUBLIC_MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
