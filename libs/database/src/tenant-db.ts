import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions.js';
import { AppConfig } from '../../config/src/index.js';
import { type ArmedStatement, PipelinedClient } from './pipelined-client.js';
import { membershipRefreshSql, tenantContextSql } from './sql.util.js';
import { type Lease, TenantPools } from './tenant-pools.js';

/** What the unit of work needs to know of a tenant. */
export interface TenantRef {
  id: string;
  schemaName: string;
  /**
   * When the tenant row last changed (tenants.updated_at), if known. Provisioning grants or
   * renames the tenant's role in the transaction that sets it, so the role is no newer than
   * this; a connection older than that confirms the membership in its first opening for the
   * tenant (see membershipRefreshSql).
   */
  updatedAt?: Date;
}

/** The TenantRef of a tenant row. */
export function tenantRef(row: { id: string; schema_name: string; updated_at?: Date | string }): TenantRef {
  const at = row.updated_at;
  return { id: row.id, schemaName: row.schema_name, updatedAt: at === undefined || at instanceof Date ? at : new Date(at) };
}

/**
 * How long before a connection was made a tenant's role may have changed and still be
 * unknown to its backend: the longest a provisioning transaction runs (its updated_at is its
 * start, the grant becomes visible at its commit), plus clock skew between the API and
 * PostgreSQL.
 */
export const ROLE_CHANGE_MARGIN_MS = 10 * 60_000;

/** PostgreSQL's answer when the session may not take the tenant's role (see membershipRefreshSql). */
function isSetRoleRefusal(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === '42501' && /set role/.test(error.message);
}

export class NoTenantContextError extends Error {
  constructor() {
    super('No tenant unit of work is active: tenant data can only be reached inside TenantDb.run()');
  }
}

/** The pieces of TypeORM's PostgresQueryRunner the unit of work drives directly. */
interface RunnerInternals {
  isTransactionActive: boolean;
  transactionDepth: number;
  releasePostgresConnection(err?: unknown): Promise<void>;
}

/** What PostgresQueryRunner.connect() sets up with a connection of the DataSource's pool. */
interface ConnectInternals extends RunnerInternals {
  driver: { connectedQueryRunners: QueryRunner[] };
  databaseConnection: unknown;
  databaseConnectionPromise: Promise<unknown>;
  releaseCallback?: (err?: unknown) => void;
}

/**
 * Hands the runner a connection of a tenant sub-pool exactly as its connect() would one of the
 * DataSource's pool: listed among the driver's connected runners (DataSource.destroy releases
 * them), released through releasePostgresConnection (an error destroys the connection), and
 * released with the error if the connection fails while the runner holds it. The connection goes
 * back to the sub-pool it came from.
 */
function adopt(runner: QueryRunner, [client, release]: Lease): pg.PoolClient {
  const internals = runner as QueryRunner & ConnectInternals;
  internals.driver.connectedQueryRunners.push(runner);
  internals.databaseConnection = client;
  internals.databaseConnectionPromise = Promise.resolve(client);
  const onError = (error: unknown) => void internals.releasePostgresConnection(error);
  internals.releaseCallback = (error?: unknown) => {
    client.removeListener('error', onError);
    release(error);
  };
  client.on('error', onError);
  return client;
}

/** How a unit of work opens. */
export interface UnitOfWorkOptions {
  /**
   * READ ONLY transaction: PostgreSQL refuses every write in it, and its COMMIT, which can then
   * change nothing, is not waited for (see TenantTransaction). The API opens GET and HEAD
   * handlers this way.
   */
  readOnly?: boolean;
  /**
   * A statement the unit of work stands on (say, that the request's API key is still alive: see
   * tenantry_assert_api_key). It goes in the opening, right after BEGIN and before the tenant's
   * role is taken, so it costs no round trip: should it fail, PostgreSQL aborts the transaction,
   * every query of fn fails behind it (25P02), nothing commits, and run() throws its error. The
   * opening of such a unit of work is always written, even when fn sends no query or throws
   * first, so its outcome is always known (onOpened).
   */
  assertSql?: string;
  /** Called once the opening succeeded (its assertion included), when its answer comes back. */
  onOpened?: () => void;
}

/**
 * The unit of work's own transaction control, on the runner's pg connection.
 *
 * Opening: BEGIN and the tenant's transaction-local context (search_path, app.tenant_id,
 * role) are armed on the connection and written in one packet with the unit of work's first
 * query, so opening costs no round trip of its own; a unit of work that sends no query sends
 * nothing at all. If the opening fails, PostgreSQL aborts the transaction it began, so the
 * query behind it fails too (25P02) instead of running outside the tenant.
 *
 * Closing: a read-write unit of work waits for its COMMIT. A READ ONLY one can write nothing,
 * so its COMMIT cannot lose anything: it is armed on the connection and the connection goes
 * back to the pool at once. The next user of the connection writes it in front of its own
 * first query (one packet again), or, when nobody took the connection, it goes out by itself
 * at the next turn of the event loop. Either way it reaches PostgreSQL before anything else
 * on that connection, so no later statement can ever run inside this tenant's transaction.
 *
 * Every setting ends with the transaction, so a pooled connection never carries a tenant into
 * the next unit of work (also behind PgBouncer in transaction mode). TypeORM is told a
 * transaction is open, so a save() inside it nests a savepoint instead of committing early.
 * BEGIN/COMMIT/ROLLBACK go to the connection directly, skipping TypeORM's transaction events
 * (no subscribers use them) on the hottest path of every request.
 */
class TenantTransaction {
  private constructor(
    private readonly runner: QueryRunner & RunnerInternals,
    private readonly connection: PipelinedClient,
    private readonly opening: ArmedStatement,
    private readonly readOnly: boolean,
    /** The opening carries an assertion: it is never taken back unsent. */
    private readonly asserted = false,
    private readonly onOpened?: () => void,
  ) {}

  private watched = false;

  static begin(
    runner: QueryRunner,
    connection: PipelinedClient,
    tenant: TenantRef,
    readOnly: boolean,
    { assertSql, onOpened }: UnitOfWorkOptions = {},
    refreshSql?: string,
  ): TenantTransaction {
    const prefix = `${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; ${assertSql ? `${assertSql}; ` : ''}${refreshSql ? `${refreshSql}; ` : ''}`;
    const opening = connection.arm(`${prefix}${tenantContextSql(tenant.schemaName, tenant.id)}`);
    const internals = runner as QueryRunner & RunnerInternals;
    internals.isTransactionActive = true;
    internals.transactionDepth = 1;
    return new TenantTransaction(internals, connection, opening, readOnly, assertSql !== undefined, onOpened);
  }

  get open(): boolean {
    return this.runner.isTransactionActive && !this.runner.isReleased;
  }

  /**
   * Why the opening failed, if it did (say, the tenant's role is gone): the real cause of
   * whatever failed behind it, which PostgreSQL only reports as an aborted transaction.
   */
  async openingFailure(): Promise<unknown> {
    try {
      await this.opening.sent;
      return undefined;
    } catch (error) {
      return error;
    }
  }

  async commit(): Promise<void> {
    await this.end('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.end('ROLLBACK');
  }

  /** Takes back the opening if it was never written; true when nothing of this transaction reached PostgreSQL. */
  cancelOpening(): boolean {
    return this.opening.cancel();
  }

  /** Once the opening is written (once): tells onOpened when it succeeded. */
  private watchOpening(): void {
    if (this.watched || !this.onOpened || !this.opening.sent) return;
    this.watched = true;
    this.opening.sent.then(this.onOpened, () => undefined);
  }

  private async end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (this.runner.transactionDepth !== 1) throw new Error(`unit of work ended inside a nested transaction (depth ${this.runner.transactionDepth})`);
    // An opening with an assertion is written even when nothing carried it: its outcome must be known.
    if (this.asserted && !this.opening.sent) this.connection.flush();
    this.watchOpening();
    if (!this.cancelOpening()) {
      // A commit must not succeed on a transaction whose opening failed.
      if (statement === 'COMMIT') await this.opening.sent;
      if (statement === 'COMMIT' && this.readOnly) this.connection.armThenFlush(statement);
      else await (this.connection as pg.Client).query(statement); // pg's own overloads: a promise of the result
    }
    this.runner.isTransactionActive = false;
    this.runner.transactionDepth = 0;
  }
}

/**
 * The tenant unit of work. Everything that touches a tenant schema goes through run():
 * one transaction on one pooled connection, as the tenant's own role, committed when fn
 * resolves, rolled back when it throws, the connection always released. API requests,
 * worker jobs and CLI commands use the same method. runInContext() also makes the manager
 * reachable through `manager` for the async calls fn makes; each unit of work has its own
 * async context, so concurrent and nested units of work in one request never see each
 * other's manager.
 *
 * The connection comes from the DataSource's pool, or with DB_POOL_AFFINITY = k > 1 from the
 * tenant's sub-pool of `affinity` (TenantPools: k pools sharing the DataSource's pool size, the
 * same connection options), still driven by a TypeORM query runner of the DataSource.
 */
@Injectable()
export class TenantDb implements OnApplicationShutdown {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  /** Per connection, the tenants changed since shortly before it was made whose role it took since: their updated_at (ms) then. */
  private readonly confirmed = new WeakMap<PipelinedClient, Map<string, number>>();
  private setRoleMode?: 'SET' | 'MEMBER';
  /** The tenant sub-pools when DB_POOL_AFFINITY > 1 (config absent: one pool, as in tests that build TenantDb by hand). */
  readonly affinity?: TenantPools;

  constructor(
    private readonly dataSource: DataSource,
    config?: AppConfig,
  ) {
    const options = dataSource.options as PostgresDataSourceOptions;
    // Sub-pools of at least one connection each: k is capped at the pool's size (1: as before).
    const k = Math.min(config?.DB_POOL_AFFINITY ?? 1, options.poolSize ?? 10);
    if (k > 1) this.affinity = new TenantPools(options, k);
  }

  async run<T>(tenant: TenantRef, fn: (manager: EntityManager) => Promise<T>, options: UnitOfWorkOptions = {}): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    let tx: TenantTransaction | undefined;
    let releaseError: unknown;
    try {
      const connection: unknown = this.affinity ? adopt(runner, await this.affinity.acquire(tenant.id)) : await runner.connect();
      if (!(connection instanceof PipelinedClient)) throw new Error('TenantDb needs a pool opened by createDataSource (its connections are PipelinedClient)');
      const refreshSql = this.membershipRefresh(connection, tenant);
      tx = TenantTransaction.begin(runner, connection, tenant, options.readOnly === true, options, refreshSql);
      const result = await fn(runner.manager);
      await tx.commit();
      if (refreshSql) this.confirm(connection, tenant);
      return result;
    } catch (error) {
      if (tx?.open) {
        try {
          await tx.rollback();
        } catch (rollbackError) {
          releaseError = rollbackError; // the connection is in an unknown state: destroy it
        }
      } else if (!tx) {
        releaseError = error; // failed while opening: don't reuse that connection
      }
      // After the rollback: an opening with an assertion is written by it when nothing else carried it.
      const cause = tx ? await tx.openingFailure() : undefined;
      // Refused the tenant's role anyway (say, behind PgBouncer, whose backends outlive our connections): retire the connection.
      if (isSetRoleRefusal(cause)) releaseError ??= cause;
      throw cause ?? error;
    } finally {
      // Never hand the pool a connection that would send this tenant's opening for the next user.
      if (tx?.cancelOpening()) releaseError ??= new Error('unit of work released with its opening still armed');
      await (runner as QueryRunner & RunnerInternals).releasePostgresConnection(releaseError);
    }
  }

  /**
   * The statement that makes this connection's backend confirm it may take the tenant's role,
   * when the role may have changed after the connection was made and this connection has not
   * taken it since (membershipRefreshSql). Otherwise none: the opening is as it always was.
   */
  private membershipRefresh(connection: PipelinedClient, tenant: TenantRef): string | undefined {
    if (!tenant.updatedAt || tenant.updatedAt.getTime() < connection.bornAt - ROLE_CHANGE_MARGIN_MS) return undefined;
    if ((this.confirmed.get(connection)?.get(tenant.id) ?? -1) >= tenant.updatedAt.getTime()) return undefined;
    this.setRoleMode ??= Number.parseInt((this.dataSource.driver as { version?: string }).version ?? '16', 10) >= 16 ? 'SET' : 'MEMBER';
    return membershipRefreshSql(tenant.id, this.setRoleMode);
  }

  private confirm(connection: PipelinedClient, tenant: TenantRef): void {
    let seen = this.confirmed.get(connection);
    if (!seen) this.confirmed.set(connection, (seen = new Map()));
    seen.set(tenant.id, tenant.updatedAt!.getTime());
  }

  /** run(), with the manager published as `manager` to everything fn calls. */
  runInContext<T>(tenant: TenantRef, fn: () => Promise<T>, options?: UnitOfWorkOptions): Promise<T> {
    return this.run(tenant, (manager) => this.current.run(manager, fn), options);
  }

  /** Closes every connection of the tenant sub-pools (the DataSource's own pool is TypeOrmModule's to close). */
  async onApplicationShutdown(): Promise<void> {
    await this.affinity?.end();
  }

  /** The EntityManager of the unit of work this code runs in. */
  get manager(): EntityManager {
    const manager = this.current.getStore();
    if (!manager) throw new NoTenantContextError();
    return manager;
  }
}
