import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPage, type TenantPlan, type TenantStatus } from '../../database/src/index.js';
import type { UsageResource } from '../../usage/src/index.js';

export type BillingStatus = 'active' | 'past_due' | 'canceled';
export type LedgerStatus = 'pending' | 'pushed' | 'acknowledged' | 'failed';

export interface BillingAccountRow {
  tenant_id: string;
  stripe_account: string | null;
  customer_id: string | null;
  subscription_id: string | null;
  billing_status: BillingStatus;
  past_due_since: Date | null;
  suspended_for_billing: boolean;
  last_invoice: Record<string, unknown> | null;
  updated_at: Date;
}

/** What billing needs of a tenant. */
export interface BillingTenant {
  id: string;
  slug: string;
  name: string;
  plan: TenantPlan;
  parent_id: string | null;
  status: TenantStatus;
  billing_mode: 'consolidated' | 'separate';
  has_stripe_account: boolean;
}

/** A day of one tenant's usage of one resource. */
export interface UsageDay {
  tenant_id: string;
  resource_type: UsageResource;
  day: string;
  quantity: number;
}

export interface LedgerRow {
  identifier: string;
  tenant_id: string;
  payer_id: string;
  customer_id: string;
  stripe_account: string | null;
  resource_type: UsageResource;
  day: string;
  seq: number;
  quantity: number;
  status: LedgerStatus;
  attempts: number;
  last_error: string | null;
}

export interface NewLedgerRow {
  identifier: string;
  tenant_id: string;
  payer_id: string;
  customer_id: string;
  stripe_account: string | null;
  resource_type: UsageResource;
  day: string;
  seq: number;
  quantity: number;
}

const TENANT_COLUMNS = `id, slug, name, plan, parent_id, status,
  CASE WHEN settings->>'billing_mode' = 'separate' THEN 'separate' ELSE 'consolidated' END AS billing_mode,
  (settings ? 'stripe_account') AS has_stripe_account`;
const PUSH_LOCK = `hashtext('tenantry.billing.push')`;
const num = <T extends { quantity: unknown }>(r: T): T & { quantity: number } => ({ ...r, quantity: Number(r.quantity) });

/** The SQL of billing: accounts, the meter ledger, Stripe event ids and the usage it bills from. */
@Injectable()
export class BillingRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Serialises the planning step of concurrent pushes (scheduler, CLI) for the rest of the transaction. */
  async lockPush(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(${PUSH_LOCK})`);
  }

  async tenants(m: EntityManager = this.dataSource.manager): Promise<BillingTenant[]> {
    return (await m.query(`SELECT ${TENANT_COLUMNS} FROM public.tenants`)) as BillingTenant[];
  }

  async tenant(id: string): Promise<BillingTenant | undefined> {
    return ((await this.dataSource.query(`SELECT ${TENANT_COLUMNS} FROM public.tenants WHERE id = $1`, [id])) as BillingTenant[])[0];
  }

  /**
   * Usage per tenant, resource and UTC day since `since`. A day counts the larger of its rollup
   * (usage_daily) and its raw records (usage_records): the rollup recomputes a day from the
   * records, so neither ever exceeds the truth, and whichever is missing (records not rolled up
   * yet, or records pruned after the rollup) the other still has it. Never the sum: that would
   * bill a rolled-up day twice.
   */
  async usageByDay(since: string, m: EntityManager = this.dataSource.manager): Promise<UsageDay[]> {
    const rows = (await m.query(
      `WITH r AS (
         SELECT tenant_id, resource_type, (bucket AT TIME ZONE 'UTC')::date AS day, sum(quantity) AS q
         FROM public.usage_records WHERE bucket >= $1::date GROUP BY 1, 2, 3
       ), d AS (
         SELECT tenant_id, resource_type, day, quantity AS q FROM public.usage_daily WHERE day >= $1::date
       )
       SELECT coalesce(r.tenant_id, d.tenant_id) AS tenant_id, coalesce(r.resource_type, d.resource_type) AS resource_type,
              to_char(coalesce(r.day, d.day), 'YYYY-MM-DD') AS day, greatest(coalesce(r.q, 0), coalesce(d.q, 0))::bigint AS quantity
       FROM r FULL JOIN d ON d.tenant_id = r.tenant_id AND d.resource_type = r.resource_type AND d.day = r.day`,
      [since],
    )) as UsageDay[];
    return rows.map(num);
  }

  /** Per resource, the usage of the given tenants since `since` (same rule as usageByDay). */
  async usageTotals(tenantIds: readonly string[], since: string): Promise<Array<{ tenant_id: string; resource_type: UsageResource; quantity: number }>> {
    if (tenantIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `WITH r AS (
         SELECT tenant_id, resource_type, (bucket AT TIME ZONE 'UTC')::date AS day, sum(quantity) AS q
         FROM public.usage_records WHERE bucket >= $2::date AND tenant_id = ANY($1::uuid[]) GROUP BY 1, 2, 3
       ), d AS (
         SELECT tenant_id, resource_type, day, quantity AS q FROM public.usage_daily WHERE day >= $2::date AND tenant_id = ANY($1::uuid[])
       )
       SELECT coalesce(r.tenant_id, d.tenant_id) AS tenant_id, coalesce(r.resource_type, d.resource_type) AS resource_type,
              sum(greatest(coalesce(r.q, 0), coalesce(d.q, 0)))::bigint AS quantity
       FROM r FULL JOIN d ON d.tenant_id = r.tenant_id AND d.resource_type = r.resource_type AND d.day = r.day
       GROUP BY 1, 2`,
      [tenantIds, since],
    )) as Array<{ tenant_id: string; resource_type: UsageResource; quantity: number }>;
    return rows.map(num);
  }

  /** What the ledger already covers per tenant, resource and day (every status: a failed event is not re-billed by a later push). */
  async covered(since: string, m: EntityManager): Promise<Array<{ tenant_id: string; resource_type: string; day: string; quantity: number; seq: number }>> {
    const rows = (await m.query(
      `SELECT tenant_id, resource_type, to_char(day, 'YYYY-MM-DD') AS day, sum(quantity)::bigint AS quantity, max(seq) AS seq
       FROM public.billing_meter_ledger WHERE day >= $1::date GROUP BY 1, 2, 3`,
      [since],
    )) as Array<{ tenant_id: string; resource_type: string; day: string; quantity: number; seq: number }>;
    return rows.map((r) => ({ ...num(r), seq: Number(r.seq) }));
  }

  async insertLedger(m: EntityManager, rows: readonly NewLedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO public.billing_meter_ledger (identifier, tenant_id, payer_id, customer_id, stripe_account, resource_type, day, seq, quantity)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(identifier text, tenant_id uuid, payer_id uuid, customer_id text, stripe_account text, resource_type text, day date, seq int, quantity bigint)`,
      [JSON.stringify(rows)],
    );
  }

  async pendingLedger(): Promise<LedgerRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT identifier, tenant_id, payer_id, customer_id, stripe_account, resource_type, to_char(day, 'YYYY-MM-DD') AS day, seq, quantity, status, attempts, last_error
       FROM public.billing_meter_ledger WHERE status = 'pending' ORDER BY created_at, identifier`,
    )) as LedgerRow[];
    return rows.map(num);
  }

  async markLedger(identifier: string, status: Exclude<LedgerStatus, 'pending'>, error?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE public.billing_meter_ledger SET status = $2, attempts = attempts + 1, last_error = $3, pushed_at = CASE WHEN $2 = 'failed' THEN NULL ELSE now() END
       WHERE identifier = $1 AND status = 'pending'`,
      [identifier, status, error ?? null],
    );
  }

  async ledgerAttemptFailed(identifier: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE public.billing_meter_ledger SET attempts = attempts + 1, last_error = $2 WHERE identifier = $1`, [identifier, error.slice(0, 1000)]);
  }

  async ledgerForTenant(tenantId: string): Promise<LedgerRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT identifier, tenant_id, payer_id, customer_id, stripe_account, resource_type, to_char(day, 'YYYY-MM-DD') AS day, seq, quantity, status, attempts, last_error
       FROM public.billing_meter_ledger WHERE tenant_id = $1 ORDER BY day, resource_type, seq`,
      [tenantId],
    )) as LedgerRow[];
    return rows.map(num);
  }

  async account(tenantId: string, m: EntityManager = this.dataSource.manager): Promise<BillingAccountRow | undefined> {
    return ((await m.query(`SELECT * FROM public.billing_accounts WHERE tenant_id = $1`, [tenantId])) as BillingAccountRow[])[0];
  }

  async accountByCustomer(customerId: string, m: EntityManager = this.dataSource.manager): Promise<BillingAccountRow | undefined> {
    return ((await m.query(`SELECT * FROM public.billing_accounts WHERE customer_id = $1`, [customerId])) as BillingAccountRow[])[0];
  }

  async saveAccount(tenantId: string, fields: { stripe_account: string | null; customer_id: string; subscription_id: string | null }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO public.billing_accounts (tenant_id, stripe_account, customer_id, subscription_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET stripe_account = $2, customer_id = $3, subscription_id = coalesce($4, billing_accounts.subscription_id), updated_at = now()`,
      [tenantId, fields.stripe_account, fields.customer_id, fields.subscription_id],
    );
  }

  async setStatus(
    m: EntityManager,
    tenantId: string,
    status: BillingStatus,
    fields: { lastInvoice?: Record<string, unknown>; suspendedForBilling?: boolean } = {},
  ): Promise<void> {
    await m.query(
      `INSERT INTO public.billing_accounts (tenant_id, billing_status, past_due_since, last_invoice) VALUES ($1, $2, CASE WHEN $2 = 'past_due' THEN now() END, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET billing_status = $2,
         past_due_since = CASE WHEN $2 <> 'past_due' THEN NULL ELSE coalesce(billing_accounts.past_due_since, now()) END,
         last_invoice = coalesce($3, billing_accounts.last_invoice),
         suspended_for_billing = coalesce($4, billing_accounts.suspended_for_billing),
         updated_at = now()`,
      [tenantId, status, fields.lastInvoice ? JSON.stringify(fields.lastInvoice) : null, fields.suspendedForBilling ?? null],
    );
  }

  async markSuspendedForBilling(tenantId: string): Promise<void> {
    await this.dataSource.query(`UPDATE public.billing_accounts SET suspended_for_billing = true, updated_at = now() WHERE tenant_id = $1`, [tenantId]);
  }

  /** Tenants past due for longer than the grace period, not yet suspended for it. */
  async pastDueBeyond(graceSeconds: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id FROM public.billing_accounts
       WHERE billing_status = 'past_due' AND NOT suspended_for_billing AND past_due_since <= now() - make_interval(secs => $1)`,
      [graceSeconds],
    )) as Array<{ tenant_id: string }>;
    return rows.map((r) => r.tenant_id);
  }

  /** Records a Stripe event id in the handler's transaction; false when it was handled before (a replay). */
  async claimStripeEvent(m: EntityManager, id: string, type: string): Promise<boolean> {
    const rows = (await m.query(`INSERT INTO public.stripe_webhook_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id`, [id, type])) as unknown[];
    return rows.length === 1;
  }

  async unclaimStripeEvent(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM public.stripe_webhook_events WHERE id = $1`, [id]);
  }

  /** The tenant and its descendants whose usage is billed to it (consolidated all the way down). */
  async consolidatedFamily(tenantId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `WITH RECURSIVE fam AS (
         SELECT id FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT c.id FROM public.tenants c JOIN fam ON c.parent_id = fam.id WHERE c.settings->>'billing_mode' IS DISTINCT FROM 'separate'
       ) SELECT id FROM fam`,
      [tenantId],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }
}

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  url: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** The SQL of outgoing webhook deliveries (public.webhook_deliveries). */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async webhooksOf(tenantId: string): Promise<unknown> {
    const rows = (await this.dataSource.query(`SELECT settings->'webhooks' AS webhooks FROM public.tenants WHERE id = $1`, [tenantId])) as Array<{ webhooks: unknown }>;
    return rows[0]?.webhooks;
  }

  async insert(rows: ReadonlyArray<{ tenant_id: string; event_id: string; event_type: string; url: string; payload: Record<string, unknown> }>): Promise<string[]> {
    if (rows.length === 0) return [];
    const ids = (await this.dataSource.query(
      `INSERT INTO public.webhook_deliveries (tenant_id, event_id, event_type, url, payload)
       SELECT tenant_id, event_id, event_type, url, payload FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id uuid, event_id uuid, event_type text, url text, payload jsonb)
       RETURNING id`,
      [JSON.stringify(rows)],
    )) as Array<{ id: string }>;
    return ids.map((r) => r.id);
  }

  async get(id: string): Promise<DeliveryRow | undefined> {
    return ((await this.dataSource.query(`SELECT * FROM public.webhook_deliveries WHERE id = $1`, [id])) as DeliveryRow[])[0];
  }

  async attempted(id: string, outcome: { status: DeliveryRow['status']; code: number | null; error: string | null }): Promise<void> {
    await this.dataSource.query(
      `UPDATE public.webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3, last_error = $4,
         delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
       WHERE id = $1 AND status <> 'delivered'`,
      [id, outcome.status, outcome.code, outcome.error?.slice(0, 1000) ?? null],
    );
  }

  async page(tenantId: string, skip: number, limit: number): Promise<{ rows: DeliveryRow[]; total: number }> {
    return queryPage<DeliveryRow>(this.dataSource, {
      columns: 'id, tenant_id, event_id, event_type, url, status, attempts, last_status_code, last_error, created_at, delivered_at',
      from: 'FROM public.webhook_deliveries WHERE tenant_id = $1',
      orderBy: 'created_at DESC, id',
      params: [tenantId],
      skip,
      limit,
    });
  }
}
