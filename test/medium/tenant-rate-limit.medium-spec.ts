// Medium tier: the per-tenant rate limit against a real Redis. The GCRA script decides a group
// of n requests as gcraGroup (its TypeScript twin) does, and TenantRateLimit coalesces a
// tenant's concurrent requests into a few script calls without letting one more through.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppConfig } from '../../libs/config/src/index.js';
import { emissionIntervalUs, GCRA_LUA, gcraGroup, type RateDecision, TenantRateLimit, TenantRateLimited } from '../../libs/metering/src/index.js';
import type { TenantRow } from '../../libs/tenancy/src/index.js';

const shared = inject('stack');
const prefix = `rl${randomBytes(4).toString('hex')}`;
/** All TenantRateLimit reads of the configuration. */
const config = { REDIS_PREFIX: prefix, TENANT_RATE_LIMIT_SCALE: 1 } as AppConfig;
const clients: Redis[] = [];

/** A client as the API's (createRedis): one retry, a command timeout. */
function client(url = shared.redisUrl, commandTimeout = 5000): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

/** What limitOf reads of a tenant: its limit is the settings override. */
function tenant(limit: number): TenantRow {
  return { id: randomUUID(), plan: 'free', settings: { rate_limit_per_minute: limit }, max_members: 1, max_api_keys: 1 } as unknown as TenantRow;
}

/** From now on, the cost (ARGV[3]) of every script call the client sends. */
function scriptCalls(redis: Redis): number[] {
  const costs: number[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    if (command.name === 'evalsha' || command.name === 'eval') costs.push(Number(command.args.at(-1)));
    return send(command, stream);
  };
  return costs;
}

/** `n` requests of the tenant at once, in this order: what each was answered. */
async function burst(limiter: TenantRateLimit, t: TenantRow, n: number): Promise<Array<RateDecision | TenantRateLimited>> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => limiter.consume(t)));
  return settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as TenantRateLimited)));
}
const allowed = (rs: Array<RateDecision | TenantRateLimited>) => rs.filter((r): r is RateDecision => !(r instanceof Error));
const refused = (rs: Array<RateDecision | TenantRateLimited>) => rs.filter((r): r is TenantRateLimited => r instanceof TenantRateLimited);

let redis: Redis;

beforeAll(() => {
  redis = client();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  for (const c of clients) c.disconnect();
});

describe('the GCRA script with a cost of n', () => {
  it('answers and stores what gcraGroup computes, to the µs, on a pinned clock', async () => {
    // TIME replaced by two arguments: the same script on a clock the test sets, so that every
    // boundary (a TAT one µs either side of a step) is hit exactly. It also answers what it left
    // in the key, read in the same script, before a PX of 1 ms can pass.
    const body = GCRA_LUA.replace("redis.call('TIME')", '{ARGV[4], ARGV[5]}');
    expect(body).not.toBe(GCRA_LUA);
    const pinned = `local reply = (function()\n${body}\nend)()\nreturn {reply, redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;
    const now = 1_800_000_000_000_123;
    const key = `${prefix}:sweep`;
    let cases = 0;
    for (const limit of [1, 6, 7, 100, 100_000]) {
      const T = emissionIntervalUs(limit);
      const W = limit * T;
      for (const stored of [undefined, now - 5_000_000, now, now + 1, now + T - 1, now + 3 * T + 7, now + W - T, now + W - T + 1, now + W, now + 2 * W]) {
        for (const n of new Set([0, 1, 2, 3, limit - 1, limit, limit + 1, limit + 5].filter((x) => x >= 0))) {
          if (stored === undefined) await redis.del(key);
          else await redis.set(key, String(stored));
          const [reply, left, ttl] = (await redis.eval(pinned, 1, key, limit, T, n, Math.floor(now / 1e6), now % 1e6)) as [number[], string | null, number];
          const expected = gcraGroup(stored, now, limit, n);
          const label = `limit ${limit}, stored ${stored === undefined ? stored : stored - now}, n ${n}`;
          expect(reply, label).toEqual([expected.granted, expected.remaining, expected.retryAfterUs, expected.resetAfterUs]);
          if (expected.granted > 0) {
            // Kept as long as the TAT is ahead: PX (tat - now) in ms, rounded up (PTTL may be a ms less).
            expect(left, label).toBe(String(expected.tat));
            expect(Math.ceil((expected.tat - now) / 1000) - ttl, label).toBeOneOf([0, 1]);
          }
          else expect([left, ttl], label).toEqual(stored === undefined ? [null, -2] : [String(stored), -1]);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(300);
  });

  it('on the server clock too: the same answers as gcraGroup at the time the script read', async () => {
    const limit = 6;
    const T = emissionIntervalUs(limit);
    const key = `${prefix}:clock`;
    const serverNow = async () => {
      const [s, us] = await redis.time();
      return Number(s) * 1e6 + Number(us);
    };
    for (const offset of [undefined, -T, T / 2, 2 * T + T / 2, 5 * T + T / 2, 7 * T]) {
      for (const n of [1, 3, 7]) {
        const before = await serverNow();
        const stored = offset === undefined ? undefined : before + offset;
        if (stored === undefined) await redis.del(key);
        else await redis.set(key, String(stored));
        const reply = (await redis.eval(GCRA_LUA, 1, key, limit, T, n)) as number[];
        const after = await serverNow();
        // The script's `now`: its reset_after is the TAT it left (stored, or the one it set) minus now.
        const [granted, , , resetAfterUs] = reply;
        const now = (granted! > 0 ? Number(await redis.get(key)) : stored!) - resetAfterUs!;
        expect(now).toBeGreaterThanOrEqual(before);
        expect(now).toBeLessThanOrEqual(after);
        const expected = gcraGroup(stored, now, limit, n);
        expect(reply, `offset ${offset}, n ${n}`).toEqual([expected.granted, expected.remaining, expected.retryAfterUs, expected.resetAfterUs]);
      }
    }
  });
});

describe('TenantRateLimit coalesces concurrent requests of a tenant', () => {
  it('200 at once with a limit of 50: exactly 50 pass, in arrival order, in two script calls; another tenant keeps its own', async () => {
    const c = client();
    const limiter = new TenantRateLimit(c, config);
    await limiter.peek(tenant(1)); // the first script call on a connection sends the text (EVAL), later ones EVALSHA
    const costs = scriptCalls(c);
    const a = tenant(50);
    const b = tenant(50);
    const [ra, rb] = await Promise.all([burst(limiter, a, 200), burst(limiter, b, 10)]);

    // The first of each tenant went alone, the rest as one group when it returned.
    expect(costs.sort((x, y) => x - y)).toEqual([1, 1, 9, 199]);
    expect(ra.slice(0, 50).every((r) => !(r instanceof Error))).toBe(true);
    expect(refused(ra)).toHaveLength(150);
    expect(allowed(ra).map((d) => d.remaining)).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
    expect(allowed(ra).map((d) => d.limit)).toEqual(Array<number>(50).fill(50));
    expect(allowed(ra).at(-1)!.resetsAt.getTime()).toBeGreaterThan(Date.now() + 55_000);
    for (const e of refused(ra)) {
      // The next request passes T = 1.2 s after the burst's first: Retry-After is 2 s (1 if it took long).
      expect(e.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(e.retryAfterSeconds).toBeLessThanOrEqual(2);
      expect((e as unknown as { decision: RateDecision }).decision).toMatchObject({ limit: 50, remaining: 0 });
      expect(e.code).toBe('rate_limited');
    }
    expect(allowed(rb).map((d) => d.remaining)).toEqual(Array.from({ length: 10 }, (_, i) => 49 - i));

    // The shared state counted each passed request once.
    expect(await limiter.peek(a)).toMatchObject({ used: 50 });
    expect(await limiter.peek(b)).toMatchObject({ used: 10 });
  });

  it('a group is at most 1,000 requests: the others go in the next call', async () => {
    const c = client();
    const limiter = new TenantRateLimit(c, config);
    await limiter.peek(tenant(1));
    const costs = scriptCalls(c);
    const rs = await burst(limiter, tenant(100_000), 2500);
    expect(allowed(rs)).toHaveLength(2500);
    expect(costs).toEqual([1, 1000, 1000, 499]);
  });

  it('a Redis that does not answer: each group falls back to the in-process GCRA after the command timeout, none hangs', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const c = client(`redis://127.0.0.1:${port}`, 300);
      const costs = scriptCalls(c);
      const limiter = new TenantRateLimit(c, config);
      const started = Date.now();
      const rs = await burst(limiter, tenant(5), 20);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(costs).toEqual([1, 19]);
      expect(allowed(rs).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
      expect(rs.slice(0, 5).every((r) => !(r instanceof Error))).toBe(true);
      expect(refused(rs)).toHaveLength(15);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
