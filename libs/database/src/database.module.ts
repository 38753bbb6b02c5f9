import { type DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigError } from '../../config/src/index.js';
import { createDataSource, runPublicMigrations } from './data-source.js';
import { DATABASE_OPTIONS, type DatabaseOptions, OwnerDb } from './owner-db.js';
import { TenantDb } from './tenant-db.js';

/**
 * The runtime role must be subject to row-level security and tenant roles: a superuser or
 * BYPASSRLS role would make both a formality. Refused in production, a loud warning elsewhere.
 */
async function checkRuntimeRole(dataSource: DataSource, config: AppConfig): Promise<void> {
  const [role] = (await dataSource.query(
    `SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
  )) as Array<{ name: string; rolsuper: boolean; rolbypassrls: boolean }>;
  if (!role || (!role.rolsuper && !role.rolbypassrls)) return;
  const problem = `DATABASE_URL connects as '${role.name}', a ${role.rolsuper ? 'superuser' : 'BYPASSRLS role'}: PostgreSQL would not enforce tenant isolation; use a runtime role that owns nothing (README, "Security and isolation")`;
  if (config.NODE_ENV === 'production') throw new ConfigError(problem);
  new Logger('Database').warn(problem);
}

/**
 * The runtime pool's options, those of createDataSource (the DataSource it builds is never
 * opened: TypeOrmModule opens one of its own). Pending public migrations run first, as the
 * owner, so the runtime pool only opens on an up-to-date schema.
 */
async function runtimePoolOptions(config: AppConfig, options: DatabaseOptions): Promise<TypeOrmModuleOptions> {
  if (config.RUN_MIGRATIONS) {
    const applied = await runPublicMigrations(config, options.applicationName);
    if (applied.length > 0) new Logger('Database').log(`applied public migrations: ${applied.join(', ')}`);
  }
  return {
    ...createDataSource(config, options.applicationName, options.tenantEntities).options,
    autoLoadEntities: false,
    synchronize: false,
    // One attempt and no retry loop: a wrong DATABASE_URL fails start-up at once with the
    // driver's error, as before (toRetry also skips the module's "Retrying (1)..." log line).
    retryAttempts: 1,
    toRetry: () => false,
  };
}

/** Checked while the providers are created, so a refused role stops start-up before any init hook runs. */
const RUNTIME_ROLE_CHECKED = Symbol('RUNTIME_ROLE_CHECKED');

/**
 * The runtime role's pool (a TypeORM DataSource, from @nestjs/typeorm, which destroys it on
 * shutdown), public migrations at boot, TenantDb, and the owner's pool.
 */
@Global()
@Module({
  providers: [{ provide: RUNTIME_ROLE_CHECKED, inject: [DataSource, AppConfig], useFactory: checkRuntimeRole }, TenantDb, OwnerDb],
  exports: [TenantDb, OwnerDb],
})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      // TypeOrmModule's own module is global: DataSource (and EntityManager) are injectable everywhere.
      imports: [TypeOrmModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => runtimePoolOptions(config, options) })],
      providers: [{ provide: DATABASE_OPTIONS, useValue: options }],
    };
  }
}
