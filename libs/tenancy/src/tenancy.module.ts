import { Module } from '@nestjs/common';
import { IdentityModule } from '../../identity/src/index.js';
import { JobsModule } from '../../jobs/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { ProvisioningService } from './provisioning/provisioning.service.js';
import { TenantProvisioningProcessor } from './provisioning/tenant-provisioning.processor.js';
import { TenantSchemaUpgrader } from './provisioning/tenant-schema-upgrader.js';
import { TenantSchemasRepository } from './provisioning/tenant-schemas.repository.js';
import { MigrationRunsRepository } from './provisioning/migration-runs.repository.js';
import { TenantMigrationsProcessor } from './provisioning/tenant-migrations.processor.js';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { TenantAccessGuard } from './context/tenant-access.guard.js';
import { TenantContext } from './context/tenant-context.js';
import { TenantDirectory } from './context/tenant-directory.js';
import { TenantEvents } from './context/tenant-events.js';
import { TenantTransactionInterceptor } from './context/tenant-transaction.interceptor.js';
import { Mailer } from './members/mailer.js';
import { MembersController } from './members/members.controller.js';
import { MembersRepository } from './members/members.repository.js';
import { MembersService } from './members/members.service.js';
import { SsoStateStore } from './sso/sso-state.store.js';
import { SsoController } from './sso/sso.controller.js';
import { SsoRepository } from './sso/sso.repository.js';
import { SsoService } from './sso/sso.service.js';
import { AuditLogController } from './tenants/audit-log.controller.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsRepository } from './tenants/tenants.repository.js';
import { TenantsService } from './tenants/tenants.service.js';

/** Tenants over HTTP: CRUD and lifecycle, members, API keys, single sign-on, resolution, access, the request unit of work. */
@Module({
  imports: [JobsModule, SecretsModule, IdentityModule],
  controllers: [TenantsController, MembersController, AuditLogController, ApiKeysController, SsoController],
  providers: [
    TenantsService,
    MembersService,
    MembersRepository,
    Mailer,
    ApiKeysService,
    ApiKeysRepository,
    TenantsRepository,
    TenantDirectory,
    TenantEvents,
    TenantAccessGuard,
    TenantContext,
    TenantTransactionInterceptor,
    SsoService,
    SsoStateStore,
    SsoRepository,
  ],
  exports: [TenantAccessGuard, TenantContext, TenantDirectory, TenantTransactionInterceptor, TenantsService, TenantsRepository, JobsModule],
})
export class TenancyModule {}

/** Tenants in the worker: provisioning, the warm schema pool, schema upgrades at start. */
@Module({
  imports: [JobsModule],
  providers: [ProvisioningService, TenantSchemaUpgrader, TenantSchemasRepository, MigrationRunsRepository, TenantProvisioningProcessor, TenantMigrationsProcessor, TenantEvents],
  exports: [ProvisioningService, TenantSchemaUpgrader],
})
export class TenancyWorkerModule {}

/**
 * Tenants without HTTP and without queue processors, for the admin CLI: CRUD and
 * lifecycle, members (the API's services, so the same rules apply) and on-demand schema upgrades.
 * It enqueues jobs (provisioning) but never consumes them.
 */
@Module({
  imports: [JobsModule, SecretsModule],
  providers: [
    TenantsService,
    TenantsRepository,
    TenantDirectory,
    TenantEvents,
    TenantSchemaUpgrader,
    TenantSchemasRepository,
    ApiKeysService,
    ApiKeysRepository,
    MigrationRunsRepository,
    MembersService,
    MembersRepository,
    Mailer,
  ],
  exports: [TenantsService, TenantsRepository, TenantDirectory, TenantEvents, TenantSchemaUpgrader, TenantSchemasRepository, ApiKeysService, MigrationRunsRepository, MembersService],
})
export class TenancyCoreModule {}
