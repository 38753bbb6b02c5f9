import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../config/src/index.js';
import type { MemberRole } from '../../../database/src/index.js';
import { type UserChanged, userEventsChannel } from '../../../identity/src/index.js';
import { type ChangeSubscription, REDIS, subscribeToChanges } from '../../../redis/src/index.js';
import { tenantEventsChannel, type TenantChanged } from './tenant-events.js';
import { isUuid, TenantsRepository, type TenantRow } from '../tenants/tenants.repository.js';

interface Entry<T> {
  value: T;
  expires: number;
}

const MAX_ENTRIES = 50_000;
const SLUG_KEY = /^[a-z0-9-]{1,64}$/;

/**
 * The one spelling of a tenant key: uuids in lower case, slugs as they are (lower case by
 * rule); null for anything that can name no tenant. Every cache entry is stored under it,
 * so no spelling of a key can keep an entry alive that an invalidation drops.
 */
export function tenantKey(key: string): string | null {
  if (isUuid(key)) return key.toLowerCase();
  return SLUG_KEY.test(key) ? key : null;
}

/**
 * Short-lived, per-process cache of tenants (by id and slug) and of membership roles,
 * in front of `public.tenants` and `public.memberships`. Every process subscribes to the
 * tenant-changed channel and drops what changed at once; the TTL bounds staleness
 * should a message be lost (and the cache is cleared on every reconnect).
 */
@Injectable()
export class TenantDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantDirectory.name);
  private readonly tenants = new Map<string, Entry<TenantRow | null>>();
  /** Custom domain -> tenant id; any tenant change clears it all (domains change rarely, and a claim must show at once). */
  private readonly domains = new Map<string, Entry<string | null>>();
  /** Roles by tenant, then user: a tenant's invalidation drops its roles without a scan. */
  private readonly roles = new Map<string, Map<string, Entry<MemberRole | null>>>();
  private roleCount = 0;
  private subscription?: ChangeSubscription;
  private userSubscription?: ChangeSubscription;
  /**
   * Bumped by every invalidation. A lookup that was in flight when an invalidation arrived
   * may hold the row from before the change, so it is returned but not cached (else the
   * stale row would outlive the event that should have dropped it, for a whole TTL).
   */
  private generation = 0;

  constructor(
    private readonly repo: TenantsRepository,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await subscribeToChanges<TenantChanged>(
      this.redis,
      tenantEventsChannel(this.config),
      { changed: (event) => this.forget(event), reset: () => this.clear() },
      this.logger,
    );
    // A user's memberships changed outside a tenant's routes (an invitation accepted): drop their roles.
    this.userSubscription = await subscribeToChanges<UserChanged>(
      this.redis,
      userEventsChannel(this.config),
      { changed: (event) => this.forgetUser(event.id), reset: () => this.clear() },
      this.logger,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.subscription?.close(), this.userSubscription?.close()]);
  }

  /** Drops the user's cached role in every tenant. */
  forgetUser(userId: string): void {
    this.generation++;
    for (const byUser of this.roles.values()) if (byUser.delete(userId)) this.roleCount--;
  }

  /** A tenant by uuid or slug (null: no such tenant). */
  async find(raw: string): Promise<TenantRow | null> {
    const key = tenantKey(raw);
    if (key === null) return null;
    const hit = this.tenants.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const generation = this.generation;
    const row = await this.repo.findByKey(key);
    if (generation !== this.generation) return row;
    this.put(key, row);
    if (row) {
      this.put(row.id, row);
      this.put(row.slug, row);
    }
    return row;
  }

  /** The tenant that claims a custom domain (null: none, or no such tenant any more). */
  async findByDomain(domain: string): Promise<TenantRow | null> {
    const hit = this.domains.get(domain);
    let tenantId: string | null;
    if (hit && hit.expires > Date.now()) {
      tenantId = hit.value;
    } else {
      const generation = this.generation;
      tenantId = await this.repo.tenantIdByDomain(domain);
      if (generation === this.generation) {
        if (this.domains.size >= MAX_ENTRIES) this.domains.clear();
        this.domains.set(domain, { value: tenantId, expires: Date.now() + this.config.TENANT_CACHE_TTL_MS });
      }
    }
    return tenantId === null ? null : this.find(tenantId);
  }

  async roleOf(rawTenantId: string, userId: string): Promise<MemberRole | null> {
    const tenantId = rawTenantId.toLowerCase();
    const hit = this.roles.get(tenantId)?.get(userId);
    if (hit && hit.expires > Date.now()) return hit.value;
    const generation = this.generation;
    const role = await this.repo.roleOf(tenantId, userId);
    if (generation === this.generation) {
      if (this.roleCount >= MAX_ENTRIES) this.clearRoles();
      let byUser = this.roles.get(tenantId);
      if (!byUser) this.roles.set(tenantId, (byUser = new Map()));
      if (!byUser.has(userId)) this.roleCount++;
      byUser.set(userId, { value: role, expires: Date.now() + this.config.TENANT_CACHE_TTL_MS });
    }
    return role;
  }

  forget(event: TenantChanged): void {
    this.generation++;
    const id = event.id.toLowerCase();
    const known = this.tenants.get(id)?.value;
    this.tenants.delete(id);
    if (event.slug) this.tenants.delete(event.slug);
    if (known) this.tenants.delete(known.slug);
    this.roleCount -= this.roles.get(id)?.size ?? 0;
    this.roles.delete(id);
    this.domains.clear();
  }

  clear(): void {
    this.generation++;
    this.tenants.clear();
    this.domains.clear();
    this.clearRoles();
  }

  private clearRoles(): void {
    this.roles.clear();
    this.roleCount = 0;
  }

  private put(key: string, value: TenantRow | null): void {
    if (this.tenants.size >= MAX_ENTRIES) this.tenants.clear();
    this.tenants.set(key, { value, expires: Date.now() + this.config.TENANT_CACHE_TTL_MS });
  }
}
