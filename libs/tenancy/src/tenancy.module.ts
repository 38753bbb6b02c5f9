import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { ProvisioningService } from './provisioning/provisioning.service.js';
import { TenantProvisioningProcessor } from './provisioning/tenant-provisioning.processor.js';
import { TenantSchemaUpgrader } from './provisioning/tenant-schema-upgrader.js';
import { TenantSchemasRepository } from './provisioning/tenant-schemas.repository.js';
import { TenantAccessGuard } from './tenant-access.guard.js';
import { TenantContext } from './tenant-context.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantEvents } from './tenant-events.js';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

/** Tenants over HTTP: CRUD and lifecycle, resolution, access, the request unit of work. */
@Module({
  imports: [JobsModule],
  controllers: [TenantsController],
  providers: [
    TenantsService,
    TenantsRepository,
    TenantDirectory,
    TenantEvents,
    TenantAccessGuard,
    TenantContext,
    TenantTransactionInterceptor,
  ],
  exports: [TenantAccessGuard, TenantContext, TenantDirectory, TenantTransactionInterceptor, TenantsService, TenantsRepository, JobsModule],
})
export class TenancyModule {}

/** Tenants in the worker: provisioning, the warm schema pool, schema upgrades at start. */
@Module({
  imports: [JobsModule],
  providers: [ProvisioningService, TenantSchemaUpgrader, TenantSchemasRepository, TenantProvisioningProcessor, TenantEvents],
  exports: [ProvisioningService, TenantSchemaUpgrader],
})
export class TenancyWorkerModule {}

/**
 * Tenants without HTTP and without queue processors, for the admin CLI: CRUD and
 * lifecycle (the API's services, so the same rules apply) and on-demand schema upgrades.
 * It enqueues jobs (provisioning) but never consumes them.
 */
@Module({
  imports: [JobsModule],
  providers: [TenantsService, TenantsRepository, TenantDirectory, TenantEvents, TenantSchemaUpgrader, TenantSchemasRepository],
  exports: [TenantsService, TenantsRepository, TenantDirectory, TenantEvents, TenantSchemaUpgrader],
})
export class TenancyCoreModule {}
