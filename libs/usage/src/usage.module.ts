import { Global, Module } from '@nestjs/common';
import { InMemoryUsageRecorder, UsageRecorder } from './usage-recorder.js';

/** Provides the UsageRecorder to every module of the process (TenantEvents comes from libs/billing's BillingCoreModule). */
@Global()
@Module({
  providers: [
    { provide: UsageRecorder, useClass: InMemoryUsageRecorder },
  ],
  exports: [UsageRecorder],
})
export class UsageModule {}
