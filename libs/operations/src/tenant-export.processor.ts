import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, MetricsTime } from 'bullmq';
import { PassThrough } from 'node:stream';
import { AppConfig } from '../../config/src/index.js';
import { checkJobHandlers, type ExportTenantPayload, JOB, type JobName, QUEUE } from '../../jobs/src/index.js';
import { StorageDriver } from '../../storage/src/index.js';
import { writeTenantArchive } from './tenant-archive.js';
import { TenantArchiveRepository } from './tenant-archive.repository.js';
import { exportKey } from './tenant-export.service.js';
import { TenantExportsRepository } from './tenant-exports.repository.js';

/** Builds a requested export into the tenant's storage prefix (idempotent: a retry rewrites the same key). */
@Processor(QUEUE.tenantExports, { autorun: false })
@Injectable()
export class TenantExportProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(TenantExportProcessor.name);
  private readonly handlers: Partial<Record<JobName, (job: Job) => Promise<unknown>>> = {
    [JOB.exportTenant]: (job) => this.export(job as Job<ExportTenantPayload>),
  };

  constructor(
    private readonly archive: TenantArchiveRepository,
    private readonly exports: TenantExportsRepository,
    private readonly storage: StorageDriver,
    private readonly config: AppConfig,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.tenantExports, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  onApplicationBootstrap(): void {
    Object.assign(this.worker.opts, { lockDuration: this.config.QUEUE_LOCK_MS, stalledInterval: this.config.QUEUE_STALLED_INTERVAL_MS, metrics: { maxDataPoints: MetricsTime.ONE_WEEK } });
    this.worker.concurrency = 1;
    this.worker.run().catch((error: unknown) => this.logger.error(`exports worker stopped: ${String(error)}`));
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }

  private async export(job: Job<ExportTenantPayload>): Promise<{ bytes: number }> {
    const { tenantId, exportId } = job.data;
    const tenant = await this.archive.find(tenantId);
    if (!tenant) {
      this.logger.warn(`export ${exportId}: tenant ${tenantId} is gone`);
      return { bytes: 0 };
    }
    await this.exports.mark(exportId, 'running');
    try {
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      await writeTenantArchive(tenant, this.archive, this.storage, sink);
      const body = Buffer.concat(chunks);
      await this.storage.put(tenantId, exportKey(exportId), body);
      await this.exports.mark(exportId, 'done', { storageKey: exportKey(exportId), bytes: body.length });
      return { bytes: body.length };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.exports.mark(exportId, last ? 'failed' : 'pending', { error: message });
      throw error;
    }
  }
}
