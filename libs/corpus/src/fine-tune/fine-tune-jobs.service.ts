import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { Conflict, DomainError, NotFound } from '../../../common/src/index.js';
import { TenantDb, tenantRef } from '../../../database/src/index.js';
import { FineTuneJobsProducer } from '../../../jobs/src/index.js';
import { StorageDriver } from '../../../storage/src/index.js';
import type { TenantRow } from '../../../tenancy/src/index.js';
import { type FineTuneJobRow, FineTuneJobsRepository } from './fine-tune-jobs.repository.js';
import { type CreateFineTuneJobDto, type FineTuneJobDto, type FineTuneJobListDto, TERMINAL_STATUSES } from './fine-tune.dto.js';
import { OpenAiFineTuningClient } from './openai-fine-tuning.client.js';

export class FineTuneProviderNotConfigured extends DomainError {
  constructor() {
    super('bad_request', 'provider_not_configured', "Provider 'openai' needs FINE_TUNE_API_KEY on the server; use provider 'export' to only build the dataset");
  }
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export function toFineTuneJobDto(r: FineTuneJobRow): FineTuneJobDto {
  return {
    id: r.id,
    status: r.status,
    base_model: r.base_model,
    source: r.source,
    provider: r.provider,
    hyperparameters: (r.params.hyperparameters as Record<string, number> | undefined) ?? {},
    dataset: r.dataset_key ? { rows: r.dataset_rows ?? 0, bytes: Number(r.dataset_bytes ?? 0) } : null,
    provider_job_id: r.provider_job_id,
    fine_tuned_model: typeof r.result?.fine_tuned_model === 'string' ? r.result.fine_tuned_model : null,
    error: r.error,
    cancel_requested: r.cancel_requested,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

/** Fine-tune jobs over HTTP: create (then queue), list, read, cancel, download the dataset. The worker does the rest. */
@Injectable()
export class FineTuneJobsService {
  constructor(
    private readonly jobs: FineTuneJobsRepository,
    private readonly tenantDb: TenantDb,
    private readonly producer: FineTuneJobsProducer,
    private readonly storage: StorageDriver,
    private readonly provider: OpenAiFineTuningClient,
  ) {}

  /** Commits the job, then queues it: the worker never looks for a row that is not there yet. */
  async create(tenant: TenantRow, userId: string | null, dto: CreateFineTuneJobDto): Promise<FineTuneJobDto> {
    const provider = dto.provider ?? 'export';
    if (provider === 'openai' && !this.provider.configured) throw new FineTuneProviderNotConfigured();
    const ref = tenantRef(tenant);
    const row = await this.tenantDb.runInContext(ref, () =>
      this.jobs.insert({ base_model: dto.base_model, source: dto.source, provider, params: { hyperparameters: { ...dto.hyperparameters } }, created_by: userId }),
    );
    try {
      await this.producer.enqueue({ tenantId: tenant.id, jobId: row.id });
    } catch (error) {
      // Not queued: say so on the job rather than leave it `queued` forever.
      await this.tenantDb.runInContext(ref, () => this.jobs.change(row.id, ['queued'], { status: 'failed', error: 'could not be queued (Redis unavailable)', finished: true }));
      throw error;
    }
    return toFineTuneJobDto(row);
  }

  async list(skip: number, limit: number): Promise<FineTuneJobListDto> {
    const { rows, total } = await this.jobs.list(skip, limit);
    return { jobs: rows.map(toFineTuneJobDto), total, skip, limit };
  }

  async get(id: string): Promise<FineTuneJobDto> {
    const row = await this.jobs.findById(id);
    if (!row) throw new NotFound('Fine-tune job', id);
    return toFineTuneJobDto(row);
  }

  /**
   * Queued or preparing: cancelled at once (the worker's next compare-and-set fails and it
   * stops). Running: marked `cancel_requested`; the worker cancels the provider's job and
   * then marks it cancelled. Finished: 409.
   */
  async cancel(id: string): Promise<FineTuneJobDto> {
    const row = await this.jobs.findById(id, true);
    if (!row) throw new NotFound('Fine-tune job', id);
    if (TERMINAL_STATUSES.has(row.status)) throw new Conflict('fine_tune_job_finished', `Fine-tune job '${id}' is already ${row.status}`);
    const changed =
      row.status === 'running'
        ? await this.jobs.change(id, ['running'], { cancel_requested: true })
        : await this.jobs.change(id, ['queued', 'preparing'], { status: 'cancelled', cancel_requested: true, finished: true });
    return toFineTuneJobDto(changed ?? row);
  }

  async dataset(tenantId: string, id: string): Promise<{ job: FineTuneJobDto; body: Readable }> {
    const row = await this.jobs.findById(id);
    if (!row) throw new NotFound('Fine-tune job', id);
    if (!row.dataset_key) throw new Conflict('dataset_not_ready', `Fine-tune job '${id}' has no dataset yet (${row.status})`);
    const body = await this.storage.stream(tenantId, row.dataset_key);
    if (!body) throw new NotFound('Fine-tune dataset', id);
    return { job: toFineTuneJobDto(row), body };
  }
}
