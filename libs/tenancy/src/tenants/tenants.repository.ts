import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type MemberRole, queryPage, type Suspender, type TenantPlan, type TenantStatus } from '../../../database/src/index.js';

/** A tenant row as the API shows it (snake_case, with member_count). */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  schema_name: string;
  plan: TenantPlan;
  settings: Record<string, unknown>;
  status: TenantStatus;
  is_active: boolean;
  parent_id: string | null;
  owner_id: string;
  max_members: number;
  max_api_keys: number;
  schema_version: number;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  suspended_at: Date | null;
  /** Who suspended it (internal: not part of the API's tenant object). */
  suspended_by: Suspender | null;
  suspended_by_tenant: string | null;
  member_count: number;
}

/** A tenant of a lineage, with the role of the user the lineage was asked for. */
export interface LineageRow extends TenantRow {
  caller_role: MemberRole | null;
}

export interface NewTenant {
  slug: string;
  name: string;
  schemaName: string;
  plan: TenantPlan;
  settings: Record<string, unknown>;
  parentId: string | null;
  ownerId: string;
  /** Refuse when the owner already owns this many top-level tenants (MAX_TENANTS_PER_USER). */
  maxTopLevelOwned?: number;
  /** With a parent: the deepest a tenant may be (top level is 1), and how many children the parent may have. */
  hierarchy?: { maxDepth: number; childLimit: (parent: TenantRow) => number };
}

/** Why a child was refused: its parent is at the deepest level, or has all the children it may have. */
export type ChildRefusal = { refused: 'depth_exceeded' | 'child_limit_reached'; parent: TenantRow; limit: number };

export type CreateResult = TenantRow | 'slug_taken' | 'tenant_limit_reached' | ChildRefusal;

export interface TenantFilter {
  plan?: TenantPlan;
  isActive?: boolean;
  status?: TenantStatus;
  parentId?: string;
}

const COLUMNS = `t.id, t.slug, t.name, t.schema_name, t.plan, t.settings, t.status, t.is_active, t.parent_id, t.owner_id,
  t.max_members, t.max_api_keys, t.schema_version, t.last_error, t.created_at, t.updated_at, t.suspended_at,
  t.suspended_by, t.suspended_by_tenant,
  (SELECT count(*) FROM public.memberships m WHERE m.tenant_id = t.id)::int AS member_count`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

@Injectable()
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the tenant and its owner's membership in one statement, then runs `andThen` (the
   * audit entry) in the same transaction. Refused when the slug is taken or a schema of that
   * name still exists (slugs are never reused while their schema exists), or when the owner is
   * at their cap of top-level tenants: that count and the insert run under a per-owner lock,
   * so concurrent creates cannot overshoot it. A child is refused when its parent is at the
   * deepest level or has all the children it may have: both are read with the parent's row
   * locked (FOR UPDATE), so concurrent creates of children cannot overshoot the count either.
   */
  async create(t: NewTenant, andThen: (m: EntityManager, row: TenantRow) => Promise<void>): Promise<CreateResult> {
    const capped = t.maxTopLevelOwned !== undefined && t.parentId === null;
    return this.dataSource.transaction(async (m) => {
      // The lock in a statement of its own: the count below then sees every create that committed while it waited.
      if (capped) await m.query(`SELECT pg_advisory_xact_lock(hashtext('tenantry.owned-tenants'), hashtext($1))`, [t.ownerId]);
      if (t.parentId !== null && t.hierarchy) {
        const refusal = await this.childRefusal(m, t.parentId, t.hierarchy);
        if (refusal) return refusal;
      }
      const row = await this.insert(m, t, capped ? t.maxTopLevelOwned! : null);
      if (typeof row !== 'string') await andThen(m, row);
      return row;
    });
  }

  /** Locks the parent's row, then reads its depth (top level is 1) and its number of children. */
  private async childRefusal(m: EntityManager, parentId: string, rule: NonNullable<NewTenant['hierarchy']>): Promise<ChildRefusal | null> {
    // The lock in a statement of its own: the count below then sees every child that committed while it waited.
    const [parent] = (await m.query(`SELECT ${COLUMNS} FROM public.tenants t WHERE t.id = $1 FOR UPDATE OF t`, [parentId])) as TenantRow[];
    if (!parent) return null; // gone meanwhile: the insert's foreign key answers
    const [{ depth, children }] = (await m.query(
      `WITH RECURSIVE chain (id, parent_id, depth) AS (
         SELECT id, parent_id, 1 FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT p.id, p.parent_id, c.depth + 1 FROM public.tenants p JOIN chain c ON p.id = c.parent_id WHERE c.depth <= $2
       )
       SELECT (SELECT max(depth) FROM chain)::int AS depth, (SELECT count(*) FROM public.tenants WHERE parent_id = $1)::int AS children`,
      [parentId, rule.maxDepth],
    )) as [{ depth: number; children: number }];
    if (depth >= rule.maxDepth) return { refused: 'depth_exceeded', parent, limit: rule.maxDepth };
    const limit = rule.childLimit(parent);
    return children >= limit ? { refused: 'child_limit_reached', parent, limit } : null;
  }

  /** Runs `work` in one transaction (a change and its audit entry). */
  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The insert, and (with a cap) the owner's count of top-level tenants, in one statement. */
  private async insert(m: EntityManager, t: NewTenant, cap: number | null): Promise<TenantRow | 'slug_taken' | 'tenant_limit_reached'> {
    const rows = (await m.query(
      `WITH owned AS (
         SELECT CASE WHEN $8::int IS NULL THEN 0 ELSE (SELECT count(*)::int FROM public.tenants WHERE owner_id = $7 AND parent_id IS NULL) END AS n
       ), inserted AS (
         INSERT INTO public.tenants (slug, name, schema_name, plan, settings, parent_id, owner_id)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::uuid, $7::uuid
          WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $3::text)
            AND ($8::int IS NULL OR (SELECT n FROM owned) < $8::int)
         ON CONFLICT DO NOTHING
         RETURNING *
       ), owner AS (
         INSERT INTO public.memberships (tenant_id, user_id, role) SELECT id, owner_id, 'owner' FROM inserted
       )
       SELECT o.n AS owned_before, t.*, 1 AS member_count FROM owned o LEFT JOIN inserted t ON true`,
      [t.slug, t.name, t.schemaName, t.plan, JSON.stringify(t.settings), t.parentId, t.ownerId, cap],
    )) as Array<Partial<TenantRow> & { owned_before: number }>;
    const row = rows[0];
    if (row?.id) {
      const { owned_before: _owned, ...tenant } = row;
      return tenant as TenantRow;
    }
    return cap !== null && (row?.owned_before ?? 0) >= cap ? 'tenant_limit_reached' : 'slug_taken';
  }

  /** Active tenants whose settings hold any of `keys` (at the top level). */
  async activeWithSettings(keys: string[]): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT id FROM public.tenants WHERE status = 'active' AND settings ?| $1::text[] ORDER BY id`, [keys])) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Whether `name` is a text search configuration of pg_catalog (settings.search_language). */
  async textSearchConfigExists(name: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM pg_catalog.pg_ts_config WHERE cfgname = $1 AND cfgnamespace = 'pg_catalog'::regnamespace`, [name])) as unknown[];
    return rows.length > 0;
  }

  async findByKey(key: string): Promise<TenantRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM public.tenants t WHERE ${isUuid(key) ? 't.id = $1::uuid' : 't.slug = $1'}`,
      [key],
    )) as TenantRow[];
    return rows[0] ?? null;
  }

  /** Tenants the user may see: their memberships, and everything below a tenant they administer. */
  async listVisible(userId: string | null, filter: TenantFilter, skip: number, limit: number): Promise<{ rows: TenantRow[]; total: number }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (userId !== null) {
      params.push(userId);
      where.push(`t.id IN (
        WITH RECURSIVE administered AS (
          SELECT tenant_id AS id FROM public.memberships WHERE user_id = $1 AND role IN ('owner', 'admin')
          UNION SELECT c.id FROM public.tenants c JOIN administered a ON c.parent_id = a.id
        )
        SELECT id FROM administered UNION SELECT tenant_id FROM public.memberships WHERE user_id = $1)`);
    }
    if (filter.plan) where.push(`t.plan = $${params.push(filter.plan)}`);
    if (filter.isActive !== undefined) where.push(`t.is_active = $${params.push(filter.isActive)}`);
    if (filter.status) where.push(`t.status = $${params.push(filter.status)}`);
    if (filter.parentId) where.push(`t.parent_id = $${params.push(filter.parentId)}`);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return queryPage<TenantRow>(this.dataSource, { columns: COLUMNS, from: `FROM public.tenants t ${clause}`, orderBy: 't.created_at, t.id', params, skip, limit });
  }

  /**
   * The changes below run on `m` (a transaction of the caller's, holding the audit entry too)
   * and return the tenant row as the change left it (null: no row changed).
   */
  /**
   * Makes public.tenant_domains hold exactly `domains` for the tenant, in the caller's
   * transaction. Returns the first domain another tenant holds (the caller rolls back), else null.
   * The primary key decides a race between two tenants claiming one domain.
   */
  async syncDomains(m: EntityManager, tenantId: string, domains: readonly string[]): Promise<string | null> {
    await m.query(`DELETE FROM public.tenant_domains WHERE tenant_id = $1 AND NOT (domain = ANY($2::text[]))`, [tenantId, domains]);
    if (domains.length === 0) return null;
    await m.query(`INSERT INTO public.tenant_domains (domain, tenant_id) SELECT unnest($2::text[]), $1 ON CONFLICT (domain) DO NOTHING`, [tenantId, domains]);
    // A statement of its own: it sees a claim that committed while the insert waited on it.
    const mine = new Set(
      ((await m.query(`SELECT domain FROM public.tenant_domains WHERE tenant_id = $1 AND domain = ANY($2::text[])`, [tenantId, domains])) as Array<{ domain: string }>).map((r) => r.domain),
    );
    return domains.find((d) => !mine.has(d)) ?? null;
  }

  /** The tenant a custom domain belongs to (its id), if any. */
  async tenantIdByDomain(domain: string): Promise<string | null> {
    const rows = (await this.dataSource.query(`SELECT tenant_id FROM public.tenant_domains WHERE domain = $1`, [domain])) as Array<{ tenant_id: string }>;
    return rows[0]?.tenant_id ?? null;
  }

  async update(
    m: EntityManager,
    id: string,
    patch: { name?: string; plan?: TenantPlan; settings?: Record<string, unknown>; maxMembers?: number; maxApiKeys?: number },
  ): Promise<TenantRow | null> {
    return this.changeRow(
      m,
      `UPDATE public.tenants SET
         name = coalesce($2, name), plan = coalesce($3, plan), settings = coalesce($4::jsonb, settings),
         max_members = coalesce($5, max_members), max_api_keys = coalesce($6, max_api_keys), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, patch.name ?? null, patch.plan ?? null, patch.settings ? JSON.stringify(patch.settings) : null, patch.maxMembers ?? null, patch.maxApiKeys ?? null],
    );
  }

  /** `by` replaces an earlier suspender: the latest decision is the one to lift. */
  async suspend(m: EntityManager, id: string, by: Suspender, byTenant: string | null): Promise<TenantRow | null> {
    return this.changeRow(
      m,
      `UPDATE public.tenants SET status = 'suspended', is_active = false, suspended_at = coalesce(suspended_at, now()),
              suspended_by = $2, suspended_by_tenant = $3, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, by, byTenant],
    );
  }

  /** Back to active when its schema is provisioned, else back to provisioning (the row's new status tells). */
  async reactivate(m: EntityManager, id: string): Promise<TenantRow | null> {
    return this.changeRow(
      m,
      `UPDATE public.tenants SET is_active = true, suspended_at = NULL, suspended_by = NULL, suspended_by_tenant = NULL, updated_at = now(),
              status = CASE WHEN schema_version > 0 THEN 'active' ELSE 'provisioning' END
        WHERE id = $1 RETURNING *`,
      [id],
    );
  }

  async markProvisioningAgain(m: EntityManager, id: string): Promise<TenantRow | null> {
    return this.changeRow(
      m,
      `UPDATE public.tenants SET status = 'provisioning', last_error = NULL, updated_at = now() WHERE id = $1 AND status = 'failed' RETURNING *`,
      [id],
    );
  }

  private async changeRow(m: EntityManager, sql: string, params: unknown[]): Promise<TenantRow | null> {
    const [rows] = (await m.query(sql, params)) as [TenantRow[], number];
    return rows[0] ?? null;
  }

  /**
   * The ancestor query: the tenant and its ancestors, nearest first (at most 16), each with
   * the user's role in it (null: none, or no user). The one place the hierarchy is walked,
   * for the access guard and for the rules of the tenants service.
   */
  async lineage(tenantId: string, userId: string | null): Promise<LineageRow[]> {
    return (await this.dataSource.query(
      `WITH RECURSIVE chain (id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM public.tenants WHERE id = $1
         UNION ALL
         SELECT p.id, p.parent_id, c.depth + 1 FROM public.tenants p JOIN chain c ON p.id = c.parent_id WHERE c.depth < 15
       )
       SELECT ${COLUMNS}, m.role AS caller_role
         FROM chain c JOIN public.tenants t ON t.id = c.id
         LEFT JOIN public.memberships m ON m.tenant_id = c.id AND m.user_id = $2
        ORDER BY c.depth`,
      [tenantId, userId],
    )) as LineageRow[];
  }

  async roleOf(tenantId: string, userId: string): Promise<MemberRole | null> {
    const rows = (await this.dataSource.query(`SELECT role FROM public.memberships WHERE tenant_id = $1 AND user_id = $2`, [
      tenantId,
      userId,
    ])) as Array<{ role: MemberRole }>;
    return rows[0]?.role ?? null;
  }
}
