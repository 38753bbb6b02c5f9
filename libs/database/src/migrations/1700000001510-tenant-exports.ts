import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant exports requested over HTTP (POST /api/tenants/{t}/export): built by the worker into
 * the tenant's storage prefix (`exports/<id>.tar.gz`). Row-level security like memberships;
 * a hard delete removes them with the tenant (cascade).
 */
export class TenantExports1700000001510 implements MigrationInterface {
  name = 'TenantExports1700000001510';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.tenant_exports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        requested_by uuid REFERENCES public.users (id) ON DELETE SET NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
        storage_key text,
        bytes bigint,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX tenant_exports_tenant_idx ON public.tenant_exports (tenant_id, created_at DESC);
      ALTER TABLE public.tenant_exports ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.tenant_exports
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.tenant_exports`);
  }
}
