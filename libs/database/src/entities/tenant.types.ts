// The vocabulary of public.tenants. Its rows are TenantRow (libs/tenancy): the one tenant type;
// every tenant query is SQL in a repository, so TypeORM needs no entity for the table.
export const TENANT_PLANS = ['starter', 'growth', 'enterprise'] as const;
export type TenantPlan = (typeof TENANT_PLANS)[number];
export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'failed'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];
/** Who suspended a tenant: a platform operator, an ancestor tenant's admin, or the tenant's own owner. */
export type Suspender = 'platform' | 'parent' | 'tenant';
