// `npm start`: the whole platform on one machine. Starts (or reuses) PostgreSQL and Redis,
// applies public migrations, then runs the API and the worker as child processes, as
// production runs them. Ctrl-C / SIGTERM stops the API and worker, then Redis and PostgreSQL.
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, readRuntime, runtimeFile, type RuntimeInfo } from '../../../libs/config/src/index.js';
import { runPublicMigrations } from '../../../libs/database/src/index.js';
import { ensureDatabaseRoles, hasRedisServer, portAvailable, startApp, startEmbeddedPostgres, startRedisServer, stopChild } from '../../../libs/devstack/src/index.js';

const say = (line: string): void => void process.stdout.write(`[tenantry] ${line}\n`);
const fail = (line: string): never => {
  process.stderr.write(`error: ${line}\n`);
  process.exit(1);
};

function alive(pid: number | undefined, name: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
  } catch {
    return false;
  }
}

async function loadSecrets(dataDir: string): Promise<{ jwt_secret: string; master_key: string }> {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { jwt_secret: string; master_key: string };
  const secrets = { jwt_secret: randomBytes(48).toString('base64url'), master_key: randomBytes(32).toString('base64') };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const dataDir = config.dataDir;
  await mkdir(dataDir, { recursive: true });

  const previous = readRuntime(dataDir);
  if (previous && alive(previous.pid, 'node')) fail(`another \`npm start\` (pid ${previous.pid}) is running on DATA_DIR ${dataDir}`);
  const stale = previous as (RuntimeInfo & { redis_pid?: number }) | undefined;
  if (stale?.redis_pid && alive(stale.redis_pid, 'redis-server')) process.kill(stale.redis_pid, 'SIGTERM');
  await rm(runtimeFile(dataDir), { force: true });

  if (!(await portAvailable(config.PORT, config.HOST))) fail(`port ${config.PORT} on ${config.HOST} is already in use: set PORT to a free port`);
  if (!process.env.REDIS_URL && !hasRedisServer()) {
    fail('redis-server was not found on PATH: install it (e.g. `apt-get install redis-server`) or set REDIS_URL');
  }

  const stoppers: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await Promise.all(children.map((c) => stopChild(c, 'SIGTERM', 15_000)));
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    await rm(runtimeFile(dataDir), { force: true });
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const secrets = await loadSecrets(dataDir);
    let databaseUrl = process.env.DATABASE_URL;
    let databaseOwnerUrl = process.env.DATABASE_OWNER_URL;
    if (!databaseUrl) {
      say('starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir, database: 'tenantry', log: process.env.TENANTRY_PG_LOG ? (l) => say(l) : undefined });
      stoppers.push(pg.stop);
      say(`embedded PostgreSQL is up (data in ${pg.clusterDir})`);
      const roles = await ensureDatabaseRoles(pg.url);
      databaseUrl = roles.appUrl;
      databaseOwnerUrl = roles.ownerUrl;
    }
    let redisUrl = process.env.REDIS_URL;
    let redisPid: number | undefined;
    if (!redisUrl) {
      const redis = await startRedisServer(dataDir);
      stoppers.push(redis.stop);
      redisUrl = redis.url;
      redisPid = redis.pid;
      say(`started redis-server on ${redisUrl}`);
    }
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      ...(databaseOwnerUrl ? { DATABASE_OWNER_URL: databaseOwnerUrl } : {}),
      REDIS_URL: redisUrl,
      JWT_SECRET: process.env.JWT_SECRET || secrets.jwt_secret,
      MASTER_KEY: process.env.MASTER_KEY || secrets.master_key,
      DATA_DIR: dataDir,
    };
    const migrationConfig = loadConfig(env);
    const applied = await runPublicMigrations(migrationConfig, 'tenantry-start');
    say(applied.length > 0 ? `applied public migrations: ${applied.join(', ')}` : 'public schema is up to date');

    const appEnv = { ...env, RUN_MIGRATIONS: 'false' };
    const onExit = (name: string) => (code: number | null, signal: NodeJS.Signals | null) => {
      if (stopping) return;
      process.stderr.write(`error: the ${name} process exited unexpectedly (${signal ?? `code ${code}`}); stopping\n`);
      void shutdown(1);
    };
    const launch = (name: 'api' | 'worker') =>
      startApp(name, appEnv, { detached: true, onExit: onExit(name) }).then((app) => {
        children.push(app.child);
        return app;
      });
    const [worker, api] = await Promise.all([launch('worker'), launch('api')]);
    const port = api.port;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const apiUrl = `http://${host}:${port ?? config.PORT}`;
    const runtime: RuntimeInfo & { redis_pid?: number; api_pid?: number; worker_pid?: number } = {
      pid: process.pid,
      database_url: databaseUrl,
      database_owner_url: databaseOwnerUrl,
      redis_url: redisUrl,
      api_url: apiUrl,
      docs_url: `${apiUrl}/docs`,
      jwt_secret: env.JWT_SECRET,
      master_key: env.MASTER_KEY,
      started_at: new Date().toISOString(),
      redis_pid: redisPid,
      api_pid: api.child.pid,
      worker_pid: worker.child.pid,
    };
    await writeFile(runtimeFile(dataDir), JSON.stringify(runtime, null, 2), { mode: 0o600 });
    say(`Tenantry is up: API ${apiUrl}  docs ${apiUrl}/docs  (Ctrl-C stops it)`);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown(1);
  }
}

await main();
