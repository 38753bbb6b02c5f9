import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { TenancyCoreModule, TenancyModule } from '../../tenancy/src/index.js';
import { AdminSessionController } from './admin-session.controller.js';
import { DomainAllowedController } from './domain-allowed.controller.js';
import { MetricsController, PlatformGauges } from './metrics.controller.js';
import { OperationsRepository } from './operations.repository.js';
import { TenantArchiveRepository } from './tenant-archive.repository.js';
import { TenantExportController } from './tenant-export.controller.js';
import { TenantExportProcessor } from './tenant-export.processor.js';
import { TenantExportService } from './tenant-export.service.js';
import { TenantExportsRepository } from './tenant-exports.repository.js';
import { TenantLifecycleService } from './tenant-lifecycle.service.js';

/** The API's operator endpoints: /metrics, the edge's domain check, tenant exports. */
@Module({
  imports: [JobsModule, TenancyModule],
  controllers: [MetricsController, DomainAllowedController, TenantExportController, AdminSessionController],
  providers: [OperationsRepository, PlatformGauges, TenantExportService, TenantExportsRepository],
})
export class OperationsModule {}

/** The worker's: building tenant exports. */
@Module({
  imports: [JobsModule],
  providers: [TenantArchiveRepository, TenantExportsRepository, TenantExportProcessor],
})
export class OperationsWorkerModule {}

/** The CLI's: tenant export to a file and hard delete. */
@Module({
  imports: [TenancyCoreModule],
  providers: [TenantArchiveRepository, TenantLifecycleService],
  exports: [TenantLifecycleService],
})
export class OperationsCliModule {}
