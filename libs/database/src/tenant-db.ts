import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { tenantContextSql } from './sql.util.js';

/** What the unit of work needs to know of a tenant. */
export interface TenantRef {
  id: string;
  schemaName: string;
}

const CTX_MANAGER = 'tenantdb.manager';

export class NoTenantContextError extends Error {
  constructor() {
    super('No tenant unit of work is active: tenant data can only be reached inside TenantDb.run()');
  }
}

/**
 * Opens the tenant's transaction: BEGIN and the transaction-local search_path and
 * app.tenant_id in one round trip. Both settings end with the transaction, so a pooled
 * connection never carries a tenant into the next unit of work (also behind PgBouncer
 * in transaction mode). TypeORM is then told a transaction is open, so save() inside it
 * nests a savepoint instead of committing early.
 */
export async function beginTenantTransaction(runner: QueryRunner, tenant: TenantRef): Promise<void> {
  await runner.query(`BEGIN; ${tenantContextSql(tenant.schemaName, tenant.id)}`);
  Object.assign(runner as unknown as { isTransactionActive: boolean; transactionDepth: number }, {
    isTransactionActive: true,
    transactionDepth: 1,
  });
}

/**
 * The tenant unit of work. Everything that touches a tenant schema goes through run():
 * one transaction on one pooled connection, committed when fn resolves, rolled back
 * when it throws, the connection always released. API requests, worker jobs and CLI
 * commands use the same method; inside an API request the manager is also reachable
 * through `manager` (nestjs-cls), which throws when no unit of work is active.
 */
@Injectable()
export class TenantDb {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cls: ClsService,
  ) {}

  async run<T>(tenant: TenantRef, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    let releaseError: unknown;
    try {
      await runner.connect();
      await beginTenantTransaction(runner, tenant);
      const result = await fn(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive && !runner.isReleased) {
        try {
          await runner.rollbackTransaction();
        } catch (rollbackError) {
          releaseError = rollbackError; // the connection is in an unknown state: destroy it
        }
      }
      throw error;
    } finally {
      await (runner as unknown as { releasePostgresConnection(err?: unknown): Promise<void> }).releasePostgresConnection(
        releaseError,
      );
    }
  }

  /** run() with the manager also published to the request context for `manager`. */
  async runInContext<T>(tenant: TenantRef, fn: () => Promise<T>): Promise<T> {
    return this.run(tenant, async (manager) => {
      this.cls.set(CTX_MANAGER, manager);
      try {
        return await fn();
      } finally {
        this.cls.set(CTX_MANAGER, undefined);
      }
    });
  }

  /** The EntityManager of the current request's unit of work. */
  get manager(): EntityManager {
    const manager = this.cls.isActive() ? this.cls.get<EntityManager | undefined>(CTX_MANAGER) : undefined;
    if (!manager) throw new NoTenantContextError();
    return manager;
  }
}
