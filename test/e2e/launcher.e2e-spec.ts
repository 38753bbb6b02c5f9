// `npm start` (apps/start): the whole platform from one command on the embedded default, a
// clean stop on SIGTERM, the same data on the next start, and one-line errors (API.md "Running").
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, registerUser, waitForStatus, createTenant } from '../support/http.js';

const entry = join(process.cwd(), 'dist', 'apps', 'start', 'src', 'main.js');
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function launch(dataDir: string, env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(what: string, check: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start (the launcher)', () => {
  it('serves the platform, stops everything on SIGTERM, and finds its data again on the next start', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-start-'));
    dirs.push(dataDir);
    const first = launch(dataDir);
    await until('the up line', () => first.output().includes('Tenantry is up'), 90_000, first.output);
    expect(first.output()).toMatch(/docs http:\/\/127\.0\.0\.1:\d+\/docs/);
    const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as Record<string, string | number>;
    expect(runtime.database_url).toMatch(/^postgres:\/\//);
    expect(runtime.redis_url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const request = client(String(runtime.api_url));
    expect((await request('GET', '/health/ready')).status).toBe(200);
    expect((await request('GET', '/docs-json')).status).toBe(200);
    const user = await registerUser(request);
    const tenant = await createTenant(request, user.token);
    await waitForStatus(request, user.token, tenant.id);
    const pids = [runtime.redis_pid, runtime.api_pid, runtime.worker_pid].map(Number);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
    await until('children to exit', () => pids.every((pid) => !alive(pid)), 10_000, first.output);

    const second = launch(dataDir);
    try {
      await until('the up line', () => second.output().includes('Tenantry is up'), 60_000, second.output);
      const again = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as Record<string, string>;
      const request2 = client(again.api_url!);
      const login = await request2('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
      expect(login.status).toBe(200);
      const back = await request2('GET', `/api/tenants/${tenant.id}`, { token: login.body.access_token });
      expect(back.body.status).toBe('active');
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('a bad value, a taken port or a missing redis-server: one line on stderr and exit 1', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-start-'));
    dirs.push(dataDir);
    const bad = launch(dataDir, { PORT: 'abc' });
    expect(await bad.exited).toBe(1);
    expect(bad.output().trim().split('\n')).toHaveLength(1);
    expect(bad.output()).toMatch(/^error: .*PORT="abc"/);

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const taken = launch(dataDir, { PORT: String(port) });
      expect(await taken.exited).toBe(1);
      expect(taken.output().trim()).toBe(`error: port ${port} on 127.0.0.1 is already in use: set PORT to a free port`);
    } finally {
      server.close();
    }

    const noRedis = launch(dataDir, { PATH: '/nonexistent' });
    expect(await noRedis.exited).toBe(1);
    expect(noRedis.output().trim()).toMatch(/^error: redis-server was not found on PATH/);
    expect(noRedis.output().trim().split('\n')).toHaveLength(1);
  });
});
