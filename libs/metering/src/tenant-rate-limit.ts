import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';
import { effectiveLimit, type TenantRow } from '../../tenancy/src/index.js';
import { emissionIntervalUs, GCRA_LUA, gcraGroup } from './gcra.util.js';
import { TenantRateLimited } from './metering.errors.js';

export interface RateDecision {
  limit: number;
  remaining: number;
  resetsAt: Date;
}

/** {granted, remaining, retry_after_us, reset_after_us}: the script's answer. */
type GcraReply = [number, number, number, number];
interface Decision {
  /** How many of the group pass (the first ones). */
  granted: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
}
type GcraRedis = Redis & { tenantryGcra(key: string, limit: number, intervalUs: number, cost: number): Promise<GcraReply> };

/** In-process stand-in states kept at most; beyond it, the full buckets (TAT passed) are dropped. */
const LOCAL_SWEEP_AT = 10_000;

/** The most requests one script call decides; more wait for the call after it. */
const MAX_GROUP = 1000;

/** Requests waiting for a decision, in arrival order. */
type Group = Array<{ resolve(d: RateDecision): void; reject(error: unknown): void }>;

/**
 * The per-tenant request rate (rate_limit_per_minute = L): GCRA in Redis (gcra.util.ts), an
 * atomic script on the key `<prefix>:t:<tenant>:gcra`, so it holds across every API process. A
 * quiet tenant may send L requests at once, then one every 60000/L ms; there is no window
 * boundary at which a second allowance appears. Should Redis fail (an error or the command
 * timeout), the same algorithm on an in-process state stands in, per process, with the same
 * limit (what rate-limiter-flexible's insurance limiter did before).
 *
 * A round trip per request was most of what metering cost (bench P5), so a process coalesces a
 * tenant's concurrent requests: the first is sent at once; those arriving while a call is in
 * flight wait and go together as one call of cost n when it returns (GCRA decides n at once
 * exactly as n one after another, gcraGroup). Nothing is loosened: the script still counts every
 * request against the one shared state. A waiting request is delayed by the call in flight (at
 * most a round trip, unless over MAX_GROUP wait).
 */
@Injectable()
export class TenantRateLimit {
  private readonly local = new Map<string, number>();
  /**
   * Per tenant and limit with a call in flight: the requests that came since, for the next
   * call. Keyed by the limit too: a request that read a changed limit starts a line of its own
   * rather than being decided under the old one (two lines in flight are just two callers of
   * an atomic script, like two processes).
   */
  private readonly waiting = new Map<string, Group>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    // ioredis sends EVALSHA, and EVAL once when the server does not know the script yet.
    this.redis.defineCommand('tenantryGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  }

  private key(tenantId: string): string {
    return `${this.config.REDIS_PREFIX}:t:${tenantId}:gcra`;
  }

  /** The tenant's requests per minute (its plan's, or its override), times TENANT_RATE_LIMIT_SCALE. */
  limitOf(tenant: TenantRow): number {
    return Math.max(1, Math.round(effectiveLimit(tenant, 'rate_limit_per_minute') * this.config.TENANT_RATE_LIMIT_SCALE));
  }

  /** `cost` requests decided at once (0: a peek); never rejects: without Redis, decideLocally. */
  private async decide(tenantId: string, limit: number, cost: number): Promise<Decision> {
    try {
      const [granted, remaining, retryAfterUs, resetAfterUs] = await (this.redis as GcraRedis).tenantryGcra(this.key(tenantId), limit, emissionIntervalUs(limit), cost);
      return { granted, remaining, retryAfterMs: retryAfterUs / 1000, resetAfterMs: resetAfterUs / 1000 };
    } catch {
      return this.decideLocally(tenantId, limit, cost);
    }
  }

  private decideLocally(tenantId: string, limit: number, cost: number): Decision {
    const now = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const result = gcraGroup(this.local.get(tenantId), now, limit, cost);
    if (result.granted > 0) {
      if (this.local.size >= LOCAL_SWEEP_AT) for (const [id, tat] of this.local) if (tat <= now) this.local.delete(id);
      this.local.set(tenantId, result.tat);
    }
    return { granted: result.granted, remaining: result.remaining, retryAfterMs: result.retryAfterUs / 1000, resetAfterMs: result.resetAfterUs / 1000 };
  }

  /** Counts one request; 429 `rate_limited` (with the decision, for the headers) when the tenant is over its rate. */
  consume(tenant: TenantRow): Promise<RateDecision> {
    const limit = this.limitOf(tenant);
    const line = `${tenant.id}:${limit}`;
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(line);
      if (waiting) {
        waiting.push({ resolve, reject }); // decided with the others when the call in flight returns
      } else {
        this.waiting.set(line, []);
        this.send(tenant.id, limit, line, [{ resolve, reject }]); // none in flight: at once, alone
      }
    });
  }

  /** Decides `group` in one call and answers each of its requests; then the next group of the line, or the line ends. */
  private send(tenantId: string, limit: number, line: string, group: Group): void {
    void this.decide(tenantId, limit, group.length)
      .then((d) => {
        // The i-th granted request is answered as if the group had been sent one by one: it
        // left (granted - 1 - i) more behind it, T apart; every refused one is told when the
        // next request would pass, as a lone refused request would be.
        const now = Date.now();
        const intervalMs = emissionIntervalUs(limit) / 1000;
        const resetsAt = new Date(now + d.resetAfterMs);
        group.forEach(({ resolve, reject }, i) => {
          const behind = d.granted - 1 - i;
          if (behind >= 0) resolve({ limit, remaining: d.remaining + behind, resetsAt: new Date(now + d.resetAfterMs - behind * intervalMs) });
          else reject(Object.assign(new TenantRateLimited(limit, d.retryAfterMs / 1000, resetsAt), { decision: { limit, remaining: d.remaining, resetsAt } }));
        });
      })
      .catch((error: unknown) => group.forEach(({ reject }) => reject(error))) // a bug, not Redis (decide falls back): never leave them waiting
      .finally(() => {
        const next = this.waiting.get(line)!;
        if (next.length === 0) this.waiting.delete(line);
        else this.send(tenantId, limit, line, next.splice(0, MAX_GROUP));
      });
  }

  /**
   * The bucket without counting a request: `used` is L minus what could be sent now (the
   * requests of the last minute not yet drained at one per 60000/L ms), `resetsAt` when it is
   * full again (null: it is).
   */
  async peek(tenant: TenantRow): Promise<{ used: number; resetsAt: Date | null }> {
    const limit = this.limitOf(tenant);
    const d = await this.decide(tenant.id, limit, 0);
    return { used: limit - d.remaining, resetsAt: d.resetAfterMs > 0 ? new Date(Date.now() + d.resetAfterMs) : null };
  }
}
