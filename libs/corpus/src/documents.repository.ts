import { Injectable } from '@nestjs/common';
import { queryPage, TenantDb } from '../../database/src/index.js';
import type { DocumentEntity } from './document.entity.js';

const COLUMNS = `d.id, d.title, d.content, d.metadata, d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

/** Documents of the current tenant, always through the unit of work's manager. */
@Injectable()
export class DocumentsRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  private get manager() {
    return this.tenantDb.manager;
  }

  /**
   * A page of documents, newest first; with `q`, those matching it (websearch syntax, parsed with
   * the schema's text search configuration) through the GIN index on the stored `tsv`, best first.
   */
  list(skip: number, limit: number, q?: string): Promise<{ rows: DocumentEntity[]; total: number }> {
    if (!q) return queryPage<DocumentEntity>(this.manager, { columns: COLUMNS, from: 'FROM documents d', orderBy: 'd.created_at DESC, d.id DESC', params: [], skip, limit });
    return queryPage<DocumentEntity>(this.manager, {
      columns: COLUMNS,
      from: `FROM documents d, (SELECT websearch_to_tsquery(ts_config, $1) AS q FROM corpus_settings) s WHERE d.tsv @@ s.q`,
      orderBy: 'ts_rank_cd(d.tsv, s.q) DESC, d.created_at DESC, d.id DESC',
      params: [q],
      skip,
      limit,
    });
  }

  async create(doc: { title: string; content: string; metadata: Record<string, unknown> }, tsConfig: string): Promise<DocumentEntity> {
    const [row] = (await this.manager.query(
      `INSERT INTO documents AS d (title, content, metadata, ts_config) VALUES ($1, $2, $3::jsonb, $4::regconfig) RETURNING ${COLUMNS}`,
      [doc.title, doc.content, JSON.stringify(doc.metadata), tsConfig],
    )) as DocumentEntity[];
    return row!;
  }

  async findById(id: string): Promise<DocumentEntity | null> {
    const [row] = (await this.manager.query(`SELECT ${COLUMNS} FROM documents d WHERE d.id = $1`, [id])) as DocumentEntity[];
    return row ?? null;
  }

  /** Applies the given fields (undefined: unchanged) and re-stamps the row with `tsConfig`. */
  async update(id: string, patch: Partial<Pick<DocumentEntity, 'title' | 'content' | 'metadata'>>, tsConfig: string): Promise<DocumentEntity | null> {
    const [rows] = (await this.manager.query(
      `UPDATE documents AS d SET title = coalesce($2, title), content = coalesce($3, content), metadata = coalesce($4::jsonb, metadata),
              ts_config = $5::regconfig, updated_at = now()
        WHERE d.id = $1 RETURNING ${COLUMNS}`,
      [id, patch.title ?? null, patch.content ?? null, patch.metadata === undefined ? null : JSON.stringify(patch.metadata), tsConfig],
    )) as [DocumentEntity[], number]; // TypeORM answers an UPDATE as [rows, rowCount]
    return rows[0] ?? null;
  }

  async delete(id: string): Promise<boolean> {
    // TypeORM answers an UPDATE or DELETE as [rows, rowCount].
    const [, count] = (await this.manager.query(`DELETE FROM documents WHERE id = $1`, [id])) as [unknown[], number];
    return count > 0;
  }
}
