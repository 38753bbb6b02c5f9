import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';
import { effectiveLimit, type TenantRow } from '../../tenancy/src/index.js';
import { TenantRateLimited } from './metering.errors.js';

const WINDOW_S = 60;

export interface RateDecision {
  limit: number;
  remaining: number;
  resetsAt: Date;
}

/**
 * The per-tenant request rate (rate_limit_per_minute): a 60-second window per tenant in Redis
 * (rate-limiter-flexible; key `<prefix>:t:<tenant>:rate`), so it holds across every API
 * process. Should Redis fail, an in-process limiter with the same limit stands in (per process).
 */
@Injectable()
export class TenantRateLimit {
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private limiter(points: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.config.REDIS_PREFIX}:t`,
        points,
        duration: WINDOW_S,
        insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_S }),
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }

  /** The tenant's requests per minute (its plan's, or its override), times TENANT_RATE_LIMIT_SCALE. */
  limitOf(tenant: TenantRow): number {
    return Math.max(1, Math.round(effectiveLimit(tenant, 'rate_limit_per_minute') * this.config.TENANT_RATE_LIMIT_SCALE));
  }

  /** Counts one request; 429 `rate_limited` (with the decision, for the headers) when the window is used up. */
  async consume(tenant: TenantRow): Promise<RateDecision> {
    const limit = this.limitOf(tenant);
    try {
      const res = await this.limiter(limit).consume(`${tenant.id}:rate`);
      return { limit, remaining: res.remainingPoints, resetsAt: new Date(Date.now() + res.msBeforeNext) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const resetsAt = new Date(Date.now() + error.msBeforeNext);
      throw Object.assign(new TenantRateLimited(limit, error.msBeforeNext / 1000, resetsAt), { decision: { limit, remaining: 0, resetsAt } });
    }
  }

  /** The current window without counting a request. */
  async peek(tenant: TenantRow): Promise<{ used: number; resetsAt: Date | null }> {
    const res = await this.limiter(this.limitOf(tenant)).get(`${tenant.id}:rate`);
    return res ? { used: res.consumedPoints, resetsAt: new Date(Date.now() + res.msBeforeNext) } : { used: 0, resetsAt: null };
  }
}
