import cliProgress from 'cli-progress';

export interface Progress {
  /** One step done (`label` names it: a tenant, a table). */
  step(done: number, total: number, label: string): void;
  stop(): void;
}

/**
 * Progress of long work, on stderr (stdout is the command's output): a bar with ETA when
 * stderr is a terminal, a plain line per step otherwise (logs, CI), nothing with --json.
 */
export function progress(title: string, options: { json?: boolean }): Progress {
  if (options.json) return { step: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${title} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted} | {label}`, etaBuffer: 50, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      step(done, total, label) {
        if (!started) {
          bar.start(total, 0, { label: '' });
          started = true;
        }
        bar.setTotal(total);
        bar.update(done, { label });
      },
      stop: () => started && bar.stop(),
    };
  }
  return {
    step: (done, total, label) => process.stderr.write(`${title} ${done}/${total}: ${label}\n`),
    stop: () => undefined,
  };
}
