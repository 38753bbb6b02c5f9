import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { NotFound } from '../../common/src/index.js';
import { OperationsJobsProducer } from '../../jobs/src/index.js';
import { StorageDriver } from '../../storage/src/index.js';
import { EXPORTS_PREFIX } from './tenant-archive.js';
import { type ExportRow, TenantExportsRepository } from './tenant-exports.repository.js';

export interface ExportView {
  id: string;
  status: ExportRow['status'];
  created_at: Date;
  finished_at: Date | null;
  bytes: number | null;
  error?: string;
  download_url?: string;
}

export const exportKey = (exportId: string): string => `${EXPORTS_PREFIX}${exportId}.tar.gz`;

/** Tenant exports over HTTP: requested here, built by the worker (TenantExportProcessor), served from storage. */
@Injectable()
export class TenantExportService {
  constructor(
    private readonly repo: TenantExportsRepository,
    private readonly jobs: OperationsJobsProducer,
    private readonly storage: StorageDriver,
  ) {}

  async request(tenantId: string, userId: string | null): Promise<{ id: string; status: string }> {
    const row = await this.repo.create(tenantId, userId);
    try {
      await this.jobs.exportTenant({ tenantId, exportId: row.id });
    } catch (error) {
      await this.repo.mark(row.id, 'failed', { error: 'could not be queued' });
      throw error;
    }
    return { id: row.id, status: row.status };
  }

  async get(tenantId: string, tenantKey: string, id: string): Promise<ExportView> {
    const row = await this.repo.find(tenantId, id);
    if (!row) throw new NotFound('Export', id);
    return {
      id: row.id,
      status: row.status,
      created_at: row.created_at,
      finished_at: row.finished_at,
      bytes: row.bytes === null ? null : Number(row.bytes),
      ...(row.error ? { error: row.error } : {}),
      ...(row.status === 'done' ? { download_url: `/api/tenants/${encodeURIComponent(tenantKey)}/export/${row.id}/download` } : {}),
    };
  }

  async download(tenantId: string, id: string): Promise<Readable> {
    const row = await this.repo.find(tenantId, id);
    if (!row || row.status !== 'done') throw new NotFound('Export', id);
    const stream = await this.storage.stream(tenantId, row.storage_key ?? exportKey(id));
    if (!stream) throw new NotFound('Export', id);
    return stream;
  }
}
