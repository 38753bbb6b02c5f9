import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Metering, part two.
 * - usage_records: the idempotency key also holds the metadata, so one batch may carry two
 *   rows of one (tenant, resource, minute) that differ only in metadata (say, the model).
 * - usage_daily: an index by day for the platform-wide report.
 * - quota_alerts: one row per (tenant, quota, threshold, period) ever alerted; inserting it is
 *   the claim that makes "one alert per threshold per period" hold across processes.
 */
export class UsageMetering1700000001300 implements MigrationInterface {
  name = 'UsageMetering1700000001300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX public.usage_records_batch_key;
      CREATE UNIQUE INDEX usage_records_batch_key ON public.usage_records (batch_id, tenant_id, resource_type, bucket, metadata);
      CREATE INDEX usage_records_bucket_idx ON public.usage_records (bucket);
      CREATE INDEX usage_daily_day_idx ON public.usage_daily (day);

      CREATE TABLE public.quota_alerts (
        tenant_id uuid NOT NULL,
        quota text NOT NULL,
        threshold int NOT NULL CHECK (threshold IN (80, 100)),
        period text NOT NULL,
        used bigint NOT NULL,
        quota_limit bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        emailed_to int,
        event_emitted_at timestamptz,
        PRIMARY KEY (tenant_id, quota, threshold, period)
      );
      ALTER TABLE public.quota_alerts ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.quota_alerts
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE public.quota_alerts;
      DROP INDEX public.usage_daily_day_idx;
      DROP INDEX public.usage_records_bucket_idx;
      DROP INDEX public.usage_records_batch_key;
      CREATE UNIQUE INDEX usage_records_batch_key ON public.usage_records (batch_id, tenant_id, resource_type, bucket);
    `);
  }
}
