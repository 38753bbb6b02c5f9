import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type ExportStatus = 'pending' | 'running' | 'done' | 'failed';

export interface ExportRow {
  id: string;
  tenant_id: string;
  status: ExportStatus;
  storage_key: string | null;
  bytes: string | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** public.tenant_exports (runtime role; always filtered by tenant id here, row-level security behind it). */
@Injectable()
export class TenantExportsRepository {
  constructor(private readonly db: DataSource) {}

  async create(tenantId: string, userId: string | null): Promise<ExportRow> {
    const rows = (await this.db.query(`INSERT INTO public.tenant_exports (tenant_id, requested_by) VALUES ($1, $2) RETURNING *`, [tenantId, userId])) as ExportRow[];
    return rows[0]!;
  }

  async find(tenantId: string, id: string): Promise<ExportRow | null> {
    const rows = (await this.db.query(`SELECT * FROM public.tenant_exports WHERE tenant_id = $1 AND id = $2`, [tenantId, id])) as ExportRow[];
    return rows[0] ?? null;
  }

  async mark(id: string, status: ExportStatus, fields: { storageKey?: string; bytes?: number; error?: string } = {}): Promise<void> {
    await this.db.query(
      `UPDATE public.tenant_exports SET status = $2, storage_key = coalesce($3, storage_key), bytes = coalesce($4, bytes), error = $5,
         finished_at = CASE WHEN $2 IN ('done', 'failed') THEN now() ELSE NULL END
       WHERE id = $1`,
      [id, status, fields.storageKey ?? null, fields.bytes ?? null, fields.error?.slice(0, 2000) ?? null],
    );
  }
}
