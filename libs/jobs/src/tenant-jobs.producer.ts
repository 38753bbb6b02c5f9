import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/src/index.js';
import { JOB, QUEUE, type ProvisionTenantPayload } from './queues.js';

/** Enqueues tenant lifecycle jobs. Job ids are deterministic, so a duplicate enqueue is a no-op. */
@Injectable()
export class TenantJobsProducer {
  constructor(
    @InjectQueue(QUEUE.tenantProvisioning) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async provision(tenantId: string): Promise<void> {
    const payload: ProvisionTenantPayload = { tenantId };
    await this.queue.add(JOB.provisionTenant, payload, {
      jobId: tenantId,
      attempts: this.config.PROVISION_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.PROVISION_BACKOFF_MS },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /** Re-runs provisioning of a tenant whose earlier job failed (or was lost). */
  async retryProvisioning(tenantId: string): Promise<void> {
    const job = await this.queue.getJob(tenantId);
    if (job) {
      const state = await job.getState();
      if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized') return;
      await job.remove();
    }
    await this.provision(tenantId);
  }

  async refillSchemaPool(): Promise<void> {
    await this.queue.add(JOB.refillSchemaPool, {}, { jobId: 'refill-schema-pool', removeOnComplete: true, removeOnFail: true });
  }
}
