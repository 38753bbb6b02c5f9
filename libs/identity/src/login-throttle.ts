import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimited } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';

const LOGIN_WINDOW_S = 15 * 60;

/** A limiter's refusal (a RateLimiterRes) as our 429; anything else (Redis down) as is. */
function refused(error: unknown, message: string): unknown {
  return error instanceof RateLimiterRes ? new RateLimited(message, error.msBeforeNext / 1000) : error;
}

/**
 * Counters in Redis (shared by every API process): failed logins per account and per
 * client IP over 15 minutes, successful registrations per IP per minute.
 */
@Injectable()
export class LoginThrottle {
  private readonly failsPerAccount: RateLimiterRedis;
  private readonly failsPerIp: RateLimiterRedis;
  private readonly registrationsPerIp: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, config: AppConfig) {
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.REDIS_PREFIX}:rl:${name}`, points, duration });
    this.failsPerAccount = limiter('login-fails-account', config.LOGIN_FAILS_PER_ACCOUNT, LOGIN_WINDOW_S);
    this.failsPerIp = limiter('login-fails-ip', config.LOGIN_FAILS_PER_IP, LOGIN_WINDOW_S);
    this.registrationsPerIp = limiter('registrations-ip', config.REGISTRATIONS_PER_IP_PER_MINUTE, 60);
  }

  /** 429 while the account or the IP has used up its failed logins, even for the right password. */
  async assertMayLogin(email: string, ip: string): Promise<void> {
    const [account, client] = await Promise.all([this.failsPerAccount.get(email), this.failsPerIp.get(ip)]);
    if (account && account.consumedPoints >= this.failsPerAccount.points) {
      throw new RateLimited('Too many failed sign-ins for this account: try again later', account.msBeforeNext / 1000);
    }
    if (client && client.consumedPoints >= this.failsPerIp.points) {
      throw new RateLimited('Too many failed sign-ins from this address: try again later', client.msBeforeNext / 1000);
    }
  }

  async loginFailed(email: string, ip: string): Promise<void> {
    // Past the limit consume() rejects with a RateLimiterRes: the counter is what matters here.
    const count = (limiter: RateLimiterRedis, key: string) =>
      limiter.consume(key).catch((error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
    await Promise.all([count(this.failsPerAccount, email), count(this.failsPerIp, ip)]);
  }

  async loginSucceeded(email: string): Promise<void> {
    await this.failsPerAccount.delete(email);
  }

  /** Runs `register` if this IP may register once more; a registration that fails is not counted. */
  async registration<T>(ip: string, register: () => Promise<T>): Promise<T> {
    await this.registrationsPerIp.consume(ip).catch((error: unknown) => {
      throw refused(error, 'Too many registrations from this address: try again later');
    });
    try {
      return await register();
    } catch (error) {
      await this.registrationsPerIp.reward(ip).catch(() => undefined);
      throw error;
    }
  }
}
