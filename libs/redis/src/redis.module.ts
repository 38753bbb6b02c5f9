import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';

export const REDIS = Symbol('REDIS');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The longest pause between two reconnection attempts: a Redis that is back is found within a second. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * The general-purpose connection. Requests wait on it for at most REDIS_COMMAND_TIMEOUT_MS,
 * outage or not (commandTimeout; maxRetriesPerRequest also drops commands queued while
 * reconnecting after one failed attempt): the error becomes a 503. It reconnects by itself;
 * its 'error' events (one per failed attempt) are logged once per outage, never unhandled.
 */
export function createRedis(config: AppConfig, logger = new Logger('Redis')): Redis {
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn(`Redis unavailable: ${err.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.log('Redis available again');
    down = false;
  });
  return redis;
}

/** One general-purpose Redis connection per process (cache invalidation, readiness). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createRedis(config),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
