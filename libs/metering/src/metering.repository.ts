import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb, tenantRef } from '../../database/src/index.js';
import type { TenantRow } from '../../tenancy/src/index.js';

/** Tenant-side SQL of metering: billing lineage, counts behind the quotas, alert claims and recipients. */
@Injectable()
export class MeteringRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantDb: TenantDb,
  ) {}

  /**
   * The tenant and the ancestors its usage counts against: up the parent chain while each
   * tenant on the way is billed consolidated (settings.billing_mode absent or 'consolidated').
   */
  async billingChain(tenantId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `WITH RECURSIVE chain AS (
         SELECT id, parent_id, settings, 0 AS depth FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT p.id, p.parent_id, p.settings, c.depth + 1 FROM public.tenants p JOIN chain c ON p.id = c.parent_id
         WHERE coalesce(c.settings->>'billing_mode', 'consolidated') = 'consolidated' AND c.depth < 10
       ) SELECT id FROM chain ORDER BY depth`,
      [tenantId],
    )) as Array<{ id: string }>;
    return rows.length > 0 ? rows.map((r) => r.id) : [tenantId];
  }

  /** The tenant and every descendant whose usage consolidates into it (the inverse of billingChain). */
  async consolidatedTree(tenantId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `WITH RECURSIVE tree AS (
         SELECT id, 0 AS depth FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT c.id, t.depth + 1 FROM public.tenants c JOIN tree t ON c.parent_id = t.id
         WHERE coalesce(c.settings->>'billing_mode', 'consolidated') = 'consolidated' AND t.depth < 10
       ) SELECT id FROM tree`,
      [tenantId],
    )) as Array<{ id: string }>;
    return rows.length > 0 ? rows.map((r) => r.id) : [tenantId];
  }

  /** The fields of a tenant its limits and alerts need (the worker has no tenant directory). */
  async tenant(id: string): Promise<Pick<TenantRow, 'id' | 'slug' | 'name' | 'settings' | 'plan' | 'max_members' | 'max_api_keys'> | null> {
    const [row] = (await this.dataSource.query(`SELECT id, slug, name, settings, plan, max_members, max_api_keys FROM public.tenants WHERE id = $1`, [id])) as Array<
      Pick<TenantRow, 'id' | 'slug' | 'name' | 'settings' | 'plan' | 'max_members' | 'max_api_keys'>
    >;
    return row ?? null;
  }

  async children(parentId: string): Promise<Array<{ id: string; slug: string; name: string; plan: string; billing_mode: string }>> {
    return (await this.dataSource.query(
      `SELECT id, slug, name, plan, coalesce(settings->>'billing_mode', 'consolidated') AS billing_mode
       FROM public.tenants WHERE parent_id = $1 ORDER BY slug`,
      [parentId],
    )) as Array<{ id: string; slug: string; name: string; plan: string; billing_mode: string }>;
  }

  /** What the non-metered limits count: members, live API keys, children. */
  async counts(tenantId: string): Promise<{ members: number; api_keys: number; children: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT (SELECT count(*) FROM public.memberships WHERE tenant_id = $1)::int AS members,
              (SELECT count(*) FROM public.api_keys WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()))::int AS api_keys,
              (SELECT count(*) FROM public.tenants WHERE parent_id = $1)::int AS children`,
      [tenantId],
    )) as [{ members: number; api_keys: number; children: number }];
    return row;
  }

  /** Documents and chat sessions active in the last 30 minutes, read in the tenant's own unit of work. */
  async tenantCounts(tenant: TenantRow): Promise<{ documents: number; sessions: number }> {
    if (tenant.status !== 'active' && tenant.status !== 'suspended') return { documents: 0, sessions: 0 };
    return this.tenantDb.run(
      tenantRef(tenant),
      async (m) => {
        const [row] = (await m.query(
          `SELECT (SELECT count(*) FROM documents)::int AS documents,
                  (SELECT count(*) FROM chat_sessions WHERE updated_at > now() - interval '30 minutes')::int AS sessions`,
        )) as [{ documents: number; sessions: number }];
        return row;
      },
      { readOnly: true },
    );
  }

  /** Claims an alert: true for the one caller that recorded (tenant, quota, threshold, period) first. */
  async claimAlert(a: { tenantId: string; quota: string; threshold: number; period: string; used: number; limit: number }): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO public.quota_alerts (tenant_id, quota, threshold, period, used, quota_limit) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [a.tenantId, a.quota, a.threshold, a.period, a.used, a.limit],
    )) as unknown[];
    return rows.length === 1;
  }

  async alertDelivered(a: { tenantId: string; quota: string; threshold: number; period: string }, emailedTo: number, eventEmitted: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE public.quota_alerts SET emailed_to = $5, event_emitted_at = CASE WHEN $6 THEN now() END
       WHERE tenant_id = $1 AND quota = $2 AND threshold = $3 AND period = $4`,
      [a.tenantId, a.quota, a.threshold, a.period, emailedTo, eventEmitted],
    );
  }

  /** The emails of the tenant's owners and admins. */
  async ownerAndAdminEmails(tenantId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT u.email FROM public.memberships m JOIN public.users u ON u.id = m.user_id
       WHERE m.tenant_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email`,
      [tenantId],
    )) as Array<{ email: string }>;
    return rows.map((r) => r.email);
  }
}
