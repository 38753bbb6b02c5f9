// Medium tier: connection recycling (DB_POOL_MAX_USES, DB_POOL_MAX_LIFETIME_S). PostgreSQL keeps
// the catalog of every schema a backend touched until the backend ends, so with many tenants a
// pooled connection is closed after so many units of work (or so long) and a fresh one opened.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../libs/config/src/index.js';
import { createDataSource } from '../../libs/database/src/index.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
let medium: MediumDatabase;

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'recycle');
});

afterAll(async () => {
  await medium?.drop();
});

/** The backend pids that served `n` queries, one after another, on a pool of one connection. */
async function backendsServing(n: number, env: Record<string, string>, pauseMs = 0): Promise<number[]> {
  const config = loadConfig({ DATABASE_URL: medium.config.databaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(40), ...env });
  const dataSource = await createDataSource(config, 'tenantry-recycle-test', [], 1).initialize();
  try {
    const pids: number[] = [];
    for (let i = 0; i < n; i++) {
      const [row] = (await dataSource.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      pids.push(row!.pid);
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
    return pids;
  } finally {
    await dataSource.destroy();
  }
}

const runs = (pids: number[]): number[] => pids.reduce<number[]>((acc, pid, i) => (i > 0 && pid === pids[i - 1] ? [...acc.slice(0, -1), acc.at(-1)! + 1] : [...acc, 1]), []);

describe('pool recycling', () => {
  it('DB_POOL_MAX_USES=3: each backend serves three units of work, then a new one takes over', async () => {
    const pids = await backendsServing(8, { DB_POOL_MAX_USES: '3' });
    expect(runs(pids)).toEqual([3, 3, 2]);
    expect(new Set(pids).size).toBe(3);
  });

  it('by default a connection is kept (one backend serves everything)', async () => {
    expect(new Set(await backendsServing(8, {})).size).toBe(1);
  });

  it('DB_POOL_MAX_LIFETIME_S=1: a connection older than a second is replaced', async () => {
    const pids = await backendsServing(6, { DB_POOL_MAX_LIFETIME_S: '1' }, 450);
    expect(new Set(pids).size).toBeGreaterThanOrEqual(2);
  });

  it('DB_POOL_IDLE_TIMEOUT_S: a connection idle longer is closed (1), kept by default (10) and with 0 (never)', async () => {
    expect(new Set(await backendsServing(2, { DB_POOL_IDLE_TIMEOUT_S: '1' }, 1500)).size).toBe(2);
    expect(new Set(await backendsServing(2, {}, 1500)).size).toBe(1);
    expect(new Set(await backendsServing(2, { DB_POOL_IDLE_TIMEOUT_S: '0' }, 1500)).size).toBe(1);
  }, 30_000);

  it('refuses a negative or fractional value, naming the variable', () => {
    for (const bad of [{ DB_POOL_MAX_USES: '-1' }, { DB_POOL_MAX_LIFETIME_S: '1.5' }, { DB_POOL_IDLE_TIMEOUT_S: '-1' }]) {
      expect(() => loadConfig({ DATABASE_URL: medium.config.databaseUrl, REDIS_URL: shared.redisUrl, JWT_SECRET: 'x'.repeat(40), ...bad })).toThrow(Object.keys(bad)[0]!);
    }
  });
});
