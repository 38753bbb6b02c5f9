// What a pid is, from /proc (Linux). Elsewhere these answer "don't know" (undefined) and
// callers take the cautious path.
import { readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether the process runs. A zombie (exited, not yet reaped: what an orphan becomes when
 * PID 1 does not reap, as in some containers) does not.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = statFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

/** When the process started (clock ticks since boot): with the pid, names one process even if the pid is reused later. */
export function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** The process's argv, or undefined when it is gone or this OS has no /proc. */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.length > 0 ? raw.replace(/\0$/, '').split('\0') : undefined;
  } catch {
    return undefined;
  }
}
