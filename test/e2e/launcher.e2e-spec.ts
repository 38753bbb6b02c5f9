// `npm start` (apps/start): the whole platform from one command on the embedded default, a
// clean stop on SIGTERM, the same data on the next start, and one-line errors (API.md "Running");
// killed outright, it leaves nothing running, and a stale postmaster.pid never costs data.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, registerUser, waitForStatus, createTenant } from '../support/http.js';
import { alive, cleanUpLaunchers, clusterDirOf, launch, newDataDir, postmasterPid, running, until, upAndRunning, type Runtime } from '../support/launcher.js';

afterAll(cleanUpLaunchers);

async function canLogIn(runtime: Runtime, user: { email: string; password: string }): Promise<void> {
  const login = await client(String(runtime.api_url))('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  expect(login.status).toBe(200);
}

describe('npm start (the launcher)', () => {
  it('serves the platform, stops everything on SIGTERM, and finds its data again on the next start', { timeout: 120_000 }, async () => {
    const dataDir = await newDataDir();
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
    const dataDir = await newDataDir();
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

  it('killed with SIGKILL: the API, worker, redis-server and PostgreSQL stop by themselves; the next start has the data', { timeout: 150_000 }, async () => {
    const dataDir = await newDataDir();
    const first = await upAndRunning(dataDir);
    const user = await registerUser(client(String(first.runtime.api_url)));
    const pids = {
      api: Number(first.runtime.api_pid),
      worker: Number(first.runtime.worker_pid),
      redis: Number(first.runtime.redis_pid),
      postgres: postmasterPid(clusterDirOf(first.run.output())),
    };
    for (const pid of Object.values(pids)) expect(running(pid)).toBe(true);

    first.run.child.kill('SIGKILL');
    await first.run.exited;
    try {
      await until('everything the launcher started to stop', () => Object.values(pids).every((pid) => !running(pid)), 10_000, () =>
        JSON.stringify(Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, running(pid)]))),
      );
    } finally {
      for (const pid of Object.values(pids)) if (running(pid)) process.kill(pid, 'SIGKILL'); // never leave orphans behind a failure
    }
    // The CLI finds a running `npm start` through runtime.json: it must not outlive what it describes.
    await until('runtime.json to go', () => !existsSync(join(dataDir, 'runtime.json')), 5_000, first.run.output);

    const second = await upAndRunning(dataDir);
    try {
      await canLogIn(second.runtime, user);
    } finally {
      second.run.child.kill('SIGTERM');
      expect(await second.run.exited).toBe(0);
    }
  });

  it('a postmaster.pid naming a live unrelated process: that process is left alone and the cluster starts with its data', { timeout: 150_000 }, async () => {
    const dataDir = await newDataDir();
    const first = await upAndRunning(dataDir);
    const user = await registerUser(client(String(first.runtime.api_url)));
    const clusterDir = clusterDirOf(first.run.output());
    first.run.child.kill('SIGTERM');
    expect(await first.run.exited).toBe(0);
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(false);

    // As after a reboot: the pid in the file now belongs to someone else's process.
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(join(clusterDir, 'postmaster.pid'), `${unrelated.pid}\n${clusterDir}\n1700000000\n5432\n\n127.0.0.1\n`);
      const second = await upAndRunning(dataDir);
      try {
        await canLogIn(second.runtime, user);
        expect(postmasterPid(clusterDir)).not.toBe(unrelated.pid);
        expect(unrelated.exitCode).toBeNull();
        expect(unrelated.signalCode).toBeNull();
      } finally {
        second.run.child.kill('SIGTERM');
        expect(await second.run.exited).toBe(0);
      }
    } finally {
      unrelated.kill('SIGKILL');
    }
  });
});
