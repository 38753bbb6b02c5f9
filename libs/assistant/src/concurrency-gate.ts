import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';

// Drop slots whose holder died (their expiry passed), then take one if fewer than the limit are held.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * max_concurrent_sessions, counted as chat requests in flight per tenant across every API
 * process (a sorted set in Redis: one member per request, scored by when it expires, so a slot
 * held by a process that died frees itself after the longest a call may take). Open sessions
 * are not counted: a session is a conversation a user may come back to for months, while the
 * noisy-neighbour cost seed 001 guards against is concurrent provider calls.
 */
@Injectable()
export class ConcurrencyGate {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** A slot (release it in `finally`), or null when `limit` are taken. */
  async acquire(tenantId: string, limit: number, holdMs: number): Promise<(() => Promise<void>) | null> {
    const key = `${this.config.REDIS_PREFIX}:chat-inflight:${tenantId}`;
    const id = randomUUID();
    const now = Date.now();
    const ttl = holdMs + 30_000;
    const ok = (await this.redis.eval(ACQUIRE, 1, key, now, limit, now + ttl, id, ttl)) as number;
    if (ok !== 1) return null;
    return async () => {
      await this.redis.zrem(key, id).catch(() => undefined); // it expires by itself otherwise
    };
  }
}
