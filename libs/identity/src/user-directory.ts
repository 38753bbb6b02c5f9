import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { type ChangeSubscription, REDIS, subscribeToChanges } from '../../redis/src/index.js';
import { userEventsChannel, type UserChanged } from './user-events.js';
import { type UserAccess, UsersRepository } from './users.repository.js';

interface Entry {
  value: UserAccess;
  expires: number;
}

const MAX_ENTRIES = 100_000;
const GONE: UserAccess = { exists: false, isPlatformAdmin: false, tokenVersion: -1 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Per-process cache of what every request needs to know about its user: does it still
 * exist, is it a platform admin, which token version is current. Every process subscribes
 * to the user-changed channel and drops what changed at once; the TTL bounds staleness
 * should a message be lost (and the cache is cleared on every reconnect).
 */
@Injectable()
export class UserDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(UserDirectory.name);
  private readonly users = new Map<string, Entry>();
  private subscription?: ChangeSubscription;
  /**
   * Bumped by every invalidation. A load that was in flight when an invalidation arrived
   * may hold the row from before the change, so it is returned but not cached.
   */
  private generation = 0;

  constructor(
    private readonly repo: UsersRepository,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await subscribeToChanges<UserChanged>(
      this.redis,
      userEventsChannel(this.config),
      { changed: (event) => this.forget(event.id), reset: () => this.clear() },
      this.logger,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** The user's access facts; a cache hit is one Map lookup. */
  async access(id: string): Promise<UserAccess> {
    const hit = this.users.get(id);
    if (hit && hit.expires > Date.now()) return hit.value;
    return this.load(id);
  }

  /** Reads the row, bypassing the cache (and caches it unless an invalidation raced the read). */
  async load(id: string): Promise<UserAccess> {
    const generation = this.generation;
    const value = UUID.test(id) ? ((await this.repo.accessOf(id)) ?? GONE) : GONE;
    if (generation === this.generation) {
      if (this.users.size >= MAX_ENTRIES) this.users.clear();
      this.users.set(id, { value, expires: Date.now() + this.config.USER_CACHE_TTL_MS });
    }
    return value;
  }

  forget(id: string): void {
    this.generation++;
    this.users.delete(id);
  }

  clear(): void {
    this.generation++;
    this.users.clear();
  }
}
