import { type DynamicModule, Global, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
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

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The runtime role's pool (a TypeORM DataSource), public migrations at boot, TenantDb, and the owner's pool. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig, DATABASE_OPTIONS],
      useFactory: async (config: AppConfig, options: DatabaseOptions) => {
        if (config.RUN_MIGRATIONS) {
          const applied = await runPublicMigrations(config, options.applicationName);
          if (applied.length > 0) new Logger('Database').log(`applied public migrations: ${applied.join(', ')}`);
        }
        const dataSource = await createDataSource(config, options.applicationName, options.tenantEntities).initialize();
        await checkRuntimeRole(dataSource, config);
        return dataSource;
      },
    },
    DataSourceCloser,
    TenantDb,
    OwnerDb,
  ],
  exports: [DataSource, TenantDb, OwnerDb],
})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return { module: DatabaseModule, providers: [{ provide: DATABASE_OPTIONS, useValue: options }] };
  }
}
