import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one row per mutation, append-only for the runtime role (runPublicMigrations
 * grants it INSERT and SELECT only). No foreign key to tenants: the record of a tenant
 * outlives the tenant. Row-level security as on memberships: a tenant's unit of work (its
 * own role) sees only its own entries; the runtime role, outside one, sees every row.
 */
export class AuditLog1700000000500 implements MigrationInterface {
  name = 'AuditLog1700000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid,
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'cli', 'system')),
        actor_id text,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        changes jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id text,
        ip inet,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX audit_log_tenant_time_idx ON public.audit_log (tenant_id, created_at DESC, id DESC);

      ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.audit_log
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.audit_log`);
  }
}
