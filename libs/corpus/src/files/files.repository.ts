import { Injectable } from '@nestjs/common';
import { queryPage, TenantDb } from '../../../database/src/index.js';

export interface FileRow {
  id: string;
  document_id: string | null;
  name: string;
  mime: string;
  size: string; // bigint
  sha256: string;
  storage_key: string;
  created_at: Date;
}

const COLUMNS = 'id, document_id, name, mime, size, sha256, storage_key, created_at';

/** The current tenant's stored files (table `files`), through the unit of work. */
@Injectable()
export class FilesRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  async insert(row: Omit<FileRow, 'created_at' | 'size'> & { size: number }): Promise<FileRow> {
    const rows = (await this.tenantDb.manager.query(
      `INSERT INTO files (id, document_id, name, mime, size, sha256, storage_key) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [row.id, row.document_id, row.name, row.mime, row.size, row.sha256, row.storage_key],
    )) as FileRow[];
    return rows[0]!;
  }

  async findById(id: string): Promise<FileRow | null> {
    const rows = (await this.tenantDb.manager.query(`SELECT ${COLUMNS} FROM files WHERE id = $1`, [id])) as FileRow[];
    return rows[0] ?? null;
  }

  list(skip: number, limit: number): Promise<{ rows: FileRow[]; total: number }> {
    return queryPage<FileRow>(this.tenantDb.manager, { columns: COLUMNS, from: 'FROM files', orderBy: 'created_at DESC, id DESC', params: [], skip, limit });
  }

  /**
   * Takes the tenant's corpus-quota lock (until the unit of work ends) and measures what the
   * corpus holds: documents and stored bytes.
   */
  async lockAndMeasure(tenantId: string): Promise<{ documents: number; bytes: number }> {
    const db = this.tenantDb.manager;
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('corpus-quota:' || $1::text, 0))`, [tenantId]);
    const rows = (await db.query(
      `SELECT (SELECT count(*) FROM documents)::bigint AS documents, (SELECT coalesce(sum(size), 0) FROM files)::bigint AS bytes`,
    )) as Array<{ documents: string; bytes: string }>;
    return { documents: Number(rows[0]?.documents ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }
}
