import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DependencyUnavailable } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { JOB, QUEUE, type ProvisionTenantPayload } from './queues.js';

const ERROR_LOG_INTERVAL_MS = 30_000;

/** Enqueues tenant lifecycle jobs. Job ids are deterministic, so a duplicate enqueue is a no-op. */
@Injectable()
export class TenantJobsProducer {
  constructor(
    @InjectQueue(QUEUE.tenantProvisioning) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {
    // Without a listener BullMQ prints every failed reconnection attempt to stderr; one line
    // per ERROR_LOG_INTERVAL_MS is enough.
    const logger = new Logger('TenantJobsProducer');
    let loggedAt = 0;
    queue.on('error', (err: Error) => {
      if (Date.now() - loggedAt < ERROR_LOG_INTERVAL_MS) return;
      loggedAt = Date.now();
      logger.warn(`queue connection: ${err.message}`);
    });
  }

  /** Enqueues provisioning; 503 `dependency_unavailable` if Redis does not take it within REDIS_COMMAND_TIMEOUT_MS (see bounded). */
  provision(tenantId: string): Promise<void> {
    return this.bounded(this.addProvision(tenantId));
  }

  /** Re-runs provisioning of a tenant whose earlier job failed (or was lost); bounded like provision(). */
  retryProvisioning(tenantId: string): Promise<void> {
    return this.bounded(
      (async () => {
        const job = await this.queue.getJob(tenantId);
        if (job) {
          const state = await job.getState();
          if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized') return;
          await job.remove();
        }
        await this.addProvision(tenantId);
      })(),
    );
  }

  private async addProvision(tenantId: string): Promise<void> {
    const payload: ProvisionTenantPayload = { tenantId };
    await this.queue.add(JOB.provisionTenant, payload, {
      jobId: tenantId,
      attempts: this.config.PROVISION_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.PROVISION_BACKOFF_MS },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * The caller waits at most REDIS_COMMAND_TIMEOUT_MS. The queue's connection itself waits for
   * Redis to come back (maxRetriesPerRequest: null, which the worker's processors share), so an
   * add during an outage would otherwise hold its HTTP request for the whole outage. The
   * operation carries on after the timeout and lands once Redis is back (job ids are
   * deterministic, so that is never a duplicate).
   */
  private async bounded(operation: Promise<void>): Promise<void> {
    operation.catch(() => undefined); // its failure after the timeout is nobody's to handle
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DependencyUnavailable()), this.config.REDIS_COMMAND_TIMEOUT_MS);
    });
    try {
      await Promise.race([operation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async refillSchemaPool(): Promise<void> {
    await this.queue.add(JOB.refillSchemaPool, {}, { jobId: 'refill-schema-pool', removeOnComplete: true, removeOnFail: true });
  }
}
