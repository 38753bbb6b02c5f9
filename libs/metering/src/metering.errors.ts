import { DomainError } from '../../common/src/index.js';

/** 402: a monthly budget (tokens, messages) would be exceeded; says which, what is used and when it resets. */
export class QuotaExceeded extends DomainError {
  constructor(details: { quota: string; limit: number; used: number; requested: number; resets_at: string; tenant_id: string }) {
    super('payment_required', 'quota_exceeded', `The ${details.quota} of ${details.limit} is used up (${details.used} used); it resets at ${details.resets_at}`, details);
  }
}

/** 429: the tenant is over its requests per minute; Retry-After says when the next request would pass. */
export class TenantRateLimited extends DomainError {
  constructor(limit: number, retryAfterSeconds: number, resetsAt: Date) {
    super('rate_limited', 'rate_limited', `Rate limit exceeded: rate_limit_per_minute is ${limit} requests per minute for this tenant`, {
      quota: 'rate_limit_per_minute',
      limit,
      resets_at: resetsAt.toISOString(),
    });
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
