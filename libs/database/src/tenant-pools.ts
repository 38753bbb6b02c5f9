import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions.js';

/**
 * The sub-pool of a tenant among k: FNV-1a (32 bits) of the tenant id, modulo k. Stable across
 * processes and restarts, so every process sends a tenant to the same share of its backends.
 */
export function affinityClass(tenantId: string, k: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) hash = Math.imul(hash ^ tenantId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % k;
}

/** A connection of a sub-pool and how to give it back (an error: destroy it instead). */
export type Lease = [client: pg.PoolClient, release: (error?: unknown) => void];

/** A unit of work waiting for a connection: served by its home sub-pool first. */
interface Waiter {
  seq: number;
  home: number;
  /** Another sub-pool may serve it: it waited AFFINITY_PATIENCE_MS, or its home is overloaded. */
  stray: boolean;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
  patience?: NodeJS.Timeout;
}

/**
 * How long a unit of work waits for its home sub-pool before another sub-pool's idle connection
 * may serve it. A stray meets a schema the other backend has likely never cached, and building
 * its catalog costs ~1 ms of PostgreSQL CPU, more than most waits for the home connection.
 * Measured (P4, k=8, pool 8): taking any idle connection at once spread every class over every
 * backend within minutes (37.6 MB per backend at 2,000 tenants, share 250 schemas); 10 ms and a
 * skew threshold of 4: 18.3 MB, and at 10,000 tenants 0.78x of 10 tenants with 58.6 MB; 30 ms
 * and 8: 0.945x with 45.5 MB (bench:scale).
 */
export const AFFINITY_PATIENCE_MS = 30;

/** Queued units of work per connection of their home sub-pool at which the next one strays at once (skew). */
export const AFFINITY_OVERLOAD = 8;

/** What a sub-pool holds now (tests, diagnostics). */
export interface SubPoolCounts {
  /** Its share of the pool size. */
  max: number;
  total: number;
  idle: number;
  /** Units of work queued for it (their home), waiting for a connection. */
  waiting: number;
}

/**
 * Tenant-affine connections (DB_POOL_AFFINITY = k > 1): k pg pools, sharing the runtime pool's
 * size (~size/k each, at least 1; k is capped at the size), opened with the options of the
 * DataSource's own pool (PipelinedClient, application_name, timeouts, recycling). A tenant's
 * units of work take their connection from its home sub-pool, affinityClass(tenant id), so a
 * backend only caches the catalog of ~1/k of the tenant schemas.
 *
 * The fallback rule, so that skewed load never waits long while a connection sits unused:
 * 1. The home sub-pool serves if it can without waiting (an idle connection, or room to open
 *    one) and no unit of work is already queued for it.
 * 2. Otherwise the unit of work queues on its home sub-pool, and becomes a stray, which another
 *    sub-pool may serve, after AFFINITY_PATIENCE_MS; at once if AFFINITY_OVERLOAD times as many
 *    are queued there as the sub-pool has connections (skew: its home cannot keep up).
 * 3. A stray is served by another sub-pool with no queue of its own: the one with the most idle
 *    connections; failing that, one with room to open a connection. The connection still
 *    belongs to that sub-pool and goes back to it.
 * 4. Whenever a connection of a sub-pool comes back (or one is closed, which makes room), it
 *    goes to the oldest unit of work queued on that sub-pool; if none is, to the oldest stray
 *    queued on any other. Nobody waits past DB_CONNECT_TIMEOUT_MS (then pg-pool's own timeout
 *    error, answered 503). So under even load every sub-pool serves its own tenants, and a
 *    connection only serves another class's tenants when its own class has nothing waiting
 *    and the other's has waited or piled up.
 * Total connections never exceed the pool size, as with one pool.
 */
export class TenantPools {
  readonly pools: pg.Pool[];
  private readonly sizes: number[];
  private readonly queues: Waiter[][];
  private readonly connectTimeoutMs: number;
  private seq = 0;
  private ending?: Promise<void>;

  constructor(options: PostgresDataSourceOptions, k: number) {
    const size = options.poolSize ?? 10; // pg-pool's default max, as for the DataSource's own pool
    const count = Math.max(1, Math.min(k, size));
    this.sizes = Array.from({ length: count }, (_, i) => Math.floor(size / count) + (i < size % count ? 1 : 0));
    // As TypeORM's PostgresDriver.createPool builds the DataSource's pool, `extra` last.
    const base: pg.PoolConfig = {
      connectionString: options.url,
      host: options.host,
      user: options.username,
      password: options.password as pg.PoolConfig['password'],
      database: options.database,
      port: options.port,
      ssl: options.ssl as pg.PoolConfig['ssl'],
      connectionTimeoutMillis: options.connectTimeoutMS,
      application_name: options.applicationName,
      ...(options.extra as pg.PoolConfig | undefined),
    };
    this.connectTimeoutMs = base.connectionTimeoutMillis ?? 0;
    const logger = new Logger('Database');
    this.queues = this.sizes.map(() => []);
    this.pools = this.sizes.map((max, i) => {
      const pool = new pg.Pool({ ...base, max });
      pool.on('error', (error) => logger.warn(`tenant sub-pool ${i}: ${error.message}`)); // an idle connection lost: pg-pool drops it
      pool.on('remove', () => this.dispatch(i)); // room to open a connection
      return pool;
    });
  }

  get k(): number {
    return this.pools.length;
  }

  /** A connection for a unit of work of this tenant (see the class for the rule). */
  acquire(tenantId: string): Promise<Lease> {
    if (this.ending) return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
    const home = affinityClass(tenantId, this.k);
    if (this.queues[home]!.length === 0 && this.free(home) > 0) return this.take(home);
    const overloaded = this.queues[home]!.length >= AFFINITY_OVERLOAD * this.sizes[home]!;
    if (overloaded) {
      const other = this.elsewhere(home);
      if (other !== undefined) return this.take(other);
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { seq: this.seq++, home, stray: overloaded, resolve, reject };
      if (this.connectTimeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.unqueue(waiter);
          reject(new Error('timeout exceeded when trying to connect')); // pg-pool's words: a dependency failure (503)
        }, this.connectTimeoutMs);
        waiter.timer.unref();
      }
      if (!overloaded) {
        waiter.patience = setTimeout(() => {
          waiter.stray = true;
          const other = this.elsewhere(home);
          if (other !== undefined && this.unqueue(waiter)) this.serve(other, waiter);
        }, AFFINITY_PATIENCE_MS);
        waiter.patience.unref();
      }
      this.queues[home]!.push(waiter);
    });
  }

  counts(): SubPoolCounts[] {
    return this.pools.map((pool, i) => ({ max: this.sizes[i]!, total: pool.totalCount, idle: pool.idleCount, waiting: this.queues[i]!.length }));
  }

  /** Closes every connection of every sub-pool (those in use once they come back); queued units of work fail. */
  end(): Promise<void> {
    this.ending ??= (async () => {
      const error = new Error('Cannot use a pool after calling end on the pool');
      for (const waiter of this.queues.flatMap((q) => q.splice(0))) {
        clearTimeout(waiter.timer);
        clearTimeout(waiter.patience);
        waiter.reject(error);
      }
      await Promise.all(this.pools.map((pool) => pool.end()));
    })();
    return this.ending;
  }

  /**
   * Idle connections of a sub-pool nobody claimed yet. pg-pool hands an idle connection to a
   * connect() on the next tick, so a claim shows first as one of its own waiting requests.
   */
  private idleFree(i: number): number {
    const pool = this.pools[i]!;
    return pool.idleCount - pool.waitingCount;
  }

  /** Connections a sub-pool can hand out now without anyone waiting: unclaimed idle ones and room to open more. */
  private free(i: number): number {
    return this.idleFree(i) + this.sizes[i]! - this.pools[i]!.totalCount;
  }

  /** Another sub-pool that can serve a stray of `home` now (see the class for the rule). */
  private elsewhere(home: number): number | undefined {
    let idle: number | undefined;
    let room: number | undefined;
    for (let i = 0; i < this.k; i++) {
      if (i === home || this.queues[i]!.length > 0) continue;
      if (this.idleFree(i) > 0 && (idle === undefined || this.idleFree(i) > this.idleFree(idle))) idle = i;
      else if (room === undefined && this.free(i) > 0) room = i;
    }
    return idle ?? room;
  }

  /** A connection of sub-pool i; pg-pool counts it as taken synchronously, so free(i) is exact at once. */
  private async take(i: number): Promise<Lease> {
    let client: pg.PoolClient;
    try {
      client = await this.pools[i]!.connect();
    } catch (error) {
      this.dispatch(i); // the failed connection left room
      throw error;
    }
    let released = false;
    return [
      client,
      (error?: unknown) => {
        if (released) return;
        released = true;
        client.release(Boolean(error)); // true: pg-pool destroys it instead
        this.dispatch(i);
      },
    ];
  }

  /** Sub-pool i may have a connection free: to its own oldest waiter, else to the oldest stray of another. */
  private dispatch(i: number): void {
    while (!this.ending && this.free(i) > 0) {
      const waiter = this.queues[i]!.shift() ?? this.oldestStray(i);
      if (!waiter) return;
      this.serve(i, waiter);
    }
  }

  private serve(i: number, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    clearTimeout(waiter.patience);
    this.take(i).then(waiter.resolve, waiter.reject);
  }

  /** Takes the waiter out of its queue; false if it was no longer there. */
  private unqueue(waiter: Waiter): boolean {
    const queue = this.queues[waiter.home]!;
    const at = queue.indexOf(waiter);
    if (at < 0) return false;
    queue.splice(at, 1);
    return true;
  }

  private oldestStray(i: number): Waiter | undefined {
    let oldest: Waiter | undefined;
    for (let j = 0; j < this.k; j++) {
      if (j === i) continue;
      const stray = this.queues[j]!.find((w) => w.stray);
      if (stray && (!oldest || stray.seq < oldest.seq)) oldest = stray;
    }
    if (oldest) this.unqueue(oldest);
    return oldest;
  }
}
