import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdentityModule } from '../../identity/src/index.js';
import { Mailer, TenancyModule } from '../../tenancy/src/index.js';
import { MeteringInterceptor } from './metering.interceptor.js';
import { MeteringRepository } from './metering.repository.js';
import { QuotaAlerts } from './quota-alerts.service.js';
import { Quotas } from './quotas.service.js';
import { TenantRateLimit } from './tenant-rate-limit.js';
import { AdminUsageController, UsageController } from './usage.controller.js';
import { UsageProcessor } from './usage.processor.js';

/**
 * Metering over HTTP (api): usage, stats, quotas and the platform report; the per-tenant rate
 * limit and api_call metering of every tenant-scoped request (a global interceptor, after the
 * guards); `Quotas` (assertCanSpend / recordSpend) for chat.
 */
@Module({
  imports: [TenancyModule, IdentityModule],
  controllers: [UsageController, AdminUsageController],
  providers: [MeteringRepository, QuotaAlerts, Quotas, TenantRateLimit, Mailer, { provide: APP_INTERCEPTOR, useClass: MeteringInterceptor }],
  exports: [Quotas],
})
export class MeteringModule {}

/** Metering in the worker: batches into PostgreSQL, daily rollups, storage measurement and its alerts. */
@Module({
  providers: [UsageProcessor, MeteringRepository, QuotaAlerts, Mailer],
})
export class MeteringWorkerModule {}
