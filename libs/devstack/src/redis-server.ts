import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stopChild } from './embedded-postgres.js';
import { freePort } from './free-port.js';
import { StackError } from './stack-error.js';
import { waitForOutput } from './wait-for-output.js';

export interface RunningRedis {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Whether `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A redis-server child on a loopback port (a free one unless `port` is given), with its
 * append-only file in `dataDir/redis` (persistent: false for throwaway test servers).
 */
export async function startRedisServer(
  dataDir: string,
  options: { persistent?: boolean; port?: number; log?: (line: string) => void; onSpawn?: (pid: number) => void } = {},
): Promise<RunningRedis> {
  if (!hasRedisServer()) {
    throw new StackError('redis-server was not found on PATH: install it (e.g. `apt-get install redis-server`) or set REDIS_URL');
  }
  const dir = join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const persistent = options.persistent ?? true;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', persistent ? 'yes' : 'no',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
  ];
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) options.onSpawn?.(child.pid);
  await waitForOutput(child, [child.stdout, child.stderr], 'Ready to accept connections', 'redis-server');
  child.stdout.resume();
  child.stderr.resume();
  child.unref();
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: () => stopChild(child, 'SIGTERM', 10_000) };
}
