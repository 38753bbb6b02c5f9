// The launcher's watchdog (see watchdog.ts), run as its own detached process. Reads one JSON
// line per process to look after; when stdin closes (the launcher is gone, however it went)
// it stops those still running, stage by stage, removes the launcher's runtime file (argv[2])
// if it still describes that launcher, and exits.
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isRunning, startTime } from './proc.js';
import type { Watched } from './watchdog.js';

const watched: Array<Watched & { started: string | undefined }> = [];
const launcher = process.ppid;
const runtimeFile = process.argv[2];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The start time pins the pid to the process we were told about: a pid reused by another
// process after ours exited is never signalled.
const stillThere = (w: (typeof watched)[number]): boolean => isRunning(w.pid) && startTime(w.pid) === w.started;

async function gone(w: (typeof watched)[number], withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; stillThere(w); await sleep(100)) if (Date.now() >= deadline) return false;
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

async function stop(w: (typeof watched)[number]): Promise<void> {
  if (await gone(w, w.graceMs ?? 0)) return;
  signal(w.pid, w.signal);
  if (await gone(w, w.timeoutMs)) return;
  signal(w.pid, 'SIGKILL');
  await gone(w, 5_000);
}

/** The CLI reads runtime.json to find a running `npm start`: it must not point at stopped servers. */
function removeIfOurs(file: string): void {
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid === launcher) rmSync(file);
  } catch {
    // none, or not ours
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    try {
      const w = JSON.parse(line) as Watched;
      watched.push({ ...w, started: startTime(w.pid) });
    } catch {
      // not ours to interpret
    }
  })
  .on('close', () => {
    void (async () => {
      for (const stage of [...new Set(watched.map((w) => w.stage))].sort((a, b) => a - b)) {
        await Promise.all(watched.filter((w) => w.stage === stage).map(stop));
      }
      if (runtimeFile) removeIfOurs(runtimeFile);
      process.exit(0);
    })();
  });
