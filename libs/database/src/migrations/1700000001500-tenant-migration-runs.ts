import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant migration runs. `migration_runs` has one row per fan-out (CLI or worker job):
 * `finished_at` NULL means it is running or was killed (resume it with its id).
 * `tenant_migration_runs` has one row per tenant and run: written in the same transaction as
 * the tenant's migration when it succeeds (so a kill never leaves a migrated tenant unrecorded),
 * and after the rollback when it fails. No foreign key to tenants: the history outlives a
 * hard-deleted tenant. Owner-only tables (the runtime role gets no privilege on them).
 */
export class TenantMigrationRuns1700000001500 implements MigrationInterface {
  name = 'TenantMigrationRuns1700000001500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.migration_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        origin text NOT NULL CHECK (origin IN ('cli', 'worker')),
        target_version integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        resumed_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX migration_runs_started_idx ON public.migration_runs (started_at DESC);

      CREATE TABLE public.tenant_migration_runs (
        run_id uuid NOT NULL REFERENCES public.migration_runs (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL,
        slug text NOT NULL,
        from_version integer NOT NULL,
        to_version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('ok', 'failed')),
        error text,
        ms integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, tenant_id)
      );
      CREATE INDEX tenant_migration_runs_tenant_idx ON public.tenant_migration_runs (tenant_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.tenant_migration_runs; DROP TABLE public.migration_runs`);
  }
}
