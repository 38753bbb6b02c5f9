import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, MetricsTime, type Queue } from 'bullmq';
import { AppConfig } from '../../../config/src/index.js';
import { LATEST_TENANT_VERSION } from '../../../database/src/index.js';
import { checkJobHandlers, JOB, type JobName, type MigrateTenantsPayload, OperationsJobsProducer, QUEUE } from '../../../jobs/src/index.js';
import { TenantSchemaUpgrader } from './tenant-schema-upgrader.js';

/**
 * The deploy's migration fan-out as a worker job (one worker at a time: one job id per release
 * and the fan-out lock). A worker asks for it at start; the job is retried if a worker dies
 * in it, and a retry resumes: tenants already migrated are no longer behind.
 */
@Processor(QUEUE.tenantMigrations, { autorun: false })
@Injectable()
export class TenantMigrationsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(TenantMigrationsProcessor.name);
  private readonly handlers: Record<string, (job: Job) => Promise<unknown>> = {
    [JOB.migrateTenants]: (job) => this.migrate(job as Job<MigrateTenantsPayload>),
  };

  constructor(
    private readonly upgrader: TenantSchemaUpgrader,
    private readonly producer: OperationsJobsProducer,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.tenantMigrations) private readonly queue: Queue,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.tenantMigrations, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    Object.assign(this.worker.opts, { lockDuration: this.config.QUEUE_LOCK_MS,       stalledInterval: this.config.QUEUE_STALLED_INTERVAL_MS,
      // Completed/failed counts kept in Redis: /metrics reads them (tenantry_queue_jobs_finished).
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    });
    this.worker.concurrency = 1;
    this.worker.run().catch((error: unknown) => this.logger.error(`migrations worker stopped: ${String(error)}`));
    await this.producer.migrateTenants(LATEST_TENANT_VERSION);
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }

  private async migrate(job: Job<MigrateTenantsPayload>): Promise<{ run_id: string | null; pending: number; migrated: number; failed: number }> {
    if (job.data.targetVersion > LATEST_TENANT_VERSION) {
      // Asked by a newer release: this worker cannot reach that version; a newer worker will.
      this.logger.warn(`fan-out to version ${job.data.targetVersion} asked; this worker knows ${LATEST_TENANT_VERSION}: left to a newer worker`);
      throw new Error(`this worker's latest tenant version is ${LATEST_TENANT_VERSION}, not ${job.data.targetVersion}`);
    }
    // A retry of this job resumes the run its first attempt started (kept in the job's data).
    const runId = job.data.runId;
    const report = await this.upgrader.upgrade({
      origin: 'worker',
      whenLocked: 'wait',
      runId,
      onRunStarted: async (id) => {
        if (id !== runId) await job.updateData({ ...job.data, runId: id });
      },
      onProgress: (done, total) => {
        if (done % 100 === 0 || done === total) void job.updateProgress({ done, total }).catch(() => undefined);
      },
    });
    return { run_id: report.runId, pending: report.pending, migrated: report.migrated, failed: report.failed };
  }
}
