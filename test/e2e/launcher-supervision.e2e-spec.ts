// `npm start` supervises its embedded servers: a PostgreSQL or redis-server that dies is restarted
// on its data and port while the API and worker live on and recover by themselves; with no
// restarts left, the launcher stops everything with one line and exit code 1, leaving nothing behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { activeTenant, client, createTenant, waitForStatus, type HttpResponse, type Request } from '../support/http.js';
import { cleanUpLaunchers, clusterDirOf, newDataDir, postmasterPid, running, until, upAndRunning, type Launched } from '../support/launcher.js';

afterAll(cleanUpLaunchers);

/** How long the platform may take to serve again once a server is back (generous: a shared 2-core machine). */
const RECOVERY_MS = 30_000;

/** Polls until the request answers 200; returns that response. */
async function answers(request: Request, path: string, options: Parameters<Request>[2], run: Launched): Promise<HttpResponse> {
  let last: HttpResponse | undefined;
  await until(
    `${path} to answer 200 (last: ${last?.status})`,
    async () => {
      last = await request('GET', path, options).catch(() => undefined);
      return last?.status === 200;
    },
    RECOVERY_MS,
    run.output,
  );
  return last!;
}

async function redisCall<T>(url: string, call: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await call(redis);
  } finally {
    redis.disconnect();
  }
}

describe('npm start supervises embedded PostgreSQL and redis-server', () => {
  it('a SIGKILLed PostgreSQL, then redis-server, come back on their data; the API and worker live on', { timeout: 240_000 }, async () => {
    const dataDir = await newDataDir();
    const { run, runtime } = await upAndRunning(dataDir);
    const request = client(String(runtime.api_url));
    const { owner, tenant } = await activeTenant(request);
    const scoped = { token: owner.token, headers: { 'x-tenant-id': tenant.id } };
    const doc = await request('POST', '/api/v1/corpus/documents', { ...scoped, body: { title: 'kept across restarts', content: 'x' } });
    expect(doc.status).toBe(201);
    const apps = [Number(runtime.api_pid), Number(runtime.worker_pid)];
    const clusterDir = clusterDirOf(run.output());

    try {
      // PostgreSQL: the postmaster dies at once, its postmaster.pid left behind (crash recovery on restart).
      const postgres = postmasterPid(clusterDir);
      process.kill(postgres, 'SIGKILL');
      await until('the postgres restart line', () => run.output().includes('postgres exited unexpectedly (SIGKILL); restarting (1/5)'), 10_000, run.output);
      await until('postgres to be back', () => run.output().includes('postgres is back'), RECOVERY_MS, run.output);
      expect(postmasterPid(clusterDir)).not.toBe(postgres);
      expect(running(postmasterPid(clusterDir))).toBe(true);
      await answers(request, '/health/ready', {}, run);
      const again = await answers(request, `/api/v1/corpus/documents/${doc.body.id}`, scoped, run);
      expect(again.body.title).toBe('kept across restarts');
      expect(apps.every(running)).toBe(true);

      // redis-server: what it held is back from its append-only file, on the same port.
      const redisUrl = String(runtime.redis_url);
      await redisCall(redisUrl, (redis) => redis.set('supervision-test', 'kept'));
      const redisPid = Number(runtime.redis_pid);
      process.kill(redisPid, 'SIGKILL');
      await until('the redis restart line', () => run.output().includes('redis-server exited unexpectedly (SIGKILL); restarting (1/5)'), 10_000, run.output);
      await until('redis-server to be back', () => run.output().includes('redis-server is back'), RECOVERY_MS, run.output);
      expect(await redisCall(redisUrl, (redis) => redis.get('supervision-test'))).toBe('kept');
      const recorded = (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { redis_pid: number }).redis_pid;
      expect(recorded).not.toBe(redisPid);
      expect(running(recorded)).toBe(true);
      await answers(request, '/health/ready', {}, run);
      // The worker consumes its queue again: a new tenant is provisioned.
      const created = await createTenant(request, owner.token);
      await waitForStatus(request, owner.token, created.id, 'active', RECOVERY_MS);
      expect((await request('GET', `/api/v1/corpus/documents/${doc.body.id}`, scoped)).status).toBe(200);
      expect(apps.every(running)).toBe(true);
      expect(run.output()).not.toMatch(/^error:/m);

      const servers = [...apps, recorded, postmasterPid(clusterDir)];
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(servers.filter(running)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('with no restarts left (LAUNCHER_MAX_RESTARTS=0): one line, everything stopped, exit code 1', { timeout: 150_000 }, async () => {
    const dataDir = await newDataDir();
    const { run, runtime } = await upAndRunning(dataDir, { LAUNCHER_MAX_RESTARTS: '0' });
    const clusterDir = clusterDirOf(run.output());
    const postgres = postmasterPid(clusterDir);
    const pids = [runtime.api_pid, runtime.worker_pid, runtime.redis_pid, runtime.watchdog_pid].map(Number);
    expect([postgres, ...pids].every(running)).toBe(true);

    process.kill(postgres, 'SIGKILL');
    await until('the launcher to exit', () => run.child.exitCode !== null, 30_000, run.output);
    expect(await run.exited).toBe(1);
    const errors = run.output().split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toEqual(['error: postgres exited unexpectedly (SIGKILL); restarts are off (LAUNCHER_MAX_RESTARTS=0); stopping everything']);
    expect(run.output()).not.toContain('restarting');
    // The launcher waited for the API, worker and redis-server; its watchdog then finds nothing to do and exits.
    await until('every process to be gone', () => ![postgres, ...pids].some(running), 10_000, () => JSON.stringify(pids.map((pid) => [pid, running(pid)])));
  });
});
