import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage ingest idempotency by batch instead of by row: `usage_batches` holds one row per batch
 * ever ingested, claimed in the ingest's transaction, so a redelivered batch finds its claim and
 * inserts nothing. It replaces the unique index over (batch_id, tenant_id, resource_type,
 * bucket, metadata), the widest index of usage_records, which every inserted row had to update
 * (the ingest's worst case spent most of its time there and in usage_daily). The batches already
 * ingested are claimed here, so a pre-upgrade batch delivered again still counts once.
 */
export class UsageBatches1700000001850 implements MigrationInterface {
  name = 'UsageBatches1700000001850';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.usage_batches (
        batch_id text PRIMARY KEY,
        ingested_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO public.usage_batches (batch_id) SELECT DISTINCT batch_id FROM public.usage_records;
      DROP INDEX public.usage_records_batch_key;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNIQUE INDEX usage_records_batch_key ON public.usage_records (batch_id, tenant_id, resource_type, bucket, metadata);
      DROP TABLE public.usage_batches;
    `);
  }
}
