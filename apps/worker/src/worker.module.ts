import { type DynamicModule, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { AppConfig, ConfigModule } from '../../../libs/config/src/index.js';
import { CORPUS_ENTITIES, CorpusWorkerModule } from '../../../libs/corpus/src/index.js';
import { DatabaseModule } from '../../../libs/database/src/index.js';
import { RedisModule } from '../../../libs/redis/src/index.js';
import { StorageModule } from '../../../libs/storage/src/index.js';
import { UsageModule } from '../../../libs/usage/src/index.js';
import { MeteringWorkerModule } from '../../../libs/metering/src/index.js';
import { TenancyCoreModule, TenancyWorkerModule } from '../../../libs/tenancy/src/index.js';
import { AuditModule } from '../../../libs/audit/src/index.js';
import { BillingWorkerModule } from '../../../libs/billing/src/index.js';
import { OperationsWorkerModule } from '../../../libs/operations/src/index.js';

/** The worker process: BullMQ processors only, no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        ClsModule.forRoot({ global: true }),
        DatabaseModule.forRoot({ applicationName: 'tenantry-worker', tenantEntities: [...CORPUS_ENTITIES] }),
        RedisModule,
        UsageModule,
        StorageModule,
        TenancyWorkerModule,
        MeteringWorkerModule,
        // Billing suspends overdue tenants through the tenants service (audited as the system).
        AuditModule.forRoot(),
        TenancyCoreModule,
        BillingWorkerModule,
        CorpusWorkerModule,
        OperationsWorkerModule,
      ],
    };
  }
}
