// Runs the admin CLI (`node bin/tenantry.js ...`, the compiled dist/apps/cli) as a child
// process, the way an operator does, against the servers of a test stack.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tenantry.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's environment for a stack: its servers, Redis prefix and JWT secret; quiet logs. */
export function cliEnv(stackEnv: Record<string, string>, overrides: Record<string, string> = {}): Record<string, string> {
  const pick = (key: string): string => {
    const value = stackEnv[key];
    if (value === undefined) throw new Error(`the stack env has no ${key}`);
    return value;
  };
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: pick('DATABASE_URL'),
    DATABASE_OWNER_URL: pick('DATABASE_OWNER_URL'),
    REDIS_URL: pick('REDIS_URL'),
    REDIS_PREFIX: pick('REDIS_PREFIX'),
    JWT_SECRET: pick('JWT_SECRET'),
    DATA_DIR: pick('DATA_DIR'),
    ...overrides,
  };
}

/** Runs `tenantry <args>` to completion (killed after timeoutMs). */
export function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`tenantry ${args.join(' ')} was killed (${signal}); stderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** stdout as JSON; fails loudly (with what was printed) when it is not clean JSON. */
export function parseJsonOutput<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
