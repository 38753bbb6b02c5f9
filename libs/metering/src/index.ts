// Metering above tenancy: what tenants use against what their plan allows. Usage, stats and
// quota endpoints, the platform report, the per-tenant rate limit, monthly budgets (Quotas,
// for chat), quota alerts, and in the worker the usage queue. Recording itself is libs/usage.
export { MeteringModule, MeteringWorkerModule } from './metering.module.js';
export { QuotaExceeded, TenantRateLimited } from './metering.errors.js';
export { BUDGET_OF, Quotas } from './quotas.service.js';
export { TenantRateLimit } from './tenant-rate-limit.js';
export type { RateDecision } from './tenant-rate-limit.js';
export { emissionIntervalUs, GCRA_LUA, gcraGroup } from './gcra.util.js';
export type { BudgetedResource, QuotaView } from './quotas.service.js';
export { UsageProcessor } from './usage.processor.js';
