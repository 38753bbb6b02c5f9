// The restart budget of a supervised server, on real processes (`sleep`) standing in for servers.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { exitOf, stopChild } from './embedded-postgres.js';
import { Supervisor, type Server, type SupervisorOptions } from './supervisor.js';

const started: Server[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function sleeper(): Server {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const server = { pid: child.pid, exited: exitOf(child), stop: () => stopChild(child, 'SIGTERM', 5_000) };
  started.push(server);
  return server;
}

function supervised(options: Partial<SupervisorOptions<Server>> = {}) {
  const lines: string[] = [];
  let gaveUp: string | undefined;
  const supervisor = new Supervisor(sleeper(), {
    name: 'sleep',
    restart: () => Promise.resolve(sleeper()),
    maxRestarts: 2,
    windowMs: 60_000,
    backoffMs: () => 10,
    say: (line) => lines.push(line),
    giveUp: (line) => (gaveUp = line),
    ...options,
  });
  return { supervisor, lines, gaveUp: () => gaveUp };
}

const killCurrent = (supervisor: Supervisor<Server>): void => void process.kill(supervisor.server.pid!, 'SIGKILL');

async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !check(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > deadline) throw new Error('timed out');
  }
}

describe('Supervisor', () => {
  it('restarts a server that dies, up to maxRestarts within the window, then gives up with one line', async () => {
    const { supervisor, lines, gaveUp } = supervised();
    const first = supervisor.server.pid;
    killCurrent(supervisor);
    await until(() => lines.length === 2);
    expect(lines).toEqual(['sleep exited unexpectedly (SIGKILL); restarting (1/2)', `sleep is back (pid ${supervisor.server.pid})`]);
    expect(supervisor.server.pid).not.toBe(first);

    killCurrent(supervisor);
    await until(() => lines.length === 4);
    expect(lines[2]).toBe('sleep exited unexpectedly (SIGKILL); restarting (2/2)');

    killCurrent(supervisor);
    await until(() => gaveUp() !== undefined);
    expect(gaveUp()).toBe('sleep exited unexpectedly (SIGKILL); 2 restarts within 60 s did not keep it up; stopping everything');
    expect(lines).toHaveLength(4);
  });

  it('counts a restart that fails against the budget, and says why it failed', async () => {
    let calls = 0;
    const { supervisor, lines, gaveUp } = supervised({
      restart: () => (++calls === 1 ? Promise.reject(new Error('port taken')) : Promise.resolve(sleeper())),
    });
    killCurrent(supervisor);
    await until(() => lines.length === 3);
    expect(lines).toEqual([
      'sleep exited unexpectedly (SIGKILL); restarting (1/2)',
      'sleep did not restart: port taken; restarting (2/2)',
      `sleep is back (pid ${supervisor.server.pid})`,
    ]);
    expect(gaveUp()).toBeUndefined();
  });

  it('restarts nothing once stopped, and nothing at all with maxRestarts 0', async () => {
    const stopped = supervised();
    await stopped.supervisor.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped.lines).toEqual([]);
    expect(stopped.gaveUp()).toBeUndefined();

    const off = supervised({ maxRestarts: 0 });
    killCurrent(off.supervisor);
    await until(() => off.gaveUp() !== undefined);
    expect(off.gaveUp()).toBe('sleep exited unexpectedly (SIGKILL); restarts are off (LAUNCHER_MAX_RESTARTS=0); stopping everything');
    expect(off.lines).toEqual([]);
  });

  it('forgets restarts older than the window', async () => {
    const { supervisor, lines, gaveUp } = supervised({ maxRestarts: 1, windowMs: 200 });
    killCurrent(supervisor);
    await until(() => lines.length === 2);
    await new Promise((r) => setTimeout(r, 250));
    killCurrent(supervisor);
    await until(() => lines.length === 4);
    expect(lines[2]).toBe('sleep exited unexpectedly (SIGKILL); restarting (1/1)');
    expect(gaveUp()).toBeUndefined();
  });
});
