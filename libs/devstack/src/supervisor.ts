// Keeps one of the launcher's servers (embedded PostgreSQL, redis-server) running: when it exits
// without being asked to, it is started again (same data, same port, so the API and worker
// reconnect by themselves), a bounded number of times within a window, with a growing pause.
// When the budget is spent, the supervisor gives up and the launcher stops everything.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitStatus } from './embedded-postgres.js';

/** A running server as the supervisor sees it. */
export interface Server {
  pid: number | undefined;
  exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

export interface SupervisorOptions<S extends Server> {
  /** How the lines name it: `postgres`, `redis-server`. */
  name: string;
  /** Starts it again, on the same data and port. */
  restart: () => Promise<S>;
  /** Restarts allowed within windowMs; one more unexpected exit gives up (0: give up at the first). */
  maxRestarts: number;
  windowMs: number;
  /** Pause before the n-th restart of the window (1-based). */
  backoffMs: (attempt: number) => number;
  /** One line of progress (a restart). */
  say: (line: string) => void;
  /** Called once with the one line saying why, when it stops restarting; the caller stops everything. */
  giveUp: (line: string) => void;
  /** Called with each server that took over (e.g. to record its pid). */
  onRestart?: (server: S) => void;
}

const describe = ({ code, signal }: ExitStatus): string => signal ?? `code ${code}`;

export class Supervisor<S extends Server> {
  private current: S;
  private stopping = false;
  private readonly restarts: number[] = [];
  private restarting: Promise<void> = Promise.resolve();
  private readonly pause = new AbortController();

  constructor(
    first: S,
    private readonly options: SupervisorOptions<S>,
  ) {
    this.current = first;
    this.follow(first);
  }

  get server(): S {
    return this.current;
  }

  /** No more restarts (the launcher is stopping). */
  halt(): void {
    this.stopping = true;
    this.pause.abort();
  }

  /** Stops restarting, then stops the server (waiting for a restart under way to settle first). */
  async stop(): Promise<void> {
    this.halt();
    await this.restarting;
    await this.current.stop();
  }

  private follow(server: S): void {
    void server.exited.then((status) => {
      if (this.stopping || server !== this.current) return;
      this.restarting = this.recover(`exited unexpectedly (${describe(status)})`);
    });
  }

  private async recover(reason: string): Promise<void> {
    const { name, maxRestarts, windowMs } = this.options;
    for (;;) {
      const now = Date.now();
      while (this.restarts.length > 0 && now - this.restarts[0]! >= windowMs) this.restarts.shift();
      if (this.restarts.length >= maxRestarts) {
        const spent = maxRestarts === 0 ? 'restarts are off (LAUNCHER_MAX_RESTARTS=0)' : `${maxRestarts} restarts within ${windowMs / 1000} s did not keep it up`;
        this.options.giveUp(`${name} ${reason}; ${spent}; stopping everything`);
        return;
      }
      this.restarts.push(now);
      const attempt = this.restarts.length;
      this.options.say(`${name} ${reason}; restarting (${attempt}/${maxRestarts})`);
      try {
        await sleep(this.options.backoffMs(attempt), undefined, { signal: this.pause.signal });
      } catch {
        return; // stopping
      }
      try {
        const server = await this.options.restart();
        if (this.stopping) {
          await server.stop();
          return;
        }
        this.current = server;
        this.options.onRestart?.(server);
        this.options.say(`${name} is back (pid ${server.pid})`);
        this.follow(server);
        return;
      } catch (error) {
        if (this.stopping) return;
        reason = `did not restart: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }
}
