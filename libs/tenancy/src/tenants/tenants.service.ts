import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../config/src/index.js';
import { isDeepStrictEqual } from 'node:util';
import { type AuditActor, AuditLog, CLI_ACTOR } from '../../../audit/src/index.js';
import { isPlainObject, jsonMergePatch, NotFound, ValidationFailed } from '../../../common/src/index.js';
import { AlreadyProvisioned, CannotCreateChild, DomainTaken, ChildLimitReached, TenantDepthExceeded, LimitAbovePlan, OperatorSuspension, SlugTaken, TenantLimitReached } from '../tenancy.errors.js';
import { type Suspender, type TenantPlan, tenantSchemaName } from '../../../database/src/index.js';
import type { AuthUser } from '../../../identity/src/index.js';
import { BillingJobsProducer, CorpusJobsProducer, TenantEvents as OutgoingEvents, TenantJobsProducer } from '../../../jobs/src/index.js';
import { maskSecrets, TenantSecrets } from '../../../secrets/src/index.js';
import { type AccessContext, roleGrants, P } from '../../../rbac/src/index.js';
import { effectiveLimit, LIMIT_COLUMNS, limitChanges, type LimitChange, MAX_TENANT_DEPTH, needsAuthority, PLAN_CEILINGS } from './plans.js';
import { slugProblem } from './slug.util.js';
import type { CreateTenantDto, ListTenantsQueryDto, TenantDto, TenantListDto, UpdateTenantDto } from './tenant.dto.js';
import { TenantDirectory } from '../context/tenant-directory.js';
import { TenantEvents } from '../context/tenant-events.js';
import { corpusIndexSettingsChanged, normalizeSettings, type SettingsContext, settingsProblems } from './tenant-settings.util.js';
import type { EntityManager } from 'typeorm';
import { type LineageRow, TenantsRepository, type TenantRow } from './tenants.repository.js';

export function toTenantDto(t: TenantRow): TenantDto {
  const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    schema_name: t.schema_name,
    plan: t.plan,
    settings: maskSecrets(t.settings),
    status: t.status,
    is_active: t.is_active,
    parent_id: t.parent_id,
    max_members: t.max_members,
    max_api_keys: t.max_api_keys,
    owner_id: t.owner_id,
    member_count: Number(t.member_count),
    schema_version: t.schema_version,
    last_error: t.last_error,
    created_at: iso(t.created_at)!,
    updated_at: iso(t.updated_at)!,
    suspended_at: iso(t.suspended_at),
  };
}

/**
 * Who acts on an existing tenant: an API caller with the access the guard resolved, or
 * OPERATOR (the admin CLI, which acts with a platform operator's authority).
 */
export type TenantActor = { user: AuthUser; access: AccessContext } | typeof OPERATOR;
export const OPERATOR = 'operator';

/** Whether the user the lineage was asked for administers this tenant (owner or admin). */
const administers = (t: LineageRow): boolean => t.caller_role === 'owner' || t.caller_role === 'admin';
const actorId = (actor: TenantActor): string | null => (actor === OPERATOR ? null : actor.user.id);
/** The audit actor: the CLI for OPERATOR, else the request's caller (AuditLog reads it from the request context). */
const auditActor = (actor: TenantActor): AuditActor | undefined => (actor === OPERATOR ? CLI_ACTOR : undefined);

/** What the audit log compares of a tenant (not its bookkeeping: updated_at, schema_version, member_count...). */
function auditedState(t: TenantRow): Record<string, unknown> {
  const { name, slug, plan, settings, status, is_active, parent_id, owner_id, max_members, max_api_keys, suspended_at, suspended_by } = t;
  return { name, slug, plan, settings, status, is_active, parent_id, owner_id, max_members, max_api_keys, suspended_at, suspended_by };
}

@Injectable()
export class TenantsService {
  private readonly logger = new Logger(TenantsService.name);

  constructor(
    private readonly repo: TenantsRepository,
    private readonly directory: TenantDirectory,
    private readonly events: TenantEvents,
    private readonly jobs: TenantJobsProducer,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly secrets: TenantSecrets,
    private readonly billingJobs: BillingJobsProducer,
    private readonly outgoing: OutgoingEvents,
    private readonly corpusJobs: CorpusJobsProducer,
  ) {}

  private get settingsContext(): SettingsContext {
    return { allowLoopbackWebhooks: this.config.NODE_ENV !== 'production', baseDomain: this.config.BASE_DOMAIN };
  }

  /** Claims the settings' custom domains for the tenant in its transaction; 409 when another tenant holds one. */
  private async claimDomains(m: EntityManager, tenantId: string, settings: Record<string, unknown>): Promise<void> {
    const domains = Array.isArray(settings.custom_domains) ? (settings.custom_domains as string[]) : [];
    const taken = await this.repo.syncDomains(m, tenantId, domains);
    if (taken) throw new DomainTaken(taken);
  }

  /** Best effort after the commit: an event that cannot be queued now is logged, never turned into an error of the change. */
  private async announce(tenantId: string, type: 'tenant.suspended' | 'tenant.provisioned', data: Record<string, unknown>): Promise<void> {
    try {
      await this.outgoing.emit(tenantId, type, data);
    } catch (error) {
      this.logger.warn(`tenant ${tenantId}: could not queue the ${type} webhook (${String(error)})`);
    }
  }

  /** settings.search_language must name a text search configuration of pg_catalog. */
  private async assertSearchLanguage(settings: Record<string, unknown>): Promise<void> {
    const name = settings.search_language;
    if (typeof name !== 'string' || (await this.repo.textSearchConfigExists(name))) return;
    throw new ValidationFailed('invalid settings', [{ field: 'settings.search_language', message: `'${name}' is not a text search configuration of this database (pg_ts_config)` }]);
  }

  /** One audit entry for a change of a tenant, in the change's transaction. */
  private recordChange(m: EntityManager, action: string, before: TenantRow | null, after: TenantRow | null, actor?: AuditActor): Promise<void> {
    const tenant = (after ?? before)!;
    return this.audit.record(
      { tenantId: tenant.id, action, target: { type: 'tenant', id: tenant.id }, before: before && auditedState(before), after: after && auditedState(after), actor },
      m,
    );
  }

  async create(dto: CreateTenantDto, caller: AuthUser): Promise<TenantDto> {
    const problem = slugProblem(dto.slug);
    if (problem) throw new ValidationFailed(problem, [{ field: 'slug', message: problem }]);
    const settings = normalizeSettings(dto.settings ?? {});
    const settingIssues = [...this.secrets.problems({}, settings), ...settingsProblems(settings, this.settingsContext)];
    if (settingIssues.length > 0) throw new ValidationFailed('invalid settings', settingIssues);
    await this.assertSearchLanguage(settings);
    if (dto.parent_id !== undefined && dto.parentId !== undefined && dto.parent_id !== dto.parentId) {
      throw new ValidationFailed('parent_id and parentId disagree; send one of them', [{ field: 'parentId', message: 'differs from parent_id' }]);
    }
    const parentKey = dto.parent_id ?? dto.parentId;
    let parentId: string | null = null;
    if (parentKey) {
      const parent = await this.directory.find(parentKey);
      if (!parent) throw new NotFound('Parent tenant', parentKey);
      await this.assertCanCreateChild(parent, caller);
      parentId = parent.id;
    }
    const plan = dto.plan ?? 'starter';
    if (!caller.isPlatformAdmin) {
      const ancestors = parentId ? await this.repo.lineage(parentId, caller.id) : [];
      this.assertLimitsAllowed(plan, limitChanges({}, settings, { settings: {} }), ancestors);
    }
    const row = await this.repo.create(
      {
        slug: dto.slug,
        name: dto.name,
        schemaName: tenantSchemaName(dto.slug),
        plan,
        // Secrets are sealed with the tenant's data key, so they are stored once the tenant exists (below).
        settings: this.secrets.withoutSecrets(settings),
        parentId,
        ownerId: caller.id,
        maxTopLevelOwned: caller.isPlatformAdmin ? undefined : this.config.MAX_TENANTS_PER_USER,
        // For everyone, platform admins too: they raise a parent's settings.max_child_tenants instead.
        hierarchy: { maxDepth: MAX_TENANT_DEPTH, childLimit: (parent) => effectiveLimit(parent, 'max_child_tenants') },
      },
      async (m, created) => {
        await this.claimDomains(m, created.id, settings);
        await this.recordChange(m, 'tenant.created', null, created);
      },
    );
    if (row === 'slug_taken') throw new SlugTaken(dto.slug);
    if (row === 'tenant_limit_reached') throw new TenantLimitReached(this.config.MAX_TENANTS_PER_USER);
    if ('refused' in row) {
      throw row.refused === 'depth_exceeded' ? new TenantDepthExceeded(row.parent, row.limit) : new ChildLimitReached(row.parent, row.limit);
    }
    if (!isDeepStrictEqual(this.secrets.withoutSecrets(settings), settings)) {
      // After the tenant's commit: its data key row refers to the tenant. Audited as an update (the diff is redacted).
      const sealed = await this.secrets.sealSettings(row.id, {}, settings);
      await this.repo.transaction(async (m) => {
        const after = await this.repo.update(m, row.id, { settings: sealed });
        await this.secrets.assertKeysPresent(m, row.id, sealed);
        if (after) await this.recordChange(m, 'tenant.updated', row, after);
      });
      row.settings = sealed;
    }
    // The tenant is committed: from here on, a Redis outage must not turn its creation into an
    // error (a retry would then meet 409 slug_taken). Both steps are best effort:
    // - the announcement drops negative cache entries for this slug in other processes; when it
    //   cannot be published, Redis is down for them too, and every process clears its caches
    //   when its subscription reconnects;
    // - the enqueue gives up waiting after REDIS_COMMAND_TIMEOUT_MS but still lands when Redis is
    //   back (the job id is the tenant's), and the worker's reconcile loop catches anything else.
    try {
      await this.events.changed({ id: row.id, slug: row.slug });
    } catch (error) {
      this.logger.warn(`tenant ${row.slug}: could not announce the new tenant now (${String(error)}); caches clear when Redis is back`);
    }
    try {
      await this.jobs.provision(row.id);
    } catch (error) {
      this.logger.warn(`tenant ${row.slug}: could not enqueue provisioning now (${String(error)}); it lands when Redis is back, or reconcile does it`);
    }
    // A schema starts indexed with `simple` and no embeddings: the worker applies these once it is provisioned.
    if (corpusIndexSettingsChanged({}, settings)) this.corpusJobs.syncIndex(row.id);
    return toTenantDto(row);
  }

  private async assertCanCreateChild(parent: TenantRow, caller: AuthUser): Promise<void> {
    if (caller.isPlatformAdmin) return;
    const [self, ...ancestors] = await this.repo.lineage(parent.id, caller.id);
    if (self?.caller_role && roleGrants(self.caller_role, [P.TenantsCreateChild])) return;
    if (ancestors.some(administers)) return;
    throw new CannotCreateChild(parent);
  }

  async list(query: ListTenantsQueryDto, caller: AuthUser): Promise<TenantListDto> {
    let parentId: string | undefined;
    if (query.parent) {
      const parent = await this.directory.find(query.parent);
      if (!parent) return { tenants: [], total: 0, skip: query.skip, limit: query.limit };
      parentId = parent.id;
    }
    const { rows, total } = await this.repo.listVisible(
      caller.isPlatformAdmin ? null : caller.id,
      { plan: query.plan, isActive: query.is_active, status: query.status, parentId },
      query.skip,
      query.limit,
    );
    return { tenants: rows.map(toTenantDto), total, skip: query.skip, limit: query.limit };
  }

  async get(key: string): Promise<TenantDto> {
    return toTenantDto(await this.load(key));
  }

  async update(key: string, dto: UpdateTenantDto, actor: TenantActor): Promise<TenantDto> {
    const current = await this.load(key);
    let settings: Record<string, unknown> | undefined;
    if (dto.settings !== undefined) {
      const merged = jsonMergePatch(current.settings, this.secrets.withoutMasks(dto.settings, current.settings)) as Record<string, unknown>;
      // Checked as given (new secrets in plain text: their format), then sealed and checked again,
      // so the size cap counts what is stored.
      const given = isPlainObject(merged) ? normalizeSettings(merged) : merged;
      const asGiven = settingsProblems(given, this.settingsContext);
      if (asGiven.length > 0) throw new ValidationFailed('invalid settings', asGiven);
      settings = isPlainObject(given) ? await this.secrets.sealSettings(current.id, current.settings, given) : given;
      const issues = settingsProblems(settings, this.settingsContext);
      if (issues.length > 0) throw new ValidationFailed('invalid settings', issues);
      if (isPlainObject(settings)) await this.assertSearchLanguage(settings);
    }
    if (actor !== OPERATOR && actor.access.via !== 'platform') {
      // A plan change alone never trips this: limits granted above the new plan stay.
      const changes = limitChanges({ max_members: dto.max_members, max_api_keys: dto.max_api_keys }, settings, current);
      const ancestors = current.parent_id ? await this.repo.lineage(current.parent_id, actor.user.id) : [];
      this.assertLimitsAllowed(dto.plan ?? current.plan, changes, ancestors);
    }
    await this.repo.transaction(async (m) => {
      const after = await this.repo.update(m, current.id, {
        name: dto.name,
        plan: dto.plan,
        settings,
        maxMembers: dto.max_members,
        maxApiKeys: dto.max_api_keys,
      });
      // After the row lock the UPDATE took (the order `keys prune` takes them in): its secrets' keys still exist.
      if (settings) await this.secrets.assertKeysPresent(m, current.id, settings);
      if (settings) await this.claimDomains(m, current.id, settings);
      if (after) await this.recordChange(m, 'tenant.updated', current, after, auditActor(actor));
    });
    if (dto.plan !== undefined && dto.plan !== current.plan) {
      // The Stripe subscription follows in the worker; a lost enqueue is healed by the next push (it syncs every account).
      await this.billingJobs.syncSubscription(current.id, dto.plan).catch((error: unknown) => this.logger.warn(`tenant ${current.slug}: could not queue the subscription update (${String(error)})`));
    }
    if (settings && corpusIndexSettingsChanged(current.settings, settings)) this.corpusJobs.syncIndex(current.id);
    return this.changed(current);
  }

  /**
   * Limits above the plan's ceiling are for platform admins (the caller of this has none)
   * and for admins of an ancestor, up to that ancestor's own limit.
   */
  private assertLimitsAllowed(plan: TenantPlan, changes: LimitChange[], ancestors: LineageRow[]): void {
    const raises = changes.filter((c) => needsAuthority(c, plan));
    if (raises.length === 0) return;
    const administered = ancestors.filter(administers);
    const refused = raises
      .map((c) => ({ change: c, ceiling: Math.max(PLAN_CEILINGS[plan][c.field], ...administered.map((a) => effectiveLimit(a, c.field))) }))
      .filter(({ change, ceiling }) => change.value > ceiling);
    if (refused.length === 0) return;
    const details = refused.map(({ change, ceiling }) => {
      const field = LIMIT_COLUMNS.has(change.field) ? change.field : `settings.${change.field}`;
      const message = `${field} may be at most ${ceiling} here (the ${plan} plan allows ${PLAN_CEILINGS[plan][change.field]}); above needs a platform admin or a parent tenant's admin`;
      return { field, ceiling, message };
    });
    throw new LimitAbovePlan(details);
  }

  async suspend(key: string, actor: TenantActor, reason?: string): Promise<TenantDto> {
    const current = await this.load(key);
    const lineage = await this.repo.lineage(current.id, actorId(actor));
    let by = this.authorityOf(actor, lineage);
    // Suspending again never weakens the suspension already in place.
    if (current.status === 'suspended' && current.suspended_by) {
      const existing = { by: current.suspended_by, tenantId: current.suspended_by_tenant };
      if (this.rank(existing, lineage) >= this.rank(by, lineage)) by = existing;
    }
    await this.repo.transaction(async (m) => {
      const after = await this.repo.suspend(m, current.id, by.by, by.tenantId);
      if (after) await this.recordChange(m, 'tenant.suspended', current, after, auditActor(actor));
    });
    const dto = await this.changed(current);
    if (current.status !== 'suspended') await this.announce(current.id, 'tenant.suspended', { tenant_id: current.id, slug: current.slug, suspended_by: by.by, reason: reason ?? null });
    return dto;
  }

  async reactivate(key: string, actor: TenantActor): Promise<TenantDto> {
    const current = await this.load(key);
    if (current.status === 'suspended' && current.suspended_by && current.suspended_by !== 'tenant') {
      const lineage = await this.repo.lineage(current.id, actorId(actor));
      const mine = this.authorityOf(actor, lineage);
      if (this.rank(mine, lineage) < this.rank({ by: current.suspended_by, tenantId: current.suspended_by_tenant }, lineage)) {
        throw new OperatorSuspension(current, current.suspended_by);
      }
    }
    const after = await this.repo.transaction(async (m) => {
      const row = await this.repo.reactivate(m, current.id);
      if (row) await this.recordChange(m, 'tenant.reactivated', current, row, auditActor(actor));
      return row;
    });
    if ((after?.status ?? 'provisioning') === 'provisioning') await this.jobs.retryProvisioning(current.id);
    return this.changed(current);
  }

  /** The strongest authority the actor has over the tenant (lineage[0]) : operator, topmost administered ancestor, or the tenant. */
  private authorityOf(actor: TenantActor, lineage: LineageRow[]): { by: Suspender; tenantId: string | null } {
    if (actor === OPERATOR || actor.access.via === 'platform') return { by: 'platform', tenantId: null };
    const administered = lineage.slice(1).filter(administers);
    const top = administered.at(-1);
    return top ? { by: 'parent', tenantId: top.id } : { by: 'tenant', tenantId: null };
  }

  /** Platform above every ancestor, a higher ancestor above a lower one, the tenant itself lowest. */
  private rank(s: { by: Suspender; tenantId: string | null }, lineage: TenantRow[]): number {
    if (s.by === 'platform') return Number.MAX_SAFE_INTEGER;
    if (s.by === 'tenant') return 0;
    const at = lineage.findIndex((t) => t.id === s.tenantId);
    // An ancestor no longer in the lineage: only an operator can tell, so rank it as one.
    return at === -1 ? Number.MAX_SAFE_INTEGER : at;
  }


  /** Provisioning again after it failed (or to heal a tenant whose job was lost). */
  async retryProvisioning(key: string, actor: TenantActor): Promise<TenantDto> {
    const current = await this.load(key);
    if (current.status === 'active' || current.status === 'suspended') {
      throw new AlreadyProvisioned(current);
    }
    // Recorded even when the row was already provisioning (a lost job healed): the retry is the action.
    await this.repo.transaction(async (m) => {
      const after = await this.repo.markProvisioningAgain(m, current.id);
      await this.recordChange(m, 'tenant.provision_retried', current, after ?? current, auditActor(actor));
    });
    await this.jobs.retryProvisioning(current.id);
    return this.changed(current);
  }

  private async load(key: string): Promise<TenantRow> {
    const row = await this.repo.findByKey(key);
    if (!row) throw new NotFound('Tenant', key);
    return row;
  }

  private async changed(before: TenantRow): Promise<TenantDto> {
    await this.events.changed({ id: before.id, slug: before.slug });
    return toTenantDto(await this.load(before.id));
  }
}
