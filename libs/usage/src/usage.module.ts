import { Global, Module } from '@nestjs/common';
import { InMemoryTenantEvents, TenantEvents } from '../../jobs/src/index.js';
import { InMemoryUsageRecorder, UsageRecorder } from './usage-recorder.js';

/** Provides the UsageRecorder and TenantEvents to every module of the process. */
@Global()
@Module({
  providers: [
    { provide: UsageRecorder, useClass: InMemoryUsageRecorder },
    { provide: TenantEvents, useClass: InMemoryTenantEvents },
  ],
  exports: [UsageRecorder, TenantEvents],
})
export class UsageModule {}
