import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/src/index.js';
import { type DeliverWebhookPayload, JOB, QUEUE, type SyncSubscriptionPayload } from './queues.js';

/** Enqueues billing work (Stripe subscription changes) and outgoing webhook deliveries. */
@Injectable()
export class BillingJobsProducer {
  constructor(
    @InjectQueue(QUEUE.billing) private readonly billing: Queue,
    @InjectQueue(QUEUE.webhooks) private readonly webhooks: Queue,
    private readonly config: AppConfig,
  ) {}

  /**
   * Brings the tenant's Stripe subscription to its current plan. The job reads the plan when it
   * runs; the id (tenant, plan asked for) dedupes a burst of changes to one plan.
   */
  async syncSubscription(tenantId: string, plan: string): Promise<void> {
    const payload: SyncSubscriptionPayload = { tenantId };
    await this.billing.add(JOB.syncSubscription, payload, {
      jobId: `sync-subscription:${tenantId}:${plan}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /** Pushes metered usage to Stripe now (the scheduler also does, every BILLING_PUSH_INTERVAL_MS). */
  async pushUsage(): Promise<void> {
    await this.billing.add(JOB.pushUsage, {}, { removeOnComplete: true, removeOnFail: 100 });
  }

  /** One delivery of an outgoing webhook; the job id is the delivery's, so it is queued once; retried with exponential backoff. */
  async deliverWebhook(payload: DeliverWebhookPayload): Promise<void> {
    await this.webhooks.add(JOB.deliverWebhook, payload, {
      jobId: payload.deliveryId,
      attempts: this.config.WEBHOOK_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.WEBHOOK_BACKOFF_MS },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}
