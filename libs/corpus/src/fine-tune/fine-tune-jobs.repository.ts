import { Injectable } from '@nestjs/common';
import { queryPage, TenantDb } from '../../../database/src/index.js';
import type { FineTuneProvider, FineTuneSource, FineTuneStatus } from './fine-tune.dto.js';

export interface FineTuneJobRow {
  id: string;
  status: FineTuneStatus;
  base_model: string;
  source: FineTuneSource;
  provider: FineTuneProvider;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  dataset_key: string | null;
  dataset_rows: number | null;
  dataset_bytes: string | null;
  provider_file_id: string | null;
  provider_job_id: string | null;
  cancel_requested: boolean;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const COLUMNS = `id, status, base_model, source, provider, params, result, error, dataset_key, dataset_rows, dataset_bytes, provider_file_id,
  provider_job_id, cancel_requested, created_by, created_at, updated_at, started_at, finished_at`;

/** A row change: only the listed fields, and only when the row is still in one of `from` (compare-and-set). */
export interface JobChange {
  status?: FineTuneStatus;
  error?: string | null;
  result?: Record<string, unknown> | null;
  dataset_key?: string;
  dataset_rows?: number;
  dataset_bytes?: number;
  provider_file_id?: string;
  provider_job_id?: string;
  cancel_requested?: boolean;
  started?: boolean;
  finished?: boolean;
}

/** The current tenant's fine-tune jobs and the data a dataset is built from, through the unit of work. */
@Injectable()
export class FineTuneJobsRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  private get db() {
    return this.tenantDb.manager;
  }

  async insert(job: { base_model: string; source: FineTuneSource; provider: FineTuneProvider; params: Record<string, unknown>; created_by: string | null }): Promise<FineTuneJobRow> {
    const rows = (await this.db.query(
      `INSERT INTO fine_tune_jobs (base_model, source, provider, params, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [job.base_model, job.source, job.provider, job.params, job.created_by],
    )) as FineTuneJobRow[];
    return rows[0]!;
  }

  async findById(id: string, forUpdate = false): Promise<FineTuneJobRow | null> {
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM fine_tune_jobs WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id])) as FineTuneJobRow[];
    return rows[0] ?? null;
  }

  list(skip: number, limit: number): Promise<{ rows: FineTuneJobRow[]; total: number }> {
    return queryPage<FineTuneJobRow>(this.db, { columns: COLUMNS, from: 'FROM fine_tune_jobs', orderBy: 'created_at DESC, id DESC', params: [], skip, limit });
  }

  /** Applies `change` if the job is still in one of `from`; the new row, or null when it was not (someone else moved it). */
  async change(id: string, from: readonly FineTuneStatus[], change: JobChange): Promise<FineTuneJobRow | null> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [id, from];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    for (const key of ['status', 'error', 'result', 'dataset_key', 'dataset_rows', 'dataset_bytes', 'provider_file_id', 'provider_job_id', 'cancel_requested'] as const) {
      if (change[key] !== undefined) set(key, change[key]);
    }
    if (change.started) sets.push('started_at = coalesce(started_at, now())');
    if (change.finished) sets.push('finished_at = now()');
    const rows = (await this.db.query(`UPDATE fine_tune_jobs SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2::text[]) RETURNING ${COLUMNS}`, params)) as [
      FineTuneJobRow[],
      number,
    ];
    return rows[0]?.[0] ?? null;
  }

  /** Documents in a stable order, a page at a time. */
  documentsPage(afterCreated: string | null, afterId: string | null, limit: number): Promise<Array<{ id: string; title: string; content: string; cursor: string }>> {
    return this.db.query(
      `SELECT id, title, content, created_at::text AS cursor FROM documents
        WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid)
        ORDER BY created_at, id LIMIT $3`,
      [afterCreated, afterId, limit],
    ) as Promise<Array<{ id: string; title: string; content: string; cursor: string }>>;
  }

  /** Chat sessions in a stable order, a page at a time, each with its messages in order. */
  sessionsPage(afterCreated: string | null, afterId: string | null, limit: number): Promise<Array<{ id: string; cursor: string; messages: Array<{ role: string; content: string }> }>> {
    return this.db.query(
      `SELECT s.id, s.created_at::text AS cursor,
              coalesce((SELECT json_agg(json_build_object('role', m.role, 'content', m.content) ORDER BY m.created_at, m.id)
                          FROM chat_messages m WHERE m.session_id = s.id), '[]'::json) AS messages
         FROM chat_sessions s
        WHERE $1::timestamptz IS NULL OR (s.created_at, s.id) > ($1::timestamptz, $2::uuid)
        ORDER BY s.created_at, s.id LIMIT $3`,
      [afterCreated, afterId, limit],
    ) as Promise<Array<{ id: string; cursor: string; messages: Array<{ role: string; content: string }> }>>;
  }
}
