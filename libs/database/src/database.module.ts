import { type DynamicModule, Global, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/src/index.js';
import { createDataSource, type EntityClass, runPublicMigrations } from './data-source.js';
import { TenantDb } from './tenant-db.js';

const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  /** Shown in pg_stat_activity (`tenantry-api`, `tenantry-worker`, ...). */
  applicationName: string;
  tenantEntities: EntityClass[];
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The PostgreSQL pool (a TypeORM DataSource), public migrations at boot, and TenantDb. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig, DATABASE_OPTIONS],
      useFactory: async (config: AppConfig, options: DatabaseOptions) => {
        const dataSource = await createDataSource(config, options.applicationName, options.tenantEntities).initialize();
        if (config.RUN_MIGRATIONS) {
          const applied = await runPublicMigrations(dataSource);
          if (applied.length > 0) new Logger('Database').log(`applied public migrations: ${applied.join(', ')}`);
        }
        return dataSource;
      },
    },
    DataSourceCloser,
    TenantDb,
  ],
  exports: [DataSource, TenantDb],
})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return { module: DatabaseModule, providers: [{ provide: DATABASE_OPTIONS, useValue: options }] };
  }
}
