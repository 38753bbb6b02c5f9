import pg from 'pg';

/**
 * Runs fn while holding a PostgreSQL session advisory lock on a connection of its own (not a
 * pooled one: a pooled connection would carry the lock to whoever borrows it next, and a
 * transaction-level lock would trip the idle-in-transaction timeout during a long run). If the
 * process dies, PostgreSQL sees the connection close and releases the lock: nothing to clean up.
 * `wait: false`: returns `{ acquired: false }` at once when someone else holds it.
 */
export async function withSessionLock<T>(
  url: string,
  key: string,
  options: { wait: boolean; applicationName: string },
  fn: () => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const client = new pg.Client({ connectionString: url, application_name: options.applicationName });
  await client.connect();
  // A dropped lock connection must not crash the process; the run goes on (at worst, two runs
  // overlap, which per-tenant advisory locks and ledgers make harmless).
  client.on('error', () => undefined);
  try {
    if (options.wait) await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    else {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
      if (rows[0]?.ok !== true) return { acquired: false };
    }
    return { acquired: true, value: await fn() };
  } finally {
    await client.end().catch(() => undefined);
  }
}
