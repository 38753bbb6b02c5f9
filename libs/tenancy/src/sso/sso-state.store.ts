import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../config/src/index.js';
import { REDIS } from '../../../redis/src/index.js';

/** What the callback needs of the login it finishes. */
export interface SsoPending {
  code_verifier: string;
  nonce: string;
}

/** Ten minutes to sign in at the provider. */
export const SSO_STATE_TTL_S = 600;
const MAX_STATE_LENGTH = 256;

/**
 * Logins in flight, in Redis under the tenant (`<prefix>:sso:<tenant id>:<sha256(state)>`), so
 * any API process finishes a login another began. A state is taken once (GETDEL): a replayed
 * callback finds nothing. Only its hash is a key: the state in a URL is not a Redis key.
 */
@Injectable()
export class SsoStateStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private key(tenantId: string, state: string): string {
    return `${this.config.REDIS_PREFIX}:sso:${tenantId}:${createHash('sha256').update(state).digest('hex')}`;
  }

  async put(tenantId: string, state: string, pending: SsoPending): Promise<void> {
    await this.redis.set(this.key(tenantId, state), JSON.stringify(pending), 'EX', SSO_STATE_TTL_S);
  }

  /** The login the state began in this tenant, once; null for an unknown, spent, expired or another tenant's state. */
  async take(tenantId: string, state: string): Promise<SsoPending | null> {
    if (state.length === 0 || state.length > MAX_STATE_LENGTH) return null;
    const raw = await this.redis.getdel(this.key(tenantId, state));
    return raw ? (JSON.parse(raw) as SsoPending) : null;
  }
}
