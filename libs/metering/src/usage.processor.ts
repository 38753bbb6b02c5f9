import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../config/src/index.js';
import { checkJobHandlers, type IngestUsagePayload, JOB, type JobName, QUEUE, type RollupUsagePayload } from '../../jobs/src/index.js';
import { StorageDriver } from '../../storage/src/index.js';
import { UsageRecorder, UsageRepository } from '../../usage/src/index.js';
import { MeteringRepository } from './metering.repository.js';
import { monthOf } from './periods.util.js';
import { QuotaAlerts } from './quota-alerts.service.js';
import { effectiveLimit } from '../../tenancy/src/index.js';

const MB = 1024 * 1024;

/**
 * The usage queue, in the worker: ingest the API processes' batches into usage_records (and
 * usage_daily, in the same transaction), re-derive recent days (job scheduler), and measure
 * every tenant's storage (job scheduler). Every job is safe to kill at any instruction:
 * an ingest is one transaction keyed by its batch id, a rollup one transaction.
 */
@Processor(QUEUE.usage, { autorun: false })
@Injectable()
export class UsageProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsageProcessor.name);
  private readonly handlers: Record<string, (job: Job) => Promise<unknown>> = {
    [JOB.ingestUsage]: (job) => this.ingest(job as Job<IngestUsagePayload>),
    [JOB.rollupUsage]: (job) => this.usage.rollupRecent((job as Job<RollupUsagePayload>).data.from),
    [JOB.measureStorage]: () => this.measureStorage(),
  };

  constructor(
    private readonly usage: UsageRepository,
    private readonly repo: MeteringRepository,
    private readonly recorder: UsageRecorder,
    private readonly storage: StorageDriver,
    private readonly alerts: QuotaAlerts,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.usage) private readonly queue: Queue,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.usage, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('usage-rollup', { every: this.config.USAGE_ROLLUP_EVERY_MS }, { name: JOB.rollupUsage, data: {} });
    await this.queue.upsertJobScheduler('usage-storage', { every: this.config.USAGE_STORAGE_EVERY_MS }, { name: JOB.measureStorage, data: {} });
    // An ingest is idempotent, so a batch whose workers died again and again is still retried
    // (BullMQ's default fails a job after one stall, which would drop the batch's usage).
    Object.assign(this.worker.opts, { lockDuration: this.config.QUEUE_LOCK_MS, stalledInterval: this.config.QUEUE_STALLED_INTERVAL_MS, maxStalledCount: 20 });
    this.worker.concurrency = 4;
    this.worker.run().catch((error: unknown) => this.logger.error(`usage worker stopped: ${String(error)}`));
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }

  private async ingest(job: Job<IngestUsagePayload>): Promise<number> {
    const inserted = await this.usage.ingest(job.data, Number(this.config.failpoint('usage.ingest.tx_sleep_ms') ?? 0));
    const after = Number(this.config.failpoint('usage.ingest.commit_sleep_ms') ?? 0);
    if (after > 0) await sleep(after); // committed, the job not yet completed (kill tests)
    if (inserted === 0 && job.data.rows.length > 0) this.logger.log(`usage batch ${job.data.batchId} was already ingested (a redelivery): nothing added`);
    return inserted;
  }

  /** storage_mb of every tenant: its schema's relations plus its stored files, rounded up to whole MB. */
  private async measureStorage(): Promise<number> {
    const month = monthOf(new Date());
    let measured = 0;
    for (const { tenant_id, bytes } of await this.usage.schemaSizes()) {
      let files = 0;
      try {
        for (const f of await this.storage.list(tenant_id)) files += f.size;
      } catch (error) {
        this.logger.warn(`storage of ${tenant_id}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const mb = Math.ceil((bytes + files) / MB);
      this.recorder.record({ tenantId: tenant_id, resource: 'storage_mb', quantity: mb });
      const tenant = await this.repo.tenant(tenant_id);
      if (tenant) await this.alerts.check(tenant, { quota: 'max_storage_mb', used: mb, limit: effectiveLimit(tenant, 'max_storage_mb'), period: month.key, resetsAt: null });
      measured++;
    }
    return measured;
  }
}
