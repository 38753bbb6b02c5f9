import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/src/index.js';
import { REDIS } from '../../redis/src/index.js';
import { effectiveLimit, LIMIT_FIELDS, type LimitField, TenantDirectory, type TenantRow } from '../../tenancy/src/index.js';
import { UsageRecorder, UsageRepository } from '../../usage/src/index.js';
import { QuotaExceeded } from './metering.errors.js';
import { MeteringRepository } from './metering.repository.js';
import { monthOf, percentOf } from './periods.util.js';
import { QuotaAlerts } from './quota-alerts.service.js';
import { TenantRateLimit } from './tenant-rate-limit.js';

/** The resources with a monthly budget, and the limit that budgets each. */
export type BudgetedResource = 'message' | 'llm_token';
export const BUDGET_OF: Record<BudgetedResource, LimitField> = { message: 'messages_per_month', llm_token: 'token_budget_monthly' };
const RETAIN_AFTER_RESET_MS = 7 * 86_400_000;

export interface QuotaView {
  limit: number;
  used: number;
  percent: number;
  resets_at: string | null;
}

/**
 * Plans' limits against what a tenant uses. Monthly budgets (messages, tokens) are live
 * counters in Redis, one key per tenant, resource and month (`<prefix>:t:<tenant>:spend:...`),
 * shared by every API process; a missing key (a new month, a Redis that lost it) is seeded
 * from usage_daily. In consolidated billing a spend also counts on every ancestor the tenant
 * is billed to, so a parent's budget caps its children's sum too.
 */
@Injectable()
export class Quotas {
  private readonly logger = new Logger('Quotas');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly repo: MeteringRepository,
    private readonly usage: UsageRepository,
    private readonly recorder: UsageRecorder,
    private readonly directory: TenantDirectory,
    private readonly alerts: QuotaAlerts,
    private readonly rateLimit: TenantRateLimit,
  ) {}

  private counterKey(tenantId: string, resource: BudgetedResource, month: string): string {
    return `${this.config.REDIS_PREFIX}:t:${tenantId}:spend:${resource}:${month}`;
  }

  /** What a tenant (with what consolidates into it) used of a monthly budget this month. */
  async monthlyUsed(tenantId: string, resource: BudgetedResource, now = new Date()): Promise<number> {
    const month = monthOf(now);
    const key = this.counterKey(tenantId, resource, month.key);
    const value = await this.redis.get(key);
    if (value !== null) return Number(value);
    const seed = await this.usage.sinceDay(await this.repo.consolidatedTree(tenantId), resource, month.firstDay);
    await this.redis.set(key, seed, 'PX', month.resetsAt.getTime() - now.getTime() + RETAIN_AFTER_RESET_MS, 'NX');
    return Number((await this.redis.get(key)) ?? seed);
  }

  /**
   * 402 `quota_exceeded` when spending `amount` more would take the tenant, or an ancestor it
   * is billed to, over its monthly budget (or the budget is already used up). Chat calls this
   * before calling the assistant, so nothing is stored for a refused message.
   */
  async assertCanSpend(tenantId: string, resource: BudgetedResource, amount = 1): Promise<void> {
    const now = new Date();
    for (const id of await this.repo.billingChain(tenantId)) {
      const tenant = await this.directory.find(id);
      if (!tenant) continue;
      const field = BUDGET_OF[resource];
      const limit = effectiveLimit(tenant, field);
      const used = await this.monthlyUsed(id, resource, now);
      if (used >= limit || used + Math.max(0, amount) > limit) {
        throw new QuotaExceeded({ quota: field, limit, used, requested: amount, resets_at: monthOf(now).resetsAt.toISOString(), tenant_id: id });
      }
    }
  }

  /**
   * Counts a spend: the usage record (billing) and the live counters of the tenant and the
   * ancestors it is billed to; alerts any of them that reached 80% or 100% of its budget.
   */
  async recordSpend(tenantId: string, resource: BudgetedResource, amount: number, metadata?: Record<string, string | number | boolean>): Promise<void> {
    if (!Number.isSafeInteger(amount) || amount <= 0) return;
    this.recorder.record({ tenantId, resource, quantity: amount, metadata });
    const now = new Date();
    const month = monthOf(now);
    for (const id of await this.repo.billingChain(tenantId)) {
      await this.monthlyUsed(id, resource, now); // seeds a missing counter first
      const used = await this.redis.incrby(this.counterKey(id, resource, month.key), amount);
      const tenant = await this.directory.find(id);
      if (!tenant) continue;
      const field = BUDGET_OF[resource];
      void this.alerts.check(tenant, { quota: field, used, limit: effectiveLimit(tenant, field), period: month.key, resetsAt: month.resetsAt });
    }
  }

  /** Every limit of the tenant with what it uses: the "62% of 500K tokens" view. Also raises any alert due. */
  async view(tenant: TenantRow): Promise<Record<LimitField, QuotaView>> {
    const now = new Date();
    const month = monthOf(now);
    const [counts, tenantCounts, storage, messages, tokens, rate] = await Promise.all([
      this.repo.counts(tenant.id),
      this.repo.tenantCounts(tenant),
      this.usage.latestStorageMb(tenant.id),
      this.monthlyUsed(tenant.id, 'message', now),
      this.monthlyUsed(tenant.id, 'llm_token', now),
      this.rateLimit.peek(tenant),
    ]);
    const used: Record<LimitField, number> = {
      max_members: counts.members,
      max_api_keys: counts.api_keys,
      rate_limit_per_minute: rate.used,
      token_budget_monthly: tokens,
      max_documents: tenantCounts.documents,
      max_storage_mb: storage,
      max_concurrent_sessions: tenantCounts.sessions,
      max_child_tenants: counts.children,
      messages_per_month: messages,
    };
    const monthly = new Set<LimitField>(['token_budget_monthly', 'messages_per_month']);
    const view = {} as Record<LimitField, QuotaView>;
    for (const field of LIMIT_FIELDS) {
      const limit = field === 'rate_limit_per_minute' ? this.rateLimit.limitOf(tenant) : effectiveLimit(tenant, field);
      const resetsAt = field === 'rate_limit_per_minute' ? rate.resetsAt : monthly.has(field) ? month.resetsAt : null;
      view[field] = { limit, used: used[field], percent: percentOf(used[field], limit), resets_at: resetsAt?.toISOString() ?? null };
      // A per-minute window alerting twice a month per threshold would say nothing useful.
      if (field !== 'rate_limit_per_minute') {
        void this.alerts.check(tenant, { quota: field, used: used[field], limit, period: month.key, resetsAt: monthly.has(field) ? month.resetsAt : null });
      }
    }
    return view;
  }
}
