import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A process for the watchdog to stop if the launcher dies. */
export interface Watched {
  pid: number;
  /** What asks it to stop (PostgreSQL: SIGINT, a fast shutdown). */
  signal: NodeJS.Signals;
  /** Lower stages are stopped (or gone) before higher ones are signalled. */
  stage: number;
  /** How long to wait for it to exit by itself before signalling (the API and worker exit when their parent's IPC channel closes). */
  graceMs?: number;
  /** How long after the signal before SIGKILL. */
  timeoutMs: number;
}

export interface Watchdog {
  pid: number | undefined;
  watch(process: Watched): void;
}

/**
 * A small detached process that outlives the launcher to stop what it started. The launcher
 * holds the only writing end of the watchdog's stdin, and the kernel closes it when the launcher
 * exits however that happens (SIGKILL, a crash, an OOM kill): the watchdog takes that as its
 * cue. After a clean stop it finds nothing left to stop. Once done it removes `runtimeFile` if
 * that still names the launcher.
 */
export async function startWatchdog(runtimeFile: string): Promise<Watchdog> {
  const entry = fileURLToPath(new URL('./watchdog-process.js', import.meta.url));
  const child = spawn(process.execPath, [entry, runtimeFile], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  await once(child, 'spawn');
  child.unref();
  (child.stdin as Socket).unref();
  child.stdin.on('error', () => undefined);
  return { pid: child.pid, watch: (w) => void child.stdin.write(`${JSON.stringify(w)}\n`) };
}
