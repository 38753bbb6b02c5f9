import 'reflect-metadata'; // libs/config (ensureMasterKeyFile) is decorated
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { ensureMasterKeyFile } from '../../libs/config/src/index.js';
import { type AppProcess, ensureDatabaseRoles, startApp } from '../../libs/devstack/src/index.js';

export const TEST_JWT_SECRET = 'tenantry-test-jwt-secret-0123456789-abcdefghijklmnop';
export const TEST_BASE_DOMAIN = 'tenantry.test';

/** What test files get from the global setup (inject('stack')). */
export interface StackInfo {
  apiUrl: string;
  /** The database as a superuser, for tests that look at (or tamper with) what the processes did. */
  databaseUrl: string;
  /** The runtime role the API and worker connect as (DATABASE_URL of the processes). */
  appDatabaseUrl: string;
  /** The owner role (DATABASE_OWNER_URL of the processes). */
  ownerDatabaseUrl: string;
  /** The server's maintenance database URL, for creating more databases. */
  serverUrl: string;
  redisUrl: string;
  dataDir: string;
  env: Record<string, string>;
}

export interface Stack {
  info: StackInfo;
  api?: AppProcess;
  worker?: AppProcess;
  stop(): Promise<void>;
}

/** Creates a database on the server and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface StackOptions {
  databaseUrl: string;
  serverUrl: string;
  redisUrl: string;
  dataDir: string;
  /** Extra environment for both processes (e.g. DB_POOL_SIZE, FAILPOINTS). */
  env?: Record<string, string>;
  /** Extra environment for the worker only. */
  workerEnv?: Record<string, string>;
  api?: boolean;
  worker?: boolean;
  /** Defaults to a fresh prefix, so this stack's queues and channels are its own. */
  redisPrefix?: string;
}

/** Starts an API and/or a worker process against the given servers. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const roles = await ensureDatabaseRoles(options.databaseUrl);
  // As `npm start` does: the stack's master key is DATA_DIR/master.key (created once, 0600).
  mkdirSync(options.dataDir, { recursive: true });
  const masterKey = options.env?.MASTER_KEY ?? ensureMasterKeyFile(options.dataDir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    DATABASE_URL: roles.appUrl,
    DATABASE_OWNER_URL: roles.ownerUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix ?? `t${randomBytes(4).toString('hex')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    MASTER_KEY: masterKey,
    DATA_DIR: options.dataDir,
    BASE_DOMAIN: TEST_BASE_DOMAIN,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    WARM_POOL_SIZE: '3',
    // The suite registers hundreds of users from 127.0.0.1 (the limits are tested with their own API).
    REGISTRATIONS_PER_IP_PER_MINUTE: '100000',
    LOGIN_FAILS_PER_IP: '100000',
    // and thousands of tenant-scoped requests a minute for one tenant (usage.e2e-spec tests the rate limit at scale 1).
    TENANT_RATE_LIMIT_SCALE: '1000',
    // Stripe webhooks are verified (the bad-input sweep signs its baseline event with it).
    STRIPE_WEBHOOK_SECRET: 'whsec_test_stack_only_0123456789',
    // Tenant-affine connections for every stack of the run (`DB_POOL_AFFINITY=2 npx vitest run ...`).
    ...(process.env.DB_POOL_AFFINITY ? { DB_POOL_AFFINITY: process.env.DB_POOL_AFFINITY } : {}),
    ...options.env,
  };
  const silent = !process.env.TEST_LOG_LEVEL;
  const started: AppProcess[] = [];
  const launch = async (name: 'api' | 'worker', appEnv: Record<string, string>) => {
    const app = await startApp(name, appEnv, { silent });
    started.push(app);
    return app;
  };
  let api: AppProcess | undefined;
  let worker: AppProcess | undefined;
  try {
    [api, worker] = await Promise.all([
      options.api === false ? undefined : launch('api', env),
      options.worker === false ? undefined : launch('worker', { ...env, ...options.workerEnv }),
    ]);
  } catch (error) {
    await Promise.all(started.map((app) => app.stop()));
    throw error;
  }
  return {
    info: {
      apiUrl: api ? `http://127.0.0.1:${api.port}` : '',
      databaseUrl: options.databaseUrl,
      appDatabaseUrl: roles.appUrl,
      ownerDatabaseUrl: roles.ownerUrl,
      serverUrl: options.serverUrl,
      redisUrl: options.redisUrl,
      dataDir: options.dataDir,
      env,
    },
    api,
    worker,
    async stop() {
      await Promise.all([api?.stop(), worker?.stop()]);
    },
  };
}
