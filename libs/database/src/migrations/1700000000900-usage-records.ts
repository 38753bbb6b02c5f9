import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Metered usage. Events are buffered and flushed in batches: one row per (batch, tenant,
 * resource, minute bucket), so a flush retried with the same batch id inserts nothing twice
 * (ON CONFLICT DO NOTHING on usage_records_batch_key). usage_daily holds the rollup per day.
 * No foreign key to tenants: a tenant's usage is billed even after the tenant is deleted.
 * Row-level security like the audit log.
 */
export class UsageRecords1700000000900 implements MigrationInterface {
  name = 'UsageRecords1700000000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.usage_records (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL,
        resource_type text NOT NULL CHECK (resource_type IN ('api_call', 'message', 'llm_token', 'rag_query', 'storage_mb')),
        quantity bigint NOT NULL CHECK (quantity >= 0),
        bucket timestamptz NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        batch_id text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX usage_records_batch_key ON public.usage_records (batch_id, tenant_id, resource_type, bucket);
      CREATE INDEX usage_records_tenant_time_idx ON public.usage_records (tenant_id, bucket DESC);

      CREATE TABLE public.usage_daily (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        resource_type text NOT NULL,
        quantity bigint NOT NULL,
        PRIMARY KEY (tenant_id, day, resource_type)
      );

      ALTER TABLE public.usage_records ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.usage_records
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
      ALTER TABLE public.usage_daily ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.usage_daily
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.usage_daily; DROP TABLE public.usage_records`);
  }
}
