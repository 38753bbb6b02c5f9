import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOB, QUEUE, type ExportTenantPayload, type MigrateTenantsPayload } from './queues.js';

/** Enqueues the deploy's migration fan-out and tenant exports (deterministic job ids). */
@Injectable()
export class OperationsJobsProducer {
  constructor(
    @InjectQueue(QUEUE.tenantMigrations) private readonly migrations: Queue,
    @InjectQueue(QUEUE.tenantExports) private readonly exports: Queue,
  ) {}

  /**
   * One fan-out per release: every worker that starts asks for it, the job id makes the asks
   * after the first no-ops while it waits or runs, and the fan-out lock keeps a later one from
   * overlapping (it then finds nothing behind).
   */
  async migrateTenants(targetVersion: number): Promise<void> {
    const payload: MigrateTenantsPayload = { targetVersion };
    await this.migrations.add(JOB.migrateTenants, payload, {
      jobId: `migrate-to-v${targetVersion}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async exportTenant(payload: ExportTenantPayload): Promise<void> {
    await this.exports.add(JOB.exportTenant, payload, {
      jobId: payload.exportId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}
