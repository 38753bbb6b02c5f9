import { Injectable } from '@nestjs/common';
import type { TenantRow } from '../../tenancy/src/index.js';
import { USAGE_RESOURCES, type UsageResource } from '../../usage/src/index.js';
import { BillingRepository } from './billing.repository.js';
import type { BillingDto } from './billing.dto.js';
import { estimate } from './price-catalogue.js';
import { StripeBilling } from './stripe-billing.service.js';

const zero = (): Record<UsageResource, number> => Object.fromEntries(USAGE_RESOURCES.map((r) => [r, 0])) as Record<UsageResource, number>;

/** A tenant's billing as its admins see it: plan, status, the month's usage and an estimate. */
@Injectable()
export class BillingService {
  constructor(
    private readonly repo: BillingRepository,
    private readonly stripe: StripeBilling,
  ) {}

  async summary(tenant: TenantRow, now = new Date()): Promise<BillingDto> {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const tenants = await this.repo.tenants();
    const byId = new Map(tenants.map((t) => [t.id, t]));
    const self = byId.get(tenant.id);
    const payer = self ? StripeBilling.payerOf(self, byId) : undefined;
    const isPayer = payer?.id === tenant.id;
    const family = isPayer ? await this.repo.consolidatedFamily(tenant.id) : [tenant.id];
    const totals = await this.repo.usageTotals(family, start.toISOString().slice(0, 10));
    const usage = zero();
    const perChild = new Map<string, Record<UsageResource, number>>();
    for (const row of totals) {
      usage[row.resource_type] += row.quantity;
      if (row.tenant_id !== tenant.id) {
        const child = perChild.get(row.tenant_id) ?? zero();
        child[row.resource_type] += row.quantity;
        perChild.set(row.tenant_id, child);
      }
    }
    const account = await this.repo.account(tenant.id);
    const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
    return {
      tenant_id: tenant.id,
      plan: tenant.plan,
      billing_status: account?.billing_status ?? 'active',
      past_due_since: iso(account?.past_due_since),
      billing_mode: self?.billing_mode ?? 'consolidated',
      billed_to: payer?.id ?? tenant.id,
      stripe_enabled: this.stripe.enabled,
      stripe_customer_id: account?.customer_id ?? null,
      stripe_subscription_id: account?.subscription_id ?? null,
      period_start: start.toISOString(),
      period_end: end.toISOString(),
      usage,
      children: [...perChild.entries()].map(([tenant_id, childUsage]) => ({ tenant_id, usage: childUsage })),
      estimate: isPayer ? estimate(tenant.plan, usage) : null,
      last_invoice: account?.last_invoice ?? null,
    };
  }
}
