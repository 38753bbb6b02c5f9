import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { type Job, MetricsTime, type Queue } from 'bullmq';
import { AppConfig } from '../../../config/src/index.js';
import { checkJobHandlers, JOB, QUEUE, TenantJobsProducer, type JobName, type ProvisionTenantPayload } from '../../../jobs/src/index.js';
import { ProvisioningService } from './provisioning.service.js';
import { TenantSchemaUpgrader } from './tenant-schema-upgrader.js';
import { TenantSchemasRepository } from './tenant-schemas.repository.js';

const RECONCILE_EVERY_MS = 60_000;

/** The tenant-provisioning queue: provision a tenant, refill the warm pool, reconcile. */
// autorun off: the worker starts after the startup upgrade, with options from AppConfig.
@Processor(QUEUE.tenantProvisioning, { autorun: false })
@Injectable()
export class TenantProvisioningProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(TenantProvisioningProcessor.name);
  private readonly handlers: Partial<Record<JobName, (job: Job) => Promise<unknown>>> = {
    [JOB.provisionTenant]: (job) => this.provision(job as Job<ProvisionTenantPayload>),
    [JOB.refillSchemaPool]: () => this.provisioning.refillPool(),
    [JOB.reconcileTenants]: () => this.reconcile(),
  };

  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly upgrader: TenantSchemaUpgrader,
    private readonly producer: TenantJobsProducer,
    private readonly schemas: TenantSchemasRepository,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.tenantProvisioning) private readonly queue: Queue,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.tenantProvisioning, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Roles first (one query when there is nothing to do); the schema fan-out is a job of its own
    // (TenantMigrationsProcessor): new tenants are made at the latest version meanwhile.
    await this.upgrader.ensureRoles();
    await this.queue.upsertJobScheduler('reconcile-tenants', { every: RECONCILE_EVERY_MS }, { name: JOB.reconcileTenants, data: {} });
    await this.reconcile();
    Object.assign(this.worker.opts, {
      lockDuration: this.config.QUEUE_LOCK_MS,
      stalledInterval: this.config.QUEUE_STALLED_INTERVAL_MS,
      // Completed/failed counts kept in Redis: /metrics reads them (tenantry_queue_jobs_finished).
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    });
    this.worker.concurrency = this.config.PROVISION_CONCURRENCY;
    this.worker.run().catch((error: unknown) => this.logger.error(`provisioning worker stopped: ${String(error)}`));
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }

  private async provision(job: Job<ProvisionTenantPayload>): Promise<string> {
    const { tenantId } = job.data;
    try {
      const outcome = await this.provisioning.provision(tenantId);
      this.logger.log(`tenant ${tenantId}: ${outcome}`);
      if (outcome === 'claimed-spare') await this.producer.refillSchemaPool();
      return outcome;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        this.logger.error(`tenant ${tenantId}: provisioning failed after ${attempts} attempts: ${message}`);
        await this.provisioning.markFailed(tenantId, message);
      } else {
        this.logger.warn(`tenant ${tenantId}: provisioning attempt ${job.attemptsMade + 1}/${attempts} failed: ${message}`);
      }
      throw error;
    }
  }

  /** Re-enqueues tenants stuck in provisioning (say, the API died between insert and enqueue) and refills the pool. */
  private async reconcile(): Promise<void> {
    for (const id of await this.schemas.stuckInProvisioning()) await this.producer.retryProvisioning(id);
    await this.producer.refillSchemaPool();
  }
}
