import { Injectable, Logger } from '@nestjs/common';
import { Conflict, DomainError, Forbidden, jsonMergePatch, NotFound, ValidationFailed } from '../../common/src/index.js';
import { tenantSchemaName } from '../../database/src/index.js';
import type { AuthUser } from '../../identity/src/index.js';
import { TenantJobsProducer } from '../../jobs/src/index.js';
import { roleAllows, P } from '../../rbac/src/index.js';
import { slugProblem } from './slug.util.js';
import type { CreateTenantDto, ListTenantsQueryDto, TenantDto, TenantListDto, UpdateTenantDto } from './tenant.dto.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantEvents } from './tenant-events.js';
import { settingsProblems } from './tenant-settings.util.js';
import { TenantsRepository, type TenantRow } from './tenants.repository.js';

export function toTenantDto(t: TenantRow): TenantDto {
  const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    schema_name: t.schema_name,
    plan: t.plan,
    settings: t.settings,
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

@Injectable()
export class TenantsService {
  private readonly logger = new Logger(TenantsService.name);

  constructor(
    private readonly repo: TenantsRepository,
    private readonly directory: TenantDirectory,
    private readonly events: TenantEvents,
    private readonly jobs: TenantJobsProducer,
  ) {}

  async create(dto: CreateTenantDto, caller: AuthUser): Promise<TenantDto> {
    const problem = slugProblem(dto.slug);
    if (problem) throw new ValidationFailed(problem, [{ field: 'slug', message: problem }]);
    const settings = dto.settings ?? {};
    const settingIssues = settingsProblems(settings);
    if (settingIssues.length > 0) throw new ValidationFailed('invalid settings', settingIssues);
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
    const row = await this.repo.create({
      slug: dto.slug,
      name: dto.name,
      schemaName: tenantSchemaName(dto.slug),
      plan: dto.plan ?? 'starter',
      settings,
      parentId,
      ownerId: caller.id,
    });
    if (!row) throw new Conflict('slug_taken', `The slug '${dto.slug}' is already taken`);
    // Caches may hold a negative entry for this slug: drop it everywhere.
    await this.events.changed({ id: row.id, slug: row.slug });
    try {
      await this.jobs.provision(row.id);
    } catch (error) {
      // The tenant is committed; the worker's reconcile loop enqueues it within a minute.
      this.logger.warn(`tenant ${row.slug}: could not enqueue provisioning now (${String(error)}); reconcile will`);
    }
    return toTenantDto(row);
  }

  private async assertCanCreateChild(parent: TenantRow, caller: AuthUser): Promise<void> {
    if (caller.isPlatformAdmin) return;
    for (let t: TenantRow | null = parent, depth = 0; t && depth < 16; depth++) {
      const role = await this.directory.roleOf(t.id, caller.id);
      if (role && (t.id === parent.id ? roleAllows(role, [P.TenantsCreateChild]) : role === 'owner' || role === 'admin')) return;
      t = t.parent_id ? await this.directory.find(t.parent_id) : null;
    }
    throw new Forbidden(`You may not create child tenants of '${parent.slug}'`, 'missing_permission');
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

  async update(key: string, dto: UpdateTenantDto): Promise<TenantDto> {
    const current = await this.load(key);
    let settings: Record<string, unknown> | undefined;
    if (dto.settings !== undefined) {
      settings = jsonMergePatch(current.settings, dto.settings) as Record<string, unknown>;
      const issues = settingsProblems(settings);
      if (issues.length > 0) throw new ValidationFailed('invalid settings', issues);
    }
    await this.repo.update(current.id, {
      name: dto.name,
      plan: dto.plan,
      settings,
      maxMembers: dto.max_members,
      maxApiKeys: dto.max_api_keys,
    });
    return this.changed(current);
  }

  async suspend(key: string): Promise<TenantDto> {
    const current = await this.load(key);
    await this.repo.suspend(current.id);
    return this.changed(current);
  }

  async reactivate(key: string): Promise<TenantDto> {
    const current = await this.load(key);
    const status = await this.repo.reactivate(current.id);
    if (status === 'provisioning') await this.jobs.retryProvisioning(current.id);
    return this.changed(current);
  }

  /** Provisioning again after it failed (or to heal a tenant whose job was lost). */
  async retryProvisioning(key: string): Promise<TenantDto> {
    const current = await this.load(key);
    if (current.status === 'active' || current.status === 'suspended') {
      throw new DomainError('conflict', 'already_provisioned', `Tenant '${current.slug}' is ${current.status}; nothing to provision`);
    }
    await this.repo.markProvisioningAgain(current.id);
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
    this.directory.forget({ id: before.id, slug: before.slug });
    return toTenantDto(await this.load(before.id));
  }
}
