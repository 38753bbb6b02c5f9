import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';
import { effectiveLimit, type TenantRow } from '../../tenancy/src/index.js';
import { emissionIntervalUs, gcra, GCRA_LUA } from './gcra.util.js';
import { TenantRateLimited } from './metering.errors.js';

export interface RateDecision {
  limit: number;
  remaining: number;
  resetsAt: Date;
}

/** {allowed 0|1, remaining, retry_after_us, reset_after_us}: the script's answer. */
type GcraReply = [number, number, number, number];
interface Decision {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
}
type GcraRedis = Redis & { tenantryGcra(key: string, limit: number, intervalUs: number, cost: number): Promise<GcraReply> };

/** In-process stand-in states kept at most; beyond it, the full buckets (TAT passed) are dropped. */
const LOCAL_SWEEP_AT = 10_000;

/**
 * The per-tenant request rate (rate_limit_per_minute = L): GCRA in Redis (gcra.util.ts), one
 * atomic script per request on the key `<prefix>:t:<tenant>:gcra`, so it holds across every API
 * process. A quiet tenant may send L requests at once, then one every 60000/L ms; there is no
 * window boundary at which a second allowance appears. Should Redis fail (an error or the
 * command timeout), the same algorithm on an in-process state stands in, per process, with
 * the same limit (what rate-limiter-flexible's insurance limiter did before).
 */
@Injectable()
export class TenantRateLimit {
  private readonly local = new Map<string, number>();

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

  private async decide(tenantId: string, limit: number, cost: 0 | 1): Promise<Decision> {
    try {
      const [allowed, remaining, retryAfterUs, resetAfterUs] = await (this.redis as GcraRedis).tenantryGcra(this.key(tenantId), limit, emissionIntervalUs(limit), cost);
      return { allowed: allowed === 1, remaining, retryAfterMs: retryAfterUs / 1000, resetAfterMs: resetAfterUs / 1000 };
    } catch {
      return this.decideLocally(tenantId, limit, cost);
    }
  }

  private decideLocally(tenantId: string, limit: number, cost: 0 | 1): Decision {
    const now = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const result = gcra(this.local.get(tenantId), now, limit, cost);
    if (cost === 1 && result.allowed) {
      if (this.local.size >= LOCAL_SWEEP_AT) for (const [id, tat] of this.local) if (tat <= now) this.local.delete(id);
      this.local.set(tenantId, result.tat);
    }
    return { allowed: result.allowed, remaining: result.remaining, retryAfterMs: result.retryAfterUs / 1000, resetAfterMs: result.resetAfterUs / 1000 };
  }

  /** Counts one request; 429 `rate_limited` (with the decision, for the headers) when the tenant is over its rate. */
  async consume(tenant: TenantRow): Promise<RateDecision> {
    const limit = this.limitOf(tenant);
    const d = await this.decide(tenant.id, limit, 1);
    const resetsAt = new Date(Date.now() + d.resetAfterMs);
    if (d.allowed) return { limit, remaining: d.remaining, resetsAt };
    throw Object.assign(new TenantRateLimited(limit, d.retryAfterMs / 1000, resetsAt), { decision: { limit, remaining: d.remaining, resetsAt } });
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
