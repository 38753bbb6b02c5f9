// Tenancy: tenants (CRUD, lifecycle, hierarchy, settings), tenant resolution, access
// checks and the request's unit of work; in the worker, provisioning and schema upgrades.
// A tenant-scoped handler never runs without a resolved, active tenant it may access.
export { ProvisioningService } from './provisioning/provisioning.service.js';
export type { ProvisionOutcome } from './provisioning/provisioning.service.js';
export { DEFAULT_UPGRADE_CONCURRENCY, FAN_OUT_LOCK, TenantSchemaUpgrader } from './provisioning/tenant-schema-upgrader.js';
export { MigrationRunsRepository } from './provisioning/migration-runs.repository.js';
export type { RunSummary } from './provisioning/migration-runs.repository.js';
export type { UpgradeOptions, UpgradeReport, UpgradeResult, UpgradeStatus } from './provisioning/tenant-schema-upgrader.js';
export { TenantSchemasRepository } from './provisioning/tenant-schemas.repository.js';
export { slugProblem, SLUG_PATTERN } from './tenants/slug.util.js';
export { TenantAccessGuard } from './context/tenant-access.guard.js';
export * from './tenancy.errors.js';
export type { TenantRequest } from './context/tenant-access.guard.js';
export { TenantContext } from './context/tenant-context.js';
export { TenantDirectory } from './context/tenant-directory.js';
export { TenantEvents, tenantEventsChannel } from './context/tenant-events.js';
export { customDomainCandidate, rewriteTenantPath, tenantCandidates } from './context/tenant-resolution.js';
export { TenantScoped } from './context/tenant-scoped.decorator.js';
export { AFTER_ADMISSION, TenantTransactionInterceptor } from './context/tenant-transaction.interceptor.js';
export type { AdmissionRequest } from './context/tenant-transaction.interceptor.js';
export { TenancyCoreModule, TenancyModule, TenancyWorkerModule } from './tenancy.module.js';
export { CreateTenantDto, TenantDto } from './tenants/tenant.dto.js';
export { CreateApiKeyDto } from './api-keys/api-key.dto.js';
export { ApiKeysService } from './api-keys/api-keys.service.js';
export { TenantsRepository } from './tenants/tenants.repository.js';
export type { TenantRow } from './tenants/tenants.repository.js';
export { OPERATOR, TenantsService, toTenantDto } from './tenants/tenants.service.js';
export type { TenantActor } from './tenants/tenants.service.js';
export { effectiveLimit, LIMIT_FIELDS, PLAN_CEILINGS } from './tenants/plans.js';
export { Mailer } from './members/mailer.js';
export { MembersService } from './members/members.service.js';
export { AddMemberDto } from './members/member.dto.js';
export type { MailOutcome } from './members/mailer.js';
export { MAX_WEBHOOKS } from './tenants/tenant-settings.util.js';
export type { LimitField, PlanCeilings } from './tenants/plans.js';
export { parseGuardrails } from './tenants/assistant-settings.util.js';
export type { GuardrailRule, Guardrails } from './tenants/assistant-settings.util.js';
