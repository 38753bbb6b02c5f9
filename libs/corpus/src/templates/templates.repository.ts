import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPage, type SqlRunner, TenantDb } from '../../../database/src/index.js';

export interface TemplateRow {
  id: string;
  tenant_id: string | null;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  documents: Array<{ title: string; content: string; metadata: Record<string, unknown> }>;
}

const COLUMNS = `t.id, t.tenant_id, t.name, t.description, t.version, t.created_at, t.updated_at,
  coalesce((SELECT json_agg(json_build_object('title', d.title, 'content', d.content, 'metadata', d.metadata) ORDER BY d.position)
              FROM public.corpus_template_documents d WHERE d.template_id = t.id), '[]'::json) AS documents`;

/**
 * The tenants whose templates a user sees: those they are a member of, and every ancestor of
 * those (a parent's templates are visible to its descendants).
 */
const VISIBLE_OWNERS = `WITH RECURSIVE up (id, parent_id, depth) AS (
    SELECT tn.id, tn.parent_id, 0 FROM public.tenants tn JOIN public.memberships m ON m.tenant_id = tn.id WHERE m.user_id = $2
    UNION
    SELECT p.id, p.parent_id, up.depth + 1 FROM public.tenants p JOIN up ON p.id = up.parent_id WHERE up.depth < 15
  ) SELECT id FROM up`;

type Doc = TemplateRow['documents'][number];

/** public.corpus_templates and their documents (runtime role, outside any tenant unit of work), and the tenant's ledger of applied versions. */
@Injectable()
export class TemplatesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantDb: TenantDb,
  ) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  async findById(id: string, db: SqlRunner = this.dataSource, forUpdate = false): Promise<TemplateRow | null> {
    const lock = forUpdate ? ' FOR UPDATE OF t' : '';
    const rows = (await db.query(`SELECT ${COLUMNS} FROM public.corpus_templates t WHERE t.id = $1${lock}`, [id])) as TemplateRow[];
    return rows[0] ?? null;
  }

  /** Every template (platform admins), or the globals and those of the tenants visible to `userId`. */
  list(userId: string, all: boolean, skip: number, limit: number): Promise<{ rows: TemplateRow[]; total: number }> {
    return queryPage<TemplateRow>(this.dataSource, {
      columns: COLUMNS,
      from: `FROM public.corpus_templates t WHERE $1::boolean OR t.tenant_id IS NULL OR t.tenant_id IN (${VISIBLE_OWNERS})`,
      orderBy: 't.created_at DESC, t.id DESC',
      params: [all, userId],
      skip,
      limit,
    });
  }

  /** Whether `tenantId` is the template owner `ownerId` or one of its descendants. */
  async isSelfOrDescendant(tenantId: string, ownerId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `WITH RECURSIVE up (id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT p.id, p.parent_id, up.depth + 1 FROM public.tenants p JOIN up ON p.id = up.parent_id WHERE up.depth < 15
       ) SELECT 1 FROM up WHERE id = $2 LIMIT 1`,
      [tenantId, ownerId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Whether `userId` sees templates of `ownerId` (a member of it or of one of its descendants). */
  async userSeesOwner(userId: string, ownerId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM (${VISIBLE_OWNERS}) v WHERE v.id = $1 LIMIT 1`, [ownerId, userId])) as unknown[];
    return rows.length > 0;
  }

  async insert(m: EntityManager, t: { tenant_id: string | null; name: string; description: string | null; created_by: string | null; documents: Doc[] }): Promise<TemplateRow> {
    const [row] = (await m.query(`INSERT INTO public.corpus_templates (tenant_id, name, description, created_by) VALUES ($1, $2, $3, $4) RETURNING id`, [
      t.tenant_id,
      t.name,
      t.description,
      t.created_by,
    ])) as Array<{ id: string }>;
    await this.replaceDocuments(m, row!.id, t.documents);
    return (await this.findById(row!.id, m))!;
  }

  async update(m: EntityManager, id: string, patch: { name?: string; description?: string | null; documents?: Doc[] }): Promise<TemplateRow> {
    await m.query(
      `UPDATE public.corpus_templates SET name = coalesce($2, name), description = CASE WHEN $3::boolean THEN $4 ELSE description END,
              version = version + CASE WHEN $5::boolean THEN 1 ELSE 0 END, updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.description !== undefined, patch.description ?? null, patch.documents !== undefined],
    );
    if (patch.documents) await this.replaceDocuments(m, id, patch.documents);
    return (await this.findById(id, m))!;
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM public.corpus_templates WHERE id = $1`, [id]);
  }

  private async replaceDocuments(m: EntityManager, id: string, docs: Doc[]): Promise<void> {
    await m.query(`DELETE FROM public.corpus_template_documents WHERE template_id = $1`, [id]);
    if (docs.length === 0) return;
    await m.query(
      `INSERT INTO public.corpus_template_documents (template_id, position, title, content, metadata)
       SELECT $1, d.ord - 1, d.value->>'title', coalesce(d.value->>'content', ''), coalesce(d.value->'metadata', '{}'::jsonb)
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS d(value, ord)`,
      [id, JSON.stringify(docs)],
    );
  }

  // In the tenant's unit of work: its ledger of applied template versions.

  /** Serialises applications of one template in the current tenant, then says whether this version was applied. */
  async lockAndCheckApplied(tenantId: string, templateId: string, version: number): Promise<boolean> {
    const db = this.tenantDb.manager;
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('apply-template:' || $1::text || ':' || $2::text, 0))`, [tenantId, templateId]);
    const rows = (await db.query(`SELECT 1 FROM applied_templates WHERE template_id = $1 AND version = $2`, [templateId, version])) as unknown[];
    return rows.length > 0;
  }

  async recordApplied(templateId: string, version: number, documentCount: number): Promise<void> {
    await this.tenantDb.manager.query(`INSERT INTO applied_templates (template_id, version, document_count) VALUES ($1, $2, $3)`, [templateId, version, documentCount]);
  }
}
