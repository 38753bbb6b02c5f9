import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/src/index.js';

export type ProviderJobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ProviderJob {
  id: string;
  status: ProviderJobStatus;
  fine_tuned_model?: string | null;
  error?: { message?: string } | null;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    /** 4xx other than 408/429: retrying will not help. */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;

/** The OpenAI fine-tuning API (or a compatible one) at FINE_TUNE_API_BASE: upload a file, create, read and cancel a job. */
@Injectable()
export class OpenAiFineTuningClient {
  constructor(private readonly config: AppConfig) {}

  get configured(): boolean {
    return Boolean(this.config.FINE_TUNE_API_KEY);
  }

  private async call<T>(method: string, path: string, body?: FormData | Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
    const url = `${this.config.FINE_TUNE_API_BASE.replace(/\/+$/, '')}${path}`;
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.config.FINE_TUNE_API_KEY ?? ''}`, ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) };
    if (body instanceof FormData) init.body = body;
    else if (body) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (error) {
      throw new ProviderError(`fine-tuning API unreachable: ${(error as Error).message}`, false);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: the text itself
      }
      throw new ProviderError(`fine-tuning API ${method} ${path}: ${res.status} ${message}`, res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProviderError(`fine-tuning API ${method} ${path}: answer is not JSON`, false);
    }
  }

  async uploadFile(name: string, jsonl: Buffer): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), name);
    const file = await this.call<{ id?: unknown }>('POST', '/files', form);
    if (typeof file.id !== 'string') throw new ProviderError('fine-tuning API: the uploaded file has no id', false);
    return file.id;
  }

  async createJob(params: { model: string; training_file: string; hyperparameters: Record<string, unknown>; jobId: string }): Promise<ProviderJob> {
    const job = await this.call<ProviderJob>(
      'POST',
      '/fine_tuning/jobs',
      { model: params.model, training_file: params.training_file, hyperparameters: params.hyperparameters, metadata: { tenantry_job_id: params.jobId } },
      // Providers that honour it never create the same job twice, should our worker die between create and recording the id.
      { 'idempotency-key': `tenantry-ft-${params.jobId}` },
    );
    if (typeof job.id !== 'string') throw new ProviderError('fine-tuning API: the created job has no id', false);
    return job;
  }

  getJob(id: string): Promise<ProviderJob> {
    return this.call<ProviderJob>('GET', `/fine_tuning/jobs/${encodeURIComponent(id)}`);
  }

  cancelJob(id: string): Promise<ProviderJob> {
    return this.call<ProviderJob>('POST', `/fine_tuning/jobs/${encodeURIComponent(id)}/cancel`);
  }
}
