import pg from 'pg';

/** The pieces of pg's Client this class reaches into (stable since pg 8.0; pipeline mode since 8.17). */
interface ClientInternals {
  connection: { stream: { cork?: () => void; uncork?: () => void } };
}

/** A statement armed on a connection: written in front of the next query instead of on its own. */
export interface ArmedStatement {
  /** Its answer once it was written; undefined while it is still armed. */
  readonly sent: Promise<unknown> | undefined;
  /** Takes it back if it was not written yet; true when nothing of it reached PostgreSQL. */
  cancel(): boolean;
}

class Armed implements ArmedStatement {
  sent: Promise<unknown> | undefined;

  constructor(
    readonly sql: string,
    private readonly client: PipelinedClient,
  ) {}

  cancel(): boolean {
    return this.sent === undefined && this.client.takeBack(this);
  }
}

/**
 * The pg client of every pool this project opens (createDataSource passes it as `Client`).
 * It runs in pg's pipeline mode, so a message can be written before the previous one has
 * answered, and adds what the tenant unit of work needs to spend fewer round trips:
 * statements armed with `arm(sql)` are written in front of the next query, in order and in
 * one corked write with it, instead of costing a round trip each. `armThenFlush(sql)` also
 * writes it on its own at the next turn of the event loop if no query came to carry it.
 * Code that awaits each query, which is all code here, behaves exactly as without pipeline
 * mode. Each armed statement is its own simple-protocol message, so one that fails never
 * takes the ones behind it down with it; its answer waits on `sent` and is never an
 * unhandled rejection.
 */
export class PipelinedClient extends pg.Client {
  private armed: Armed[] = [];
  private flushScheduled = false;
  /** When this client was made (ms since the epoch): its backend is no older. */
  readonly bornAt = Date.now();

  constructor(config?: string | pg.ClientConfig) {
    super(typeof config === 'string' ? { connectionString: config, pipeline: true } : { ...config, pipeline: true });
  }

  arm(sql: string): ArmedStatement {
    const statement = new Armed(sql, this);
    this.armed.push(statement);
    return statement;
  }

  /** arm(), and written by itself at the next turn of the event loop unless a query carried it first. */
  armThenFlush(sql: string): ArmedStatement {
    const statement = this.arm(sql);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return statement;
  }

  /** Writes the armed statements now, without a query to carry them. */
  flush(): void {
    if (this.armed.length > 0) this.corked(() => this.writeArmed());
  }

  /** @internal ArmedStatement.cancel() */
  takeBack(statement: Armed): boolean {
    const i = this.armed.indexOf(statement);
    if (i === -1) return false;
    this.armed.splice(i, 1);
    return true;
  }

  // pg's query() is heavily overloaded; this override only writes the armed statements in front.
  override query(...args: unknown[]): never {
    if (this.armed.length === 0) return (super.query as (...a: unknown[]) => never).apply(this, args);
    return this.corked(() => {
      this.writeArmed();
      return (super.query as (...a: unknown[]) => never).apply(this, args);
    });
  }

  private writeArmed(): void {
    const statements = this.armed;
    this.armed = [];
    for (const statement of statements) {
      const sent = (super.query as (text: string) => Promise<unknown>).call(this, statement.sql);
      sent.catch(() => undefined); // observed through `sent`; never an unhandled rejection
      statement.sent = sent;
    }
  }

  private corked<T>(fn: () => T): T {
    const stream = (this as unknown as ClientInternals).connection.stream;
    stream.cork?.();
    try {
      return fn();
    } finally {
      stream.uncork?.();
    }
  }
}
