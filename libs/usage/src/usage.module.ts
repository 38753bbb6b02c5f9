import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { QUEUE } from '../../jobs/src/index.js';
import { BufferedUsageRecorder, UsageRecorder } from './usage-recorder.js';
import { UsageRepository } from './usage.repository.js';

/**
 * Provides the UsageRecorder (buffered, flushed to the worker) to every module of the
 * process (TenantEvents comes from libs/billing's BillingCoreModule). Needs the BullMQ connection of JobsModule (api and worker have it).
 */
@Global()
@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.usage })],
  providers: [
    BufferedUsageRecorder,
    { provide: UsageRecorder, useExisting: BufferedUsageRecorder },
    UsageRepository,
  ],
  exports: [UsageRecorder, BufferedUsageRecorder, UsageRepository, BullModule],
})
export class UsageModule {}

/** The usage tables without a recorder (the admin CLI's `usage rollup`). */
@Module({
  providers: [UsageRepository],
  exports: [UsageRepository],
})
export class UsageCoreModule {}
