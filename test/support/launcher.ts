// Running `npm start` (dist/apps/start) in tests: each launcher on its own DATA_DIR, PORT=0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const entry = join(process.cwd(), 'dist', 'apps', 'start', 'src', 'main.js');
const dirs: string[] = [];
const launched: ChildProcessWithoutNullStreams[] = [];

export interface Launched {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved. */
  output: () => string;
  exited: Promise<number | null>;
}

/** A fresh DATA_DIR, removed by cleanUpLaunchers. */
export async function newDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-start-'));
  dirs.push(dataDir);
  return dataDir;
}

/** For afterAll: a launcher left running by a failed wait is killed (its watchdog stops the rest), the data dirs removed. */
export async function cleanUpLaunchers(): Promise<void> {
  for (const child of launched) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}

export function launch(dataDir: string, env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  launched.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Running, not a zombie (an orphan nobody reaped yet has exited all the same). */
export const running = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
};

export const clusterDirOf = (output: string): string => /embedded PostgreSQL is up \(data in (.+)\)/.exec(output)![1]!;
export const postmasterPid = (clusterDir: string): number => Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

export type Runtime = Record<string, string | number>;

/** A launcher on dataDir that printed its up line, and the runtime.json it wrote. */
export async function upAndRunning(dataDir: string, env: Record<string, string> = {}): Promise<{ run: Launched; runtime: Runtime }> {
  const run = launch(dataDir, env);
  await until('the up line', () => run.output().includes('Tenantry is up'), 90_000, run.output);
  return { run, runtime: JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as Runtime };
}
