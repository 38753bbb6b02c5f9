// Tenancy: tenants (CRUD, lifecycle, hierarchy, settings), tenant resolution, access
// checks and the request's unit of work; in the worker, provisioning and schema upgrades.
// A tenant-scoped handler never runs without a resolved, active tenant it may access.
export { ProvisioningService } from './provisioning/provisioning.service.js';
export type { ProvisionOutcome } from './provisioning/provisioning.service.js';
export { DEFAULT_UPGRADE_CONCURRENCY, TenantSchemaUpgrader } from './provisioning/tenant-schema-upgrader.js';
export type { UpgradeOptions, UpgradeReport, UpgradeResult, UpgradeStatus } from './provisioning/tenant-schema-upgrader.js';
export { TenantSchemasRepository } from './provisioning/tenant-schemas.repository.js';
export { slugProblem, SLUG_PATTERN } from './slug.util.js';
export { TenantAccessGuard, TenantNotReady, TenantSuspended } from './tenant-access.guard.js';
export type { TenantRequest } from './tenant-access.guard.js';
export { TenantContext } from './tenant-context.js';
export { TenantDirectory } from './tenant-directory.js';
export { tenantEventsChannel } from './tenant-events.js';
export { rewriteTenantPath, tenantCandidates } from './tenant-resolution.js';
export { TenantScoped } from './tenant-scoped.decorator.js';
export { TenantTransactionInterceptor } from './tenant-transaction.interceptor.js';
export { TenancyCoreModule, TenancyModule, TenancyWorkerModule } from './tenancy.module.js';
export { CreateTenantDto, TenantDto } from './tenant.dto.js';
export { TenantsRepository } from './tenants.repository.js';
export type { TenantRow } from './tenants.repository.js';
export { OPERATOR, TenantsService, toTenantDto } from './tenants.service.js';
export type { TenantActor } from './tenants.service.js';
export { PLAN_CEILINGS } from './plans.js';
export type { LimitField, PlanCeilings } from './plans.js';
