import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { AppConfig } from '../../../config/src/index.js';
import { type TenantRef, TenantDb, tenantRef } from '../../../database/src/index.js';
import { checkJobHandlers, JOB, type JobName, QUEUE, type RunFineTuneJobPayload } from '../../../jobs/src/index.js';
import { StorageDriver } from '../../../storage/src/index.js';
import { TenantsRepository } from '../../../tenancy/src/index.js';
import { buildDataset, DatasetInvalid, validateDataset } from './fine-tune-dataset.js';
import { type FineTuneJobRow, FineTuneJobsRepository, type JobChange } from './fine-tune-jobs.repository.js';
import { type FineTuneStatus, TERMINAL_STATUSES } from './fine-tune.dto.js';
import { OpenAiFineTuningClient, ProviderError } from './openai-fine-tuning.client.js';

/** What one pass of the pipeline did. */
type Step = 'continue' | 'poll-later' | 'done';

/**
 * The fine-tune pipeline. The job's row in the tenant schema is the whole state: every step
 * is a compare-and-set on its status, so a worker killed at any instruction is resumed by the
 * next one (BullMQ hands the stalled job over) from the last committed step: a dataset is
 * rebuilt under the same key, a provider file or job recorded on the row is never made again.
 * A running provider job is polled by re-delaying the BullMQ job, not by sleeping in it, so
 * no worker slot is held and a cancel is seen within FINE_TUNE_POLL_MS.
 */
@Processor(QUEUE.fineTune, { autorun: false })
@Injectable()
export class FineTuneProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(FineTuneProcessor.name);
  private readonly handlers: Record<Extract<JobName, 'run-fine-tune-job'>, (job: Job, token?: string) => Promise<unknown>> = {
    [JOB.runFineTuneJob]: (job, token) => this.run(job as Job<RunFineTuneJobPayload>, token),
  };

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly tenantDb: TenantDb,
    private readonly jobs: FineTuneJobsRepository,
    private readonly storage: StorageDriver,
    private readonly provider: OpenAiFineTuningClient,
    private readonly config: AppConfig,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.fineTune, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  onApplicationBootstrap(): void {
    Object.assign(this.worker.opts, { lockDuration: this.config.QUEUE_LOCK_MS, stalledInterval: this.config.QUEUE_STALLED_INTERVAL_MS });
    this.worker.concurrency = 4;
    this.worker.run().catch((error: unknown) => this.logger.error(`fine-tune worker stopped: ${String(error)}`));
  }

  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlers[job.name as 'run-fine-tune-job'];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job, token);
  }

  private async run(job: Job<RunFineTuneJobPayload>, token?: string): Promise<string> {
    const { tenantId, jobId } = job.data;
    const tenant = await this.tenants.findByKey(tenantId);
    if (!tenant || tenant.status !== 'active') return `tenant ${tenant?.status ?? 'gone'}`; // its schema is not ours to touch now
    const ref: TenantRef = tenantRef(tenant);
    try {
      for (;;) {
        const row = await this.tx(ref, () => this.jobs.findById(jobId));
        if (!row || TERMINAL_STATUSES.has(row.status)) return row?.status ?? 'missing';
        const step = await this.step(ref, row);
        if (step === 'done') return (await this.tx(ref, () => this.jobs.findById(jobId)))?.status ?? 'missing';
        if (step === 'poll-later') {
          await job.moveToDelayed(Date.now() + this.config.FINE_TUNE_POLL_MS, token);
          throw new DelayedError();
        }
      }
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const last = error instanceof ProviderError ? error.permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1) : job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!last) {
        this.logger.warn(`fine-tune job ${jobId} (tenant ${tenantId}): attempt ${job.attemptsMade + 1} failed, will retry: ${message}`);
        throw error;
      }
      this.logger.error(`fine-tune job ${jobId} (tenant ${tenantId}) failed: ${message}`);
      await this.tx(ref, () => this.jobs.change(jobId, ['queued', 'preparing', 'running'], { status: 'failed', error: message.slice(0, 1000), finished: true }));
      return 'failed';
    }
  }

  private tx<T>(ref: TenantRef, fn: () => Promise<T>): Promise<T> {
    return this.tenantDb.runInContext(ref, fn);
  }

  private move(ref: TenantRef, row: FineTuneJobRow, from: FineTuneStatus, change: JobChange): Promise<FineTuneJobRow | null> {
    return this.tx(ref, () => this.jobs.change(row.id, [from], change));
  }

  private async step(ref: TenantRef, row: FineTuneJobRow): Promise<Step> {
    switch (row.status) {
      case 'queued':
        await this.move(ref, row, 'queued', { status: 'preparing', started: true });
        return 'continue';
      case 'preparing':
        return this.prepare(ref, row);
      case 'running':
        return this.atProvider(ref, row);
      default:
        return 'done';
    }
  }

  /** Builds the JSONL dataset from the tenant's data, validates it and stores it under the tenant's prefix. */
  private async prepare(ref: TenantRef, row: FineTuneJobRow): Promise<Step> {
    let built: { jsonl: Buffer; rows: number };
    try {
      built = await this.tx(ref, () => buildDataset(this.jobs, row.source));
      validateDataset(built.jsonl, row.provider);
    } catch (error) {
      if (!(error instanceof DatasetInvalid)) throw error;
      await this.move(ref, row, 'preparing', { status: 'failed', error: `invalid dataset: ${error.message}`, finished: true });
      return 'done';
    }
    const key = `fine-tune/${row.id}.jsonl`;
    await this.storage.put(ref.id, key, built.jsonl);
    const dataset = { dataset_key: key, dataset_rows: built.rows, dataset_bytes: built.jsonl.length };
    const next: JobChange = row.provider === 'export' ? { ...dataset, status: 'succeeded', finished: true } : { ...dataset, status: 'running' };
    // Cancelled meanwhile: the compare-and-set fails and the job stays cancelled.
    await this.move(ref, row, 'preparing', next);
    return 'continue';
  }

  /** Uploads the dataset, creates the provider's job (each once, recorded on the row), then polls it; honours cancel requests. */
  private async atProvider(ref: TenantRef, row: FineTuneJobRow): Promise<Step> {
    if (row.cancel_requested) {
      if (row.provider_job_id) {
        try {
          await this.provider.cancelJob(row.provider_job_id);
        } catch (error) {
          if (!(error instanceof ProviderError && error.permanent)) throw error; // already finished there: cancelled here anyway
        }
      }
      await this.move(ref, row, 'running', { status: 'cancelled', finished: true });
      return 'done';
    }
    if (!row.provider_file_id) {
      const jsonl = row.dataset_key ? await this.storage.get(ref.id, row.dataset_key) : null;
      if (!jsonl) throw new Error('the dataset is missing from storage');
      const fileId = await this.provider.uploadFile(`tenantry-${row.id}.jsonl`, jsonl);
      await this.move(ref, row, 'running', { provider_file_id: fileId });
      return 'continue';
    }
    if (!row.provider_job_id) {
      const created = await this.provider.createJob({
        model: row.base_model,
        training_file: row.provider_file_id,
        hyperparameters: (row.params.hyperparameters as Record<string, unknown> | undefined) ?? {},
        jobId: row.id,
      });
      await this.move(ref, row, 'running', { provider_job_id: created.id });
      return 'continue';
    }
    const remote = await this.provider.getJob(row.provider_job_id);
    if (remote.status === 'succeeded') {
      await this.move(ref, row, 'running', { status: 'succeeded', result: { fine_tuned_model: remote.fine_tuned_model ?? null, provider_status: remote.status }, finished: true });
      return 'done';
    }
    if (remote.status === 'failed') {
      await this.move(ref, row, 'running', { status: 'failed', error: `provider: ${remote.error?.message ?? 'the job failed'}`.slice(0, 1000), finished: true });
      return 'done';
    }
    if (remote.status === 'cancelled') {
      await this.move(ref, row, 'running', { status: 'cancelled', finished: true });
      return 'done';
    }
    return 'poll-later';
  }
}
