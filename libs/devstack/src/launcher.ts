// `npm start`: the whole platform on one machine. Starts (or reuses) PostgreSQL and Redis,
// applies public migrations, then runs the API and the worker as child processes, as
// production runs them. Ctrl-C / SIGTERM stops the API and worker, then Redis and PostgreSQL;
// if the launcher dies without that (SIGKILL, a crash), its watchdog stops them in that order.
// While it runs, a PostgreSQL or redis-server that dies is restarted on the same data and port
// (supervisor.ts); when that fails, everything is stopped with one line and exit code 1.
import 'reflect-metadata'; // the config and database libs use decorator metadata
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppConfig, ensureMasterKeyFile, loadConfig, readRuntime, runtimeFile, type RuntimeInfo } from '../../config/src/index.js';
import { runPublicMigrations } from '../../database/src/index.js';
import { ensureDatabaseRoles } from './database-roles.js';
import { startApp, type AppName } from './app-process.js';
import { startEmbeddedPostgres, stopChild } from './embedded-postgres.js';
import { portAvailable } from './free-port.js';
import { commandLine, isRunning } from './proc.js';
import { hasRedisServer, startRedisServer } from './redis-server.js';
import { Supervisor, type Server } from './supervisor.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

type LauncherRuntime = RuntimeInfo & { redis_pid?: number; api_pid?: number; worker_pid?: number; watchdog_pid?: number };

/** Watchdog stages: the API and worker stop before Redis, Redis before PostgreSQL (the order of a clean stop). */
const STAGE = { apps: 0, redis: 1, postgres: 2 } as const;

/** The window LAUNCHER_MAX_RESTARTS counts restarts of one server in. */
const RESTART_WINDOW_MS = 60_000;

const say = (line: string): void => void process.stdout.write(`[tenantry] ${line}\n`);
const fail = (line: string): never => {
  process.stderr.write(`error: ${line}\n`);
  process.exit(1);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined, name: string): boolean {
  return !!pid && isRunning(pid) && (commandLine(pid) ?? []).join(' ').includes(name);
}

async function writeRuntime(dataDir: string, runtime: LauncherRuntime): Promise<void> {
  await writeFile(runtimeFile(dataDir), JSON.stringify(runtime, null, 2), { mode: 0o600 });
}

async function loadSecrets(dataDir: string): Promise<{ jwt_secret: string; master_key: string }> {
  const file = join(dataDir, 'secrets.json');
  let jwtSecret: string;
  if (existsSync(file)) {
    jwtSecret = (JSON.parse(readFileSync(file, 'utf8')) as { jwt_secret: string }).jwt_secret;
  } else {
    jwtSecret = randomBytes(48).toString('base64url');
    await writeFile(file, JSON.stringify({ jwt_secret: jwtSecret }, null, 2), { mode: 0o600 });
  }
  // The master key has a file of its own (DATA_DIR/master.key), which `keys rotate` documents replacing.
  const masterKey = process.env.MASTER_KEY ? '' : ensureMasterKeyFile(dataDir);
  return { jwt_secret: jwtSecret, master_key: masterKey };
}

/** What the steps share: each fills in what later ones need. */
interface Launch {
  config: AppConfig;
  dataDir: string;
  watchdog: Watchdog;
  /** Stop functions of the servers, in start order (stopped in reverse). */
  stoppers: Array<() => Promise<void>>;
  children: ChildProcess[];
  onAppExit: (name: AppName) => (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Watches a started server and restarts it when it dies; its stop joins the stoppers. */
  supervise: <S extends Server>(first: S, name: string, restart: () => Promise<S>, onRestart?: (server: S) => void) => void;
  /** runtime.json's content once written (a restarted redis-server's pid is recorded there). */
  runtime?: LauncherRuntime;
  secrets?: { jwt_secret: string; master_key: string };
  databaseUrl?: string;
  databaseOwnerUrl?: string;
  redisUrl?: string;
  redisPid?: number;
}

/** The environment of the API, the worker and the migration run, from what the steps before found. */
function serverEnv(launch: Launch) {
  const { databaseUrl, redisUrl, secrets } = launch;
  if (!databaseUrl || !redisUrl || !secrets) throw new Error('launcher steps out of order: the servers are not up yet');
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ...(launch.databaseOwnerUrl ? { DATABASE_OWNER_URL: launch.databaseOwnerUrl } : {}),
    REDIS_URL: redisUrl,
    JWT_SECRET: process.env.JWT_SECRET || secrets.jwt_secret,
    MASTER_KEY: process.env.MASTER_KEY || secrets.master_key,
    DATA_DIR: launch.dataDir,
  };
}

/** Checks that end `npm start` with one line (exit 1) before anything is started. */
async function preflight(): Promise<{ config: AppConfig; dataDir: string }> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const dataDir = config.dataDir;
  await mkdir(dataDir, { recursive: true });

  const previous = readRuntime(dataDir) as LauncherRuntime | undefined;
  if (previous && alive(previous.pid, 'node')) fail(`another \`npm start\` (pid ${previous.pid}) is running on DATA_DIR ${dataDir}`);
  // A killed launcher's watchdog may still be stopping its servers: let it finish first.
  for (let i = 0; i < 600 && alive(previous?.watchdog_pid, 'watchdog-process'); i++) await sleep(100);
  if (previous?.redis_pid && alive(previous.redis_pid, 'redis-server')) process.kill(previous.redis_pid, 'SIGTERM');
  await rm(runtimeFile(dataDir), { force: true });

  if (!(await portAvailable(config.PORT, config.HOST))) fail(`port ${config.PORT} on ${config.HOST} is already in use: set PORT to a free port`);
  if (!process.env.REDIS_URL && !hasRedisServer()) {
    fail('redis-server was not found on PATH: install it (e.g. `apt-get install redis-server`) or set REDIS_URL');
  }
  return { config, dataDir };
}

async function secrets(launch: Launch): Promise<void> {
  launch.secrets = await loadSecrets(launch.dataDir);
}

async function embeddedPostgres(launch: Launch): Promise<void> {
  launch.databaseUrl = process.env.DATABASE_URL;
  launch.databaseOwnerUrl = process.env.DATABASE_OWNER_URL;
  if (launch.databaseUrl) return;
  say('starting embedded PostgreSQL');
  const start = (port?: number) =>
    startEmbeddedPostgres({
      dataDir: launch.dataDir,
      database: 'tenantry',
      port,
      log: process.env.TENANTRY_PG_LOG ? (l) => say(l) : undefined,
      onSpawn: (pid) => launch.watchdog.watch({ pid, signal: 'SIGINT', stage: STAGE.postgres, timeoutMs: 15_000 }),
    });
  const pg = await start();
  launch.supervise(pg, 'postgres', () => start(pg.port));
  say(`embedded PostgreSQL is up (data in ${pg.clusterDir})`);
  // The owner and runtime roles (README, "Security and isolation"), from the superuser's URL.
  const roles = await ensureDatabaseRoles(pg.url);
  launch.databaseUrl = roles.appUrl;
  launch.databaseOwnerUrl = roles.ownerUrl;
}

async function redis(launch: Launch): Promise<void> {
  launch.redisUrl = process.env.REDIS_URL;
  if (launch.redisUrl) return;
  const start = (port?: number) =>
    startRedisServer(launch.dataDir, {
      port,
      onSpawn: (pid) => launch.watchdog.watch({ pid, signal: 'SIGTERM', stage: STAGE.redis, timeoutMs: 10_000 }),
    });
  const server = await start();
  launch.supervise(server, 'redis-server', () => start(server.port), (restarted) => {
    launch.redisPid = restarted.pid;
    // The next `npm start` stops a redis-server left behind by the pid recorded there.
    if (launch.runtime) void writeRuntime(launch.dataDir, { ...launch.runtime, redis_pid: restarted.pid });
  });
  launch.redisUrl = server.url;
  launch.redisPid = server.pid;
  say(`started redis-server on ${server.url}`);
}

async function publicMigrations(launch: Launch): Promise<void> {
  const applied = await runPublicMigrations(loadConfig(serverEnv(launch)), 'tenantry-start');
  say(applied.length > 0 ? `applied public migrations: ${applied.join(', ')}` : 'public schema is up to date');
}

async function apps(launch: Launch): Promise<void> {
  const { config } = launch;
  const env = serverEnv(launch);
  const appEnv = { ...env, RUN_MIGRATIONS: 'false' };
  const start = (name: AppName) =>
    startApp(name, appEnv, {
      detached: true,
      onExit: launch.onAppExit(name),
      onSpawn: (pid) => launch.watchdog.watch({ pid, signal: 'SIGTERM', stage: STAGE.apps, graceMs: 5_000, timeoutMs: 10_000 }),
    }).then((app) => {
      launch.children.push(app.child);
      return app;
    });
  const [worker, api] = await Promise.all([start('worker'), start('api')]);
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const apiUrl = `http://${host}:${api.port ?? config.PORT}`;
  const runtime: LauncherRuntime = {
    pid: process.pid,
    database_url: env.DATABASE_URL,
    database_owner_url: launch.databaseOwnerUrl,
    redis_url: env.REDIS_URL,
    api_url: apiUrl,
    docs_url: `${apiUrl}/docs`,
    app_url: `${apiUrl}/app/`,
    jwt_secret: env.JWT_SECRET,
    master_key: env.MASTER_KEY,
    started_at: new Date().toISOString(),
    redis_pid: launch.redisPid,
    api_pid: api.child.pid,
    worker_pid: worker.child.pid,
    watchdog_pid: launch.watchdog.pid,
  };
  launch.runtime = runtime;
  await writeRuntime(launch.dataDir, runtime);
  say(`Tenantry is up: dashboard ${apiUrl}/app/  API ${apiUrl}  docs ${apiUrl}/docs  (Ctrl-C stops it)`);
}

/**
 * The start sequence, in order. A step that needs the database (e.g. creating roles) goes
 * after embeddedPostgres; everything the API and worker need must be done before apps.
 */
const steps: Array<(launch: Launch) => Promise<void>> = [secrets, embeddedPostgres, redis, publicMigrations, apps];

export async function runLauncher(): Promise<void> {
  const { config, dataDir } = await preflight();
  const children: ChildProcess[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  const supervisors: Array<Pick<Supervisor<Server>, 'halt'>> = [];
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const supervisor of supervisors) supervisor.halt();
    say('stopping...');
    await Promise.all(children.map((c) => stopChild(c, 'SIGTERM', 15_000)));
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    await rm(runtimeFile(dataDir), { force: true });
    say('stopped');
    process.exit(code);
  };
  /** Something the platform needs is gone for good: one line, then everything stops (exit 1). */
  const giveUp = (line: string): void => {
    if (stopping) return;
    process.stderr.write(`error: ${line}\n`);
    void shutdown(1);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const launch: Launch = {
      config,
      dataDir,
      watchdog: await startWatchdog(runtimeFile(dataDir)),
      stoppers,
      children,
      onAppExit: (name) => (code, signal) => giveUp(`the ${name} process exited unexpectedly (${signal ?? `code ${code}`}); stopping`),
      supervise: (first, name, restart, onRestart) => {
        const supervisor = new Supervisor(first, {
          name,
          restart,
          onRestart,
          maxRestarts: config.LAUNCHER_MAX_RESTARTS,
          windowMs: RESTART_WINDOW_MS,
          backoffMs: (attempt) => Math.min(500 * 2 ** (attempt - 1), 8_000),
          say,
          giveUp,
        });
        supervisors.push(supervisor);
        stoppers.push(() => supervisor.stop());
      },
    };
    for (const step of steps) await step(launch);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown(1);
  }
}
