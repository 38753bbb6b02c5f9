import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StackError } from './stack-error.js';

/**
 * Resolves once one of the child's streams prints `marker`; rejects with the last output
 * when the child exits (or cannot start) first. Stops listening either way.
 */
export function waitForOutput(child: ChildProcess, streams: Array<Readable | null>, marker: string, what: string, onLine?: (text: string) => void): Promise<void> {
  const tail: string[] = [];
  const listeners: Array<() => void> = [];
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      for (const off of listeners) off();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail.push(text);
      if (tail.length > 20) tail.shift();
      onLine?.(text.trimEnd());
      if (text.includes(marker)) done();
    };
    const onExit = (code: number | null): void =>
      done(new StackError(`${what} exited during start (code ${code}): ${tail.join('').replace(/\s+/g, ' ').slice(-400)}`));
    const onError = (err: Error): void => done(new StackError(`could not start ${what}: ${err.message}`));
    for (const stream of streams) {
      stream?.on('data', onData);
      listeners.push(() => stream?.off('data', onData));
    }
    child.once('exit', onExit);
    child.once('error', onError);
    listeners.push(() => child.off('exit', onExit), () => child.off('error', onError));
  });
}
