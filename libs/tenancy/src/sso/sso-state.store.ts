import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ErrorKind } from '../../../common/src/index.js';
import { AppConfig } from '../../../config/src/index.js';
import { REDIS } from '../../../redis/src/index.js';

/** What the callback needs of the login it finishes. */
export interface SsoPending {
  code_verifier: string;
  nonce: string;
  /**
   * 'app': the dashboard began this login (`?to=app`); the callback hands its outcome to the
   * browser that began it instead of answering JSON. A fixed marker, never a URL.
   */
  to?: 'app';
  /** sha256 of the browser cookie the dashboard's login began with (the callback must come with it). */
  browser?: string;
}

/** A dashboard login's outcome, waiting for the dashboard to claim it (POST /api/v1/auth/sso/handoff). */
export type SsoHandoff<T> = { token: T } | { error: { kind: ErrorKind; code: string; message: string } };

/** Ten minutes to sign in at the provider. */
export const SSO_STATE_TTL_S = 600;
/** Two minutes for the dashboard to claim a finished login (it does so as soon as it loads). */
export const SSO_HANDOFF_TTL_S = 120;
const MAX_STATE_LENGTH = 256;

/** The hex sha256 the store keys (and the browser cookie's check) use. */
export const ssoDigest = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * Logins in flight, in Redis under the tenant (`<prefix>:sso:<tenant id>:<sha256(state)>`), so
 * any API process finishes a login another began. A state is taken once (GETDEL): a replayed
 * callback finds nothing. Only its hash is a key: the state in a URL is not a Redis key.
 * Dashboard logins end in a handoff (`<prefix>:sso-handoff:<sha256(code)>`), taken once too.
 */
@Injectable()
export class SsoStateStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private key(tenantId: string, state: string): string {
    return `${this.config.REDIS_PREFIX}:sso:${tenantId}:${ssoDigest(state)}`;
  }

  private handoffKey(code: string): string {
    return `${this.config.REDIS_PREFIX}:sso-handoff:${ssoDigest(code)}`;
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

  async putHandoff<T>(code: string, handoff: SsoHandoff<T>): Promise<void> {
    await this.redis.set(this.handoffKey(code), JSON.stringify(handoff), 'EX', SSO_HANDOFF_TTL_S);
  }

  /** The handoff of the code, once; null for an unknown, spent or expired code. */
  async takeHandoff<T>(code: string): Promise<SsoHandoff<T> | null> {
    if (code.length === 0 || code.length > MAX_STATE_LENGTH) return null;
    const raw = await this.redis.getdel(this.handoffKey(code));
    return raw ? (JSON.parse(raw) as SsoHandoff<T>) : null;
  }
}
