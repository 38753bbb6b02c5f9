import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPage } from '../../database/src/index.js';
import type { IngestUsagePayload } from '../../jobs/src/index.js';
import type { UsageResource } from './usage-recorder.js';

/** Usage totals by resource (`storage_mb` is a gauge: its latest value, every other resource a sum). */
export type UsageTotals = Partial<Record<UsageResource, number>>;

export interface UsageRecordRow {
  id: string;
  resource_type: UsageResource;
  quantity: number;
  timestamp: Date;
  metadata: Record<string, unknown>;
}

// Flushes take this lock shared, a rollup exclusive: a rollup re-derives days from a snapshot
// of usage_records, so an increment committed meanwhile would otherwise be overwritten.
const DAILY_LOCK = `SELECT pg_advisory_xact_lock(hashtext('tenantry.usage_daily'))`;
const DAILY_LOCK_SHARED = `SELECT pg_advisory_xact_lock_shared(hashtext('tenantry.usage_daily'))`;

/** A resource's total over rows: the latest value of the gauge, the sum of everything else. */
const TOTAL_OF = (q: string, order: string) =>
  `CASE WHEN resource_type = 'storage_mb' THEN (array_agg(${q} ORDER BY ${order} DESC))[1] ELSE sum(${q}) END::bigint`;

function totalsFrom(rows: Array<{ resource_type: UsageResource; total: string | number }>): UsageTotals {
  const totals: UsageTotals = {};
  for (const r of rows) totals[r.resource_type] = Number(r.total);
  return totals;
}

/** All SQL on public.usage_records, public.usage_daily and the storage measurements. */
@Injectable()
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts one batch and adds it to usage_daily, in one transaction that first claims the batch
   * id in usage_batches: a replay finds the claim (committed, or waits for the transaction that
   * holds it) and inserts nothing, so it adds nothing to the days. Then one INSERT of the rows
   * and one upsert of the batch's days, summed in SQL from the same arrays, in key order (two
   * ingests touching the same days lock them in one order, never into a deadlock).
   * Returns how many rows were inserted (0 for a replay).
   */
  async ingest(batch: IngestUsagePayload, holdOpenMs = 0): Promise<number> {
    const n = batch.rows.length;
    const tenants = new Array<string>(n);
    const resources = new Array<string>(n);
    const quantities = new Array<number>(n);
    const buckets = new Array<string>(n);
    const metas = new Array<string>(n);
    for (let i = 0; i < n; i++) [tenants[i], resources[i], quantities[i], buckets[i], metas[i]] = batch.rows[i]!;
    return this.dataSource.transaction(async (m) => {
      await m.query(DAILY_LOCK_SHARED);
      const claimed = (await m.query(`INSERT INTO public.usage_batches (batch_id) VALUES ($1) ON CONFLICT (batch_id) DO NOTHING RETURNING 1`, [batch.batchId])) as unknown[];
      if (claimed.length === 0) return 0;
      await m.query(
        `INSERT INTO public.usage_records (tenant_id, resource_type, quantity, bucket, metadata, batch_id)
         SELECT *, $6 FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::timestamptz[], $5::jsonb[])`,
        [tenants, resources, quantities, buckets, metas, batch.batchId],
      );
      await m.query(
        `INSERT INTO public.usage_daily AS d (tenant_id, day, resource_type, quantity)
         SELECT tenant_id, (bucket AT TIME ZONE 'UTC')::date, resource_type,
                CASE WHEN resource_type = 'storage_mb' THEN max(quantity) ELSE sum(quantity) END
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::timestamptz[]) AS i(tenant_id, resource_type, quantity, bucket)
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
         ON CONFLICT (tenant_id, day, resource_type) DO UPDATE SET quantity =
           CASE WHEN d.resource_type = 'storage_mb' THEN GREATEST(d.quantity, EXCLUDED.quantity) ELSE d.quantity + EXCLUDED.quantity END`,
        [tenants, resources, quantities, buckets],
      );
      if (holdOpenMs > 0) await m.query(`SELECT pg_sleep($1)`, [holdOpenMs / 1000]); // a test failpoint (kill mid-flush)
      return n;
    });
  }

  /**
   * Re-derives usage_daily for the UTC days from..to (inclusive) from usage_records: the
   * repair for anything that ever made the two disagree. Idempotent. Returns the rows written.
   */
  async rollup(fromDay: string, toDay: string): Promise<{ days: number; rows: number }> {
    return this.dataSource.transaction(async (m) => {
      await m.query(DAILY_LOCK);
      // Re-deriving a month of a busy platform reads millions of rows: longer than the per-request
      // DB_STATEMENT_TIMEOUT_MS is expected here (this runs in the worker or the CLI, never a request).
      await m.query(`SET LOCAL statement_timeout = '15min'`);
      await m.query(`DELETE FROM public.usage_daily WHERE day BETWEEN $1::date AND $2::date`, [fromDay, toDay]);
      const rows = (await m.query(
        `INSERT INTO public.usage_daily (tenant_id, day, resource_type, quantity)
         SELECT tenant_id, (bucket AT TIME ZONE 'UTC')::date, resource_type,
                CASE WHEN resource_type = 'storage_mb' THEN max(quantity) ELSE sum(quantity) END
         FROM public.usage_records
         WHERE bucket >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND bucket < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
         GROUP BY 1, 2, 3
         RETURNING 1`,
        [fromDay, toDay],
      )) as unknown[];
      const [{ days }] = (await m.query(`SELECT ($2::date - $1::date + 1)::int AS days`, [fromDay, toDay])) as [{ days: number }];
      return { days, rows: rows.length };
    });
  }

  /** rollup() from `fromDay` (default: yesterday, UTC) through today. */
  async rollupRecent(fromDay?: string, now = new Date()): Promise<{ from: string; to: string; days: number; rows: number }> {
    const from = fromDay ?? new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
    const to = now.toISOString().slice(0, 10);
    return { from, to, ...(await this.rollup(from, to)) };
  }

  /** Totals of some tenants' records in [from, to]. */
  async totals(tenantIds: readonly string[], from: Date, to: Date): Promise<UsageTotals> {
    const rows = (await this.dataSource.query(
      `SELECT resource_type, ${TOTAL_OF('quantity', 'bucket')} AS total FROM public.usage_records
       WHERE tenant_id = ANY($1::uuid[]) AND bucket >= date_trunc('minute', $2::timestamptz) AND bucket <= $3 GROUP BY resource_type`,
      [tenantIds, from, to],
    )) as Array<{ resource_type: UsageResource; total: string }>;
    return totalsFrom(rows);
  }

  /** Totals per tenant of some tenants' records in [from, to]. */
  async totalsPerTenant(tenantIds: readonly string[], from: Date, to: Date): Promise<Map<string, UsageTotals>> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, resource_type, ${TOTAL_OF('quantity', 'bucket')} AS total FROM public.usage_records
       WHERE tenant_id = ANY($1::uuid[]) AND bucket >= date_trunc('minute', $2::timestamptz) AND bucket <= $3 GROUP BY tenant_id, resource_type`,
      [tenantIds, from, to],
    )) as Array<{ tenant_id: string; resource_type: UsageResource; total: string }>;
    const out = new Map<string, UsageTotals>();
    for (const r of rows) out.set(r.tenant_id, { ...out.get(r.tenant_id), [r.resource_type]: Number(r.total) });
    return out;
  }

  /** The days of one tenant from usage_daily, oldest first. */
  async daily(tenantId: string, fromDay: string, toDay: string): Promise<Array<{ date: string; totals: UsageTotals }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, resource_type, quantity FROM public.usage_daily
       WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date ORDER BY day, resource_type`,
      [tenantId, fromDay, toDay],
    )) as Array<{ date: string; resource_type: UsageResource; quantity: string }>;
    const days: Array<{ date: string; totals: UsageTotals }> = [];
    for (const r of rows) {
      if (days.at(-1)?.date !== r.date) days.push({ date: r.date, totals: {} });
      days.at(-1)!.totals[r.resource_type] = Number(r.quantity);
    }
    return days;
  }

  /** Individual records of one tenant, newest first. */
  async details(tenantId: string, resource: UsageResource | undefined, from: Date, to: Date, skip: number, limit: number): Promise<{ rows: UsageRecordRow[]; total: number }> {
    const { rows, total } = await queryPage<UsageRecordRow & { quantity: string }>(this.dataSource, {
      columns: `id::text AS id, resource_type, quantity, bucket AS "timestamp", metadata`,
      from: `FROM public.usage_records WHERE tenant_id = $1 AND ($2::text IS NULL OR resource_type = $2) AND bucket >= date_trunc('minute', $3::timestamptz) AND bucket <= $4`,
      orderBy: 'bucket DESC, id DESC',
      params: [tenantId, resource ?? null, from, to],
      skip,
      limit,
    });
    return { rows: rows.map((r) => ({ ...r, quantity: Number(r.quantity) })), total };
  }

  /** A resource's total over usage_daily from a day on, for some tenants (the flushed part of a monthly quota). */
  async sinceDay(tenantIds: readonly string[], resource: UsageResource, fromDay: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT coalesce(sum(quantity), 0)::bigint AS total FROM public.usage_daily WHERE tenant_id = ANY($1::uuid[]) AND resource_type = $2 AND day >= $3::date`,
      [tenantIds, resource, fromDay],
    )) as [{ total: string }];
    return Number(row.total);
  }

  /** The latest storage measurement of a tenant, in MB (0 when never measured). */
  async latestStorageMb(tenantId: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT quantity FROM public.usage_records WHERE tenant_id = $1 AND resource_type = 'storage_mb' ORDER BY bucket DESC LIMIT 1`,
      [tenantId],
    )) as Array<{ quantity: string }>;
    return row ? Number(row.quantity) : 0;
  }

  /** Across all tenants in [from, to]: the top tenants by a resource, and totals by plan (platform report). */
  async platformReport(resource: UsageResource, from: Date, to: Date, limit: number): Promise<{
    top: Array<{ tenant_id: string; slug: string | null; name: string | null; plan: string | null; quantity: number }>;
    byPlan: Array<{ plan: string; resource_type: UsageResource; total: number }>;
  }> {
    const fromDay = from.toISOString().slice(0, 10);
    const toDay = to.toISOString().slice(0, 10);
    const top = (await this.dataSource.query(
      `SELECT d.tenant_id, t.slug, t.name, t.plan, sum(d.quantity)::bigint AS quantity
       FROM public.usage_daily d LEFT JOIN public.tenants t ON t.id = d.tenant_id
       WHERE d.resource_type = $1 AND d.day BETWEEN $2::date AND $3::date
       GROUP BY d.tenant_id, t.slug, t.name, t.plan ORDER BY quantity DESC, d.tenant_id LIMIT $4`,
      [resource, fromDay, toDay, limit],
    )) as Array<{ tenant_id: string; slug: string | null; name: string | null; plan: string | null; quantity: string }>;
    const byPlan = (await this.dataSource.query(
      `SELECT coalesce(t.plan, 'deleted') AS plan, d.resource_type, ${TOTAL_OF('d.quantity', 'd.day')} AS total
       FROM public.usage_daily d LEFT JOIN public.tenants t ON t.id = d.tenant_id
       WHERE d.day BETWEEN $1::date AND $2::date AND d.resource_type <> 'storage_mb'
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [fromDay, toDay],
    )) as Array<{ plan: string; resource_type: UsageResource; total: string }>;
    return { top: top.map((r) => ({ ...r, quantity: Number(r.quantity) })), byPlan: byPlan.map((r) => ({ ...r, total: Number(r.total) })) };
  }

  /** Every tenant schema to measure, with the size of its relations in bytes. */
  async schemaSizes(): Promise<Array<{ tenant_id: string; bytes: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT t.id AS tenant_id, coalesce((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                          WHERE n.nspname = t.schema_name AND c.relkind IN ('r', 'm', 'p')), 0)::bigint AS bytes
       FROM public.tenants t WHERE t.status IN ('active', 'suspended') ORDER BY t.id`,
    )) as Array<{ tenant_id: string; bytes: string }>;
    return rows.map((r) => ({ tenant_id: r.tenant_id, bytes: Number(r.bytes) }));
  }
}
