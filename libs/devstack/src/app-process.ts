import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './embedded-postgres.js';
import { StackError } from './stack-error.js';

export type AppName = 'api' | 'worker';

export interface AppProcess {
  name: AppName;
  child: ChildProcess;
  /** The API's port (PORT=0 picks a free one). */
  port?: number;
  /** SIGTERM, wait for a graceful exit (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL: the process dies at whatever instruction it is on. */
  kill(): void;
  exited: Promise<number | null>;
}

/** dist/apps of this checkout, whether this file runs compiled (dist/libs/...) or from source (libs/...). */
function distApps(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new StackError('cannot find the project root');
    dir = parent;
  }
  return join(dir, 'dist', 'apps');
}

/** pino's error and fatal lines of a stream, written to this process's stderr (each at most 4,000 characters). */
function passErrorLines(stream: NodeJS.ReadableStream, prefix: string): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop()!.slice(-16_000);
    for (const line of lines) if (/"level":(50|60)[,}]/.test(line)) process.stderr.write(`${prefix}${line.slice(0, 4000)}\n`);
  });
}

/**
 * Runs the compiled API or worker (`dist/apps/<name>/src/main.js`) as a child process with
 * the given environment, and resolves once it is serving (API) or consuming (worker).
 */
export function startApp(
  name: AppName,
  env: NodeJS.ProcessEnv,
  options: {
    silent?: boolean;
    detached?: boolean;
    onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
    /** Called with the pid as soon as the process is spawned. */
    onSpawn?: (pid: number) => void;
  } = {},
): Promise<AppProcess> {
  const child = fork(join(distApps(), name, 'src', 'main.js'), [], {
    env,
    detached: options.detached ?? false,
    stdio: ['ignore', options.silent ? 'pipe' : 'inherit', 'pipe', 'ipc'],
  });
  if (child.pid) options.onSpawn?.(child.pid);
  // Silent still shows errors: a 500 in a test run must leave its cause in the output.
  if (options.silent && child.stdout) passErrorLines(child.stdout, `[${name} ${child.pid}] `);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
    if (!options.silent) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      options.onExit?.(code, signal);
      resolve(code);
    }),
  );
  return new Promise<AppProcess>((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new StackError(`the ${name} process exited during start (code ${code}): ${stderr.trim().split('\n').slice(-25).join(' | ')}`));
    child.once('exit', onExit);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type !== 'listening' && m.type !== 'ready') return;
      child.off('exit', onExit);
      resolve({
        name,
        child,
        port: m.port,
        exited,
        stop: (timeoutMs = 15_000) => stopChild(child, 'SIGTERM', timeoutMs),
        kill: () => void child.kill('SIGKILL'),
      });
    });
  });
}
