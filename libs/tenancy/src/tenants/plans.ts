import type { TenantPlan } from '../../../database/src/index.js';

/** The limits a tenant may set for itself (tenant columns and quota-override settings keys). */
export const LIMIT_FIELDS = [
  'max_members',
  'max_api_keys',
  'rate_limit_per_minute',
  'token_budget_monthly',
  'max_documents',
  'max_storage_mb',
  'max_concurrent_sessions',
  'max_child_tenants',
  'messages_per_month',
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];
export type PlanCeilings = Readonly<Record<LimitField, number>>;

/** Columns of public.tenants; the other limit fields are quota overrides in `settings`. */
export const LIMIT_COLUMNS: ReadonlySet<LimitField> = new Set(['max_members', 'max_api_keys']);

// Until billing brings the real catalogue, members and API keys stay at seed 002's defaults
// (50 and 20) on every plan. Child tenants and messages follow seed 000's "Limits by plan"
// (Pro: 1 child, 10,000 messages; Enterprise: 10 children, 100,000 messages); the rest scale
// seed 001's examples (100 req/min, 500K tokens/month, 10 GB, 20 sessions, 5,000 documents).
const SEED_002 = { max_members: 50, max_api_keys: 20 } as const;

/** What a tenant's owner may grant themselves on each plan; above needs an operator or an ancestor. */
export const PLAN_CEILINGS: Readonly<Record<TenantPlan, PlanCeilings>> = {
  starter: {
    ...SEED_002,
    rate_limit_per_minute: 60,
    token_budget_monthly: 100_000,
    max_documents: 1_000,
    max_storage_mb: 1_024,
    max_concurrent_sessions: 5,
    max_child_tenants: 0,
    messages_per_month: 1_000,
  },
  growth: {
    ...SEED_002,
    rate_limit_per_minute: 100,
    token_budget_monthly: 500_000,
    max_documents: 5_000,
    max_storage_mb: 10_240,
    max_concurrent_sessions: 20,
    max_child_tenants: 1,
    messages_per_month: 10_000,
  },
  enterprise: {
    ...SEED_002,
    rate_limit_per_minute: 1_000,
    token_budget_monthly: 5_000_000,
    max_documents: 50_000,
    max_storage_mb: 102_400,
    max_concurrent_sessions: 200,
    max_child_tenants: 10,
    messages_per_month: 100_000,
  },
};

/**
 * The deepest a tenant may be: top-level tenants are at depth 1, their children at 2,
 * grandchildren at 3 (which cannot have children of their own).
 */
export const MAX_TENANT_DEPTH = 3;

/** A limit a request sets: its new value and the one it replaces (undefined: none yet). */
export interface LimitChange {
  field: LimitField;
  value: number;
  previous: number | undefined;
}

/** The limit fields a patch sets to a number (columns from the DTO, overrides from the merged settings). */
export function limitChanges(
  columns: Partial<Record<'max_members' | 'max_api_keys', number>>,
  settings: Record<string, unknown> | undefined,
  before: { max_members?: number; max_api_keys?: number; settings: Record<string, unknown> },
): LimitChange[] {
  const changes: LimitChange[] = [];
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  for (const field of LIMIT_FIELDS) {
    const value = LIMIT_COLUMNS.has(field) ? num(columns[field as 'max_members']) : num(settings?.[field]);
    const previous = LIMIT_COLUMNS.has(field) ? num(before[field as 'max_members']) : num(before.settings[field]);
    if (value !== undefined && value !== previous) changes.push({ field, value, previous });
  }
  return changes;
}

/** A tenant's own limit for a field: its column, else its override, else its plan's ceiling. */
export function effectiveLimit(
  t: { plan: TenantPlan; settings: Record<string, unknown>; max_members: number; max_api_keys: number },
  field: LimitField,
): number {
  if (field === 'max_members' || field === 'max_api_keys') return t[field];
  const override = t.settings[field];
  return typeof override === 'number' ? override : PLAN_CEILINGS[t.plan][field];
}

/** Only a raise above the plan's ceiling needs authority; lowering a granted limit does not. */
export function needsAuthority(change: LimitChange, plan: TenantPlan): boolean {
  return change.value > PLAN_CEILINGS[plan][change.field] && !(change.previous !== undefined && change.value <= change.previous);
}
