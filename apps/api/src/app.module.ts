import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { IncomingMessage } from 'node:http';
import { ClsModule } from 'nestjs-cls';
import { AssistantModule } from '../../../libs/assistant/src/index.js';
import { AuditContextInterceptor, AuditModule } from '../../../libs/audit/src/index.js';
import { BillingModule } from '../../../libs/billing/src/index.js';
import { AppConfig, ConfigModule } from '../../../libs/config/src/index.js';
import { CORPUS_ENTITIES, CorpusModule } from '../../../libs/corpus/src/index.js';
import { DatabaseModule } from '../../../libs/database/src/index.js';
import { IdentityModule, JwtAuthGuard } from '../../../libs/identity/src/index.js';
import { RedisModule } from '../../../libs/redis/src/index.js';
import { StorageModule } from '../../../libs/storage/src/index.js';
import { UsageModule } from '../../../libs/usage/src/index.js';
import { MeteringModule } from '../../../libs/metering/src/index.js';
import { OperationsModule } from '../../../libs/operations/src/index.js';
import { PermissionsGuard } from '../../../libs/rbac/src/index.js';
import { TenancyModule, TenantAccessGuard } from '../../../libs/tenancy/src/index.js';
import { BenchModule } from './bench/bench.module.js';
import { DependencyIndicators, HealthController } from './health/health.controller.js';
import { REQUEST_ID } from './request-id.js';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [DependencyIndicators],
})
class HealthModule {}

/** The API process: HTTP modules plus the three global guards, in order: who, which tenant, may they. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true, generateId: true, idGenerator: (req: IncomingMessage) => (req as IncomingMessage & { [REQUEST_ID]: string })[REQUEST_ID] },
        }),
        DatabaseModule.forRoot({ applicationName: 'tenantry-api', tenantEntities: [...CORPUS_ENTITIES] }),
        RedisModule,
        UsageModule,
        StorageModule,
        AuditModule.forRoot(),
        HealthModule,
        IdentityModule,
        TenancyModule,
        CorpusModule,
        MeteringModule,
        BillingModule,
        AssistantModule,
        OperationsModule,
        ...(config.BENCH_ROUTES ? [BenchModule] : []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: TenantAccessGuard },
        { provide: APP_GUARD, useClass: PermissionsGuard },
        // After the guards: the caller and IP every audit entry of the request records.
        { provide: APP_INTERCEPTOR, useClass: AuditContextInterceptor },
      ],
    };
  }
}
