import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { AppConfig } from '../../config/src/index.js';
import { createDataSource } from './data-source.js';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  /** Shown in pg_stat_activity (`tenantry-api`, `tenantry-worker`, ...). */
  applicationName: string;
  tenantEntities: Array<new () => unknown>;
}

/**
 * The owner role's pool, for what the runtime role may not do: tenant schema DDL
 * (provisioning, tenant migrations, the warm pool) and tenant roles. Opened on first use,
 * so processes that never provision (the API) never hold owner connections. When one role
 * does both (no DATABASE_OWNER_URL) it is the runtime pool.
 */
@Injectable()
export class OwnerDb implements OnApplicationShutdown {
  private own?: Promise<DataSource>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {}

  /** The owner role's name (DATABASE_OWNER_URL's user, or DATABASE_URL's when one role does both). */
  get roleName(): string {
    return this.config.ownerRoleName;
  }

  /** One transaction on one owner connection: committed when fn resolves, rolled back when it throws. */
  async transaction<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const dataSource = await this.pool();
    return dataSource.transaction((manager) => fn(manager.queryRunner!));
  }

  /**
   * A script of statements (its own BEGIN and COMMIT included) in one simple-protocol round trip
   * on one owner connection. When a statement fails PostgreSQL skips the rest, COMMIT included:
   * the transaction is rolled back on that connection and the error thrown.
   */
  async script(sql: string): Promise<void> {
    const runner = (await this.pool()).createQueryRunner();
    try {
      await runner.query(sql);
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  async query<T>(sql: string, parameters?: unknown[]): Promise<T> {
    return (await (await this.pool()).query(sql, parameters)) as T;
  }

  async onApplicationShutdown(): Promise<void> {
    const own = await this.own?.catch(() => undefined);
    if (own?.isInitialized) await own.destroy();
  }

  private pool(): Promise<DataSource> {
    if (!this.config.DATABASE_OWNER_URL) return Promise.resolve(this.dataSource);
    this.own ??= createDataSource(this.config, `${this.options.applicationName}-owner`, [], this.config.DB_POOL_SIZE, this.config.databaseOwnerUrl)
      .initialize()
      .catch((error: unknown) => {
        this.own = undefined; // try again next time rather than keep a failed pool
        throw error;
      });
    return this.own;
  }
}
