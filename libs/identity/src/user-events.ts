import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { publishChange, REDIS } from '../../redis/src/index.js';

export interface UserChanged {
  id: string;
}

export function userEventsChannel(config: AppConfig): string {
  return `${config.REDIS_PREFIX}:user-changed`;
}

/**
 * Tells every API process that a user changed (admin flag, password, deleted), so their
 * user caches drop it at once (this process's synchronously). Published after the change is committed.
 */
@Injectable()
export class UserEvents {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async changed(event: UserChanged): Promise<void> {
    await publishChange(this.redis, userEventsChannel(this.config), event);
  }
}
