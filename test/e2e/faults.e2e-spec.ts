// Dependency outages (DESIGN.md's "restart PostgreSQL and then Redis under load"): while a
// server is down every request answers quickly, with 503 `dependency_unavailable` and a
// Retry-After or with a success, never a 500, a hang or a dropped connection; readiness turns
// 503; once the server is back (same port, same data) everything succeeds again without
// restarting the API or the worker. This file runs its own PostgreSQL and redis-server (the
// shared stack's servers serve other files at the same time) and kills them for real.
// Each fault is one row of FAULTS: how to kill it, how to bring it back, what must fail meanwhile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPostgres, type RunningRedis, startEmbeddedPostgres, startRedisServer } from '../../libs/devstack/src/index.js';
import { activeTenant, client, type TestUser, uniqueSlug, waitForStatus } from '../support/http.js';
import { createDatabase, type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/tenant-schema.js';

/** No request may take longer than this, outage or not (the API's own bounds are 3 s for PostgreSQL, 1 s for Redis). */
const ANSWER_BOUND_MS = 6_000;
/** From the restart of the server to readiness and working requests. */
const RECOVERY_BOUND_MS = 30_000;

interface Answer {
  probe: string;
  phase: Phase;
  status: number; // 0: no HTTP answer (connection reset, refused, or our client's timeout)
  code?: string;
  retryAfter: string | null;
  ms: number;
  error?: string;
}

type Phase = 'up' | 'down' | 'back';

/** One kind of request, and what it answers when all is well. */
interface Probe {
  name: string;
  ok: number;
  /** Sent by the load loop (default) or only as asked (ones that leave lasting state, like a tenant). */
  inLoad?: false;
  send(): Promise<Response>;
}

interface FaultCase {
  name: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Probes that need the dead server: each must answer 503 dependency_unavailable while it is down. */
  failWhileDown: string[];
  /** Checks of what must keep working while the server is down; returns a check to run once it is back. */
  whileDown?(): Promise<() => Promise<void>>;
}

let dataDir: string;
let postgres: RunningPostgres;
let redis: RunningRedis;
let stack: Stack | undefined;
let owner: TestUser;
let tenantId: string;
let phase: Phase = 'up';
const answers: Answer[] = [];

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack!.info.apiUrl}${path}`, { ...init, signal: AbortSignal.timeout(ANSWER_BOUND_MS * 2) });

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

let registrations = 0;
const PROBES: Probe[] = [
  {
    name: 'tenant GET',
    ok: 200,
    send: () => api('/api/v1/corpus/documents', { headers: { authorization: `Bearer ${owner.token}`, 'x-tenant-id': tenantId } }),
  },
  { name: 'login', ok: 200, send: () => api('/api/v1/auth/login', json({ email: owner.email, password: owner.password })) },
  {
    name: 'register',
    ok: 201,
    send: () => api('/api/v1/auth/register', json({ email: `faults-${Date.now()}-${registrations++}@example.com`, password: 'correct-horse-battery' })),
  },
  { name: 'readiness', ok: 200, send: () => api('/health/ready') },
];
const LOAD = PROBES.filter((p) => p.inLoad !== false);

const probe = (name: string): Probe => PROBES.find((p) => p.name === name)!;

async function ask(p: Probe): Promise<Answer> {
  const started = Date.now();
  const at = phase;
  try {
    const res = await p.send();
    const body = (await res.json().catch(() => undefined)) as { code?: string } | undefined;
    const answer = { probe: p.name, phase: at, status: res.status, code: body?.code, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
    answers.push(answer);
    return answer;
  } catch (error) {
    const answer = { probe: p.name, phase: at, status: 0, retryAfter: null, ms: Date.now() - started, error: String(error) };
    answers.push(answer);
    return answer;
  }
}

/** Light continuous load: every probe in turn, a few ms apart, until stopped. */
function startLoad(): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await ask(LOAD[i % LOAD.length]!);
      await sleep(5);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function startPostgres(port?: number): Promise<RunningPostgres> {
  // After a SIGKILL the old server's backends may take a moment to notice and let go of the cluster.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmbeddedPostgres({ dataDir, database: 'postgres', fast: true, port });
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(500);
    }
  }
}

const killed = (pid: number | undefined) => {
  if (!pid) throw new Error('no pid');
  process.kill(pid, 'SIGKILL');
};

const FAULTS: FaultCase[] = [
  {
    name: 'PostgreSQL (SIGKILL of the postmaster)',
    kill: async () => killed(postgres.pid),
    restart: async () => {
      postgres = await startPostgres(postgres.port);
    },
    failWhileDown: ['tenant GET', 'login', 'register'],
  },
  {
    name: 'Redis (SIGKILL of redis-server)',
    kill: async () => killed(redis.pid),
    restart: async () => {
      redis = await startRedisServer(dataDir, { persistent: true, port: Number(new URL(redis.url).port) });
    },
    // Sign-in throttling and registration limits count in Redis; tenant reads need none of it.
    failWhileDown: ['login', 'register'],
    // A tenant created during the outage is committed, so its creation answers 201 (a 503 would
    // make the client's retry meet 409 slug_taken); it is provisioned once Redis is back.
    whileDown: async () => {
      const slug = uniqueSlug('f');
      const res = await api('/api/tenants', { ...json({ name: 'Made while Redis was down', slug, plan: 'starter' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` } });
      const body = (await res.json()) as { id?: string; status?: string };
      expect({ status: res.status, tenant: body.status }, 'tenant create while Redis is down').toEqual({ status: 201, tenant: 'provisioning' });
      return async () => {
        await waitForStatus(client(stack!.info.apiUrl), owner.token, body.id!, 'active', RECOVERY_BOUND_MS);
      };
    },
  },
];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tenantry-faults-'));
  postgres = await startPostgres();
  redis = await startRedisServer(dataDir, { persistent: true });
  const databaseUrl = await createDatabase(postgres.url, 'tenantry_faults');
  stack = await startStack({ databaseUrl, serverUrl: postgres.url, redisUrl: redis.url, dataDir });
  const made = await activeTenant(client(stack.info.apiUrl));
  owner = made.owner;
  tenantId = made.tenant.id as string;
});

afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
  await postgres?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.sequential('dependency outages', () => {
  it.each(FAULTS)('$name: 503 fast while down, readiness red then green, recovers by itself', async (fault) => {
    phase = 'up';
    answers.length = 0;
    const stopLoad = startLoad();
    let restarted = false;
    try {
      await sleep(300);
      await fault.kill();
      phase = 'down';
      await waitUntil('readiness to turn 503', async () => (await ask(probe('readiness'))).status === 503, 10_000, 100);
      for (const name of fault.failWhileDown) {
        const answer = await ask(probe(name));
        expect(answer, `${name} while down`).toMatchObject({ status: 503, code: 'dependency_unavailable' });
        expect(Number(answer.retryAfter), `${name}: Retry-After`).toBeGreaterThan(0);
      }
      const onceBack = fault.whileDown ? await fault.whileDown() : undefined;
      await sleep(1_000); // the load keeps running against the dead server
      const restartedAt = Date.now();
      await fault.restart();
      restarted = true;
      phase = 'back';
      await waitUntil('readiness to turn 200', async () => (await ask(probe('readiness'))).status === 200, RECOVERY_BOUND_MS, 100);
      for (const p of LOAD) {
        await waitUntil(`${p.name} to succeed again`, async () => (await ask(p)).status === p.ok, RECOVERY_BOUND_MS, 100);
      }
      console.log(`${fault.name}: recovered ${Date.now() - restartedAt} ms after the restart`);
      // The worker and the queue are back too: a new tenant is provisioned.
      await activeTenant(client(stack!.info.apiUrl), {}, owner);
      await onceBack?.();
    } finally {
      await stopLoad();
      if (!restarted) await fault.restart().catch(() => undefined); // the next case needs the server
    }

    // Every answer, whatever the phase: quick, an HTTP answer, a success or a 503 of ours.
    const slow = answers.filter((a) => a.ms > ANSWER_BOUND_MS);
    expect(slow, 'answers slower than the bound').toEqual([]);
    expect(answers.filter((a) => a.status === 0), 'requests without an HTTP answer').toEqual([]);
    const wrong = answers.filter((a) => a.status !== probe(a.probe).ok && a.status !== 503);
    expect(wrong, 'answers other than success or 503').toEqual([]);
    const unlabelled = answers.filter((a) => a.status === 503 && a.probe !== 'readiness' && (a.code !== 'dependency_unavailable' || !a.retryAfter));
    expect(unlabelled, '503s without dependency_unavailable and Retry-After').toEqual([]);
    expect(answers.filter((a) => a.phase === 'down' && a.status === 503).length).toBeGreaterThan(0);
    const downMs = answers.filter((a) => a.phase === 'down').map((a) => a.ms);
    console.log(`${fault.name}: ${answers.length} requests, ${downMs.length} while down (slowest ${Math.max(...downMs)} ms)`);

    // Neither process died on the way.
    expect(stack!.api!.child.exitCode).toBeNull();
    expect(stack!.worker!.child.exitCode).toBeNull();
  });
});
