import type { TenantPlan } from '../../database/src/index.js';
import { USAGE_RESOURCES, type UsageResource } from '../../usage/src/index.js';

/**
 * What a plan costs and what each metered unit costs, in US cents. One catalogue: the Stripe
 * prices are created from it (looked up by `lookup_key`), and the billing estimate is
 * computed from it. Unit prices are decimal strings (Stripe's `unit_amount_decimal`).
 */
export const CURRENCY = 'usd';
export const PLAN_MONTHLY_CENTS: Readonly<Record<TenantPlan, number>> = { starter: 0, growth: 4_900, enterprise: 49_900 };
export const UNIT_CENTS: Readonly<Record<UsageResource, string>> = {
  api_call: '0.01',
  message: '0.2',
  llm_token: '0.0002',
  rag_query: '0.05',
  storage_mb: '0.002',
};

/** The meter's event name for a resource (Stripe: at most 100 characters). */
export const meterEventName = (resource: UsageResource): string => `tenantry_${resource}`;
export const planLookupKey = (plan: TenantPlan): string => `tenantry-plan-${plan}`;
export const usageLookupKey = (resource: UsageResource): string => `tenantry-usage-${resource}`;

/** The plan a Stripe price stands for, from its lookup key (undefined: not one of ours). */
export function planOfLookupKey(key: string | null | undefined): TenantPlan | undefined {
  const m = /^tenantry-plan-(starter|growth|enterprise)$/.exec(key ?? '');
  return m ? (m[1] as TenantPlan) : undefined;
}

export interface Estimate {
  currency: string;
  plan_cents: number;
  usage_cents: Record<UsageResource, number>;
  total_cents: number;
}

/** The period's estimate: the plan's fee plus each resource's quantity times its unit price, rounded to the cent. */
export function estimate(plan: TenantPlan, totals: Readonly<Record<UsageResource, number>>): Estimate {
  const usage = Object.fromEntries(USAGE_RESOURCES.map((r) => [r, Math.round(totals[r] * Number(UNIT_CENTS[r]) * 100) / 100])) as Record<UsageResource, number>;
  const usageSum = Object.values(usage).reduce((a, b) => a + b, 0);
  return { currency: CURRENCY, plan_cents: PLAN_MONTHLY_CENTS[plan], usage_cents: usage, total_cents: Math.round(PLAN_MONTHLY_CENTS[plan] + usageSum) };
}
