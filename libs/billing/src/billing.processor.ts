import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../config/src/index.js';
import { checkJobHandlers, type DeliverWebhookPayload, JOB, type JobName, QUEUE, type SyncSubscriptionPayload } from '../../jobs/src/index.js';
import { DunningService } from './dunning.service.js';
import { StripeBilling } from './stripe-billing.service.js';
import { WebhookDeliverer } from './webhook-delivery.service.js';

type Handlers = Partial<Record<JobName, (job: Job) => Promise<unknown>>>;

function assertHandlers(queue: (typeof QUEUE)[keyof typeof QUEUE], handlers: Handlers): void {
  const problems = checkJobHandlers(queue, Object.keys(handlers));
  if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
}

/** The billing queue: the scheduled push to Stripe, subscription updates after a plan change, the dunning check. */
@Processor(QUEUE.billing, { concurrency: 1 })
@Injectable()
export class BillingProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(BillingProcessor.name);
  private readonly handlers: Handlers = {
    [JOB.pushUsage]: async () => {
      const report = await this.stripe.push();
      if (report.errors.length > 0) this.logger.warn(`billing push: ${report.errors.join('; ')}`);
      return report;
    },
    [JOB.syncSubscription]: (job) => this.stripe.syncSubscription((job.data as SyncSubscriptionPayload).tenantId),
    [JOB.checkPastDue]: () => this.dunning.suspendOverdue(),
  };

  constructor(
    private readonly stripe: StripeBilling,
    private readonly dunning: DunningService,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.billing) private readonly queue: Queue,
  ) {
    super();
    assertHandlers(QUEUE.billing, this.handlers);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Job schedulers (one per name across all workers), not timers.
    await this.queue.upsertJobScheduler('billing-push', { every: this.config.BILLING_PUSH_INTERVAL_MS }, { name: JOB.pushUsage, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    await this.queue.upsertJobScheduler('billing-dunning', { every: this.config.BILLING_DUNNING_INTERVAL_MS }, { name: JOB.checkPastDue, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }
}

/** The webhooks queue: one signed delivery attempt per job; a failure is retried with exponential backoff (WEBHOOK_ATTEMPTS). */
@Processor(QUEUE.webhooks, { concurrency: 8 })
@Injectable()
export class WebhooksProcessor extends WorkerHost {
  private readonly handlers: Handlers = {
    [JOB.deliverWebhook]: (job) => this.deliverer.attempt((job.data as DeliverWebhookPayload).deliveryId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
  };

  constructor(private readonly deliverer: WebhookDeliverer) {
    super();
    assertHandlers(QUEUE.webhooks, this.handlers);
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }
}
