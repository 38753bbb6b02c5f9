// Starts the real servers once for the whole run: PostgreSQL (embedded, or DATABASE_URL's
// server) with a fresh database, Redis (a redis-server child, or REDIS_URL), and one API and
// one worker process built from dist/ (npm test builds first). Test files share them and
// isolate themselves by creating their own users and tenants.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, startRedisServer } from '../../libs/devstack/src/index.js';
import { createDatabase, type StackInfo, startStack } from './stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-test-'));
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    return await start(project, dataDir, cleanups, teardown);
  } catch (error) {
    await teardown(); // servers are detached: never leave them running when setup fails
    throw error;
  }
}

async function start(project: TestProject, dataDir: string, cleanups: Array<() => Promise<void>>, teardown: () => Promise<void>): Promise<() => Promise<void>> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pg = await startEmbeddedPostgres({ dataDir, database: 'postgres', fast: true });
    cleanups.push(pg.stop);
    serverUrl = pg.url;
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedisServer(dataDir, { persistent: false });
    cleanups.push(redis.stop);
    redisUrl = redis.url;
  }
  const databaseUrl = await createDatabase(serverUrl, `tenantry_test_${Date.now().toString(36)}`);
  const stack = await startStack({ databaseUrl, redisUrl, dataDir, serverUrl });
  cleanups.push(stack.stop);
  project.provide('stack', stack.info);
  return teardown;
}
