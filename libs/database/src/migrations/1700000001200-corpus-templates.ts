import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Corpus templates (seed 000): reusable base corpora. A template with no owner tenant is
 * global (made by a platform admin); one owned by a tenant is visible to that tenant and its
 * descendants. `version` goes up whenever its documents change; tenants record the versions
 * they applied (tenant table applied_templates), so applying one twice adds nothing.
 * Row-level security like the other tenant-carrying tables (a tenant role sees globals and its own).
 */
export class CorpusTemplates1700000001200 implements MigrationInterface {
  name = 'CorpusTemplates1700000001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.corpus_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES public.tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text CHECK (description IS NULL OR length(description) <= 2000),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_by uuid REFERENCES public.users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX corpus_templates_tenant_idx ON public.corpus_templates (tenant_id, created_at DESC);

      CREATE TABLE public.corpus_template_documents (
        template_id uuid NOT NULL REFERENCES public.corpus_templates (id) ON DELETE CASCADE,
        position integer NOT NULL,
        title text NOT NULL,
        content text NOT NULL DEFAULT '',
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (template_id, position)
      );

      ALTER TABLE public.corpus_templates ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.corpus_templates
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.corpus_template_documents; DROP TABLE public.corpus_templates`);
  }
}
