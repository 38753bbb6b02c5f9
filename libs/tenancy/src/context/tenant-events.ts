import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../config/src/index.js';
import { publishChange, REDIS } from '../../../redis/src/index.js';

export interface TenantChanged {
  id: string;
  slug?: string;
  status?: string;
}

export function tenantEventsChannel(config: AppConfig): string {
  return `${config.REDIS_PREFIX}:tenant-changed`;
}

/**
 * Tells every API process that a tenant (or its memberships) changed, so their caches
 * drop it at once (this process's synchronously). Published after the change is committed.
 */
@Injectable()
export class TenantEvents {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async changed(event: TenantChanged): Promise<void> {
    await publishChange(this.redis, tenantEventsChannel(this.config), event);
  }
}
