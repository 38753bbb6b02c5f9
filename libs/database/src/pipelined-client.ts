import pg from 'pg';

/** The pieces of pg's Client this class reaches into (stable since pg 8.0; pipeline mode since 8.17). */
interface ClientInternals {
  connection: { stream: { cork?: () => void; uncork?: () => void } };
}

/**
 * The pg client of every pool this project opens (createDataSource passes it as `Client`).
 * It runs in pg's pipeline mode, so a query can be written before the previous one has
 * answered, and it adds one thing the tenant unit of work needs: `deferOpening(sql)` arms a
 * statement that is written together with the next query, in one corked write, instead of
 * costing a round trip of its own. Code that awaits each query, which is all code here,
 * behaves exactly as without pipeline mode.
 *
 * The armed statement answers on its own promise (`opening`), so its error is never lost:
 * if it fails, PostgreSQL aborts the transaction it began, and the query written behind it
 * fails too (25P02) instead of running outside the tenant's context.
 */
export class PipelinedClient extends pg.Client {
  private armed: string | undefined;
  private sent: Promise<unknown> | undefined;

  constructor(config?: string | pg.ClientConfig) {
    super(typeof config === 'string' ? { connectionString: config, pipeline: true } : { ...config, pipeline: true });
  }

  /** Arms `sql` to be written with the next query. Replaces anything armed and not yet sent. */
  deferOpening(sql: string): void {
    this.armed = sql;
    this.sent = undefined;
  }

  /** Drops an armed statement that was never sent; true when there was one. */
  disarm(): boolean {
    const had = this.armed !== undefined;
    this.armed = undefined;
    return had;
  }

  /** The armed statement's answer once it was sent with a query; undefined while it is still armed or when none was. */
  get opening(): Promise<unknown> | undefined {
    return this.sent;
  }

  // pg's query() is heavily overloaded; this override only adds the armed statement in front.
  override query(...args: unknown[]): never {
    const query = super.query.bind(this) as (...a: unknown[]) => never;
    const armed = this.armed;
    if (armed === undefined) return query(...args);
    this.armed = undefined;
    const stream = (this as unknown as ClientInternals).connection.stream;
    stream.cork?.();
    try {
      const sent = (query as (text: string) => Promise<unknown>)(armed);
      sent.catch(() => undefined); // observed through `opening`; never an unhandled rejection
      this.sent = sent;
      return query(...args);
    } finally {
      stream.uncork?.();
    }
  }
}
