import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../../audit/src/index.js';
import { Forbidden, NotFound, ValidationFailed } from '../../../common/src/index.js';
import { TenantDb, tenantRef } from '../../../database/src/index.js';
import type { AuthUser } from '../../../identity/src/index.js';
import { type TenantRow, TenantsRepository } from '../../../tenancy/src/index.js';
import { DocumentsService } from '../documents.service.js';
import type { AppliedTemplateDto, CreateTemplateDto, TemplateDto, TemplateListDto, UpdateTemplateDto } from './template.dto.js';
import { type TemplateRow, TemplatesRepository } from './templates.repository.js';

const ADMIN_ROLES = new Set(['owner', 'admin']);

function toTemplateDto(t: TemplateRow): TemplateDto {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    parent_id: t.tenant_id,
    version: t.version,
    documents: t.documents.map((d) => ({ title: d.title, content: d.content, metadata: d.metadata ?? {} })),
    created_at: new Date(t.created_at).toISOString(),
    updated_at: new Date(t.updated_at).toISOString(),
  };
}

const audited = (t: TemplateRow) => ({ name: t.name, description: t.description, parent_id: t.tenant_id, version: t.version, document_count: t.documents.length });

/**
 * Corpus templates. Global ones are made and changed by platform admins; a tenant's by its
 * owners and admins (or those of an ancestor), and seen by the members of it and of its
 * descendants. Everything else is 404 (unseen) or 403 (seen, not yours to change).
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditLog,
    private readonly tenantDb: TenantDb,
    private readonly documents: DocumentsService,
  ) {}

  /** Whether the user administers `tenantId` (owner or admin there, or of one of its ancestors). */
  private async administers(user: AuthUser, tenantId: string): Promise<boolean> {
    if (user.isPlatformAdmin) return true;
    if (user.apiKey) return false; // API keys act inside their tenant, not on shared templates
    const lineage = await this.tenants.lineage(tenantId, user.id);
    return lineage.some((t) => t.caller_role !== null && ADMIN_ROLES.has(t.caller_role));
  }

  private async mayManage(user: AuthUser, t: TemplateRow): Promise<boolean> {
    return t.tenant_id === null ? user.isPlatformAdmin : this.administers(user, t.tenant_id);
  }

  private async visible(user: AuthUser, id: string): Promise<TemplateRow> {
    const t = await this.templates.findById(id);
    const seen = t && (user.isPlatformAdmin || t.tenant_id === null || (!user.apiKey && (await this.templates.userSeesOwner(user.id, t.tenant_id))));
    if (!t || !seen) throw new NotFound('Template', id);
    return t;
  }

  async create(user: AuthUser, dto: CreateTemplateDto): Promise<TemplateDto> {
    if (dto.parent_id && dto.parentId && dto.parent_id !== dto.parentId) {
      throw new ValidationFailed('parent_id and parentId name different tenants; name one', [{ field: 'parent_id', message: 'conflicts with parentId' }]);
    }
    const ownerKey = dto.parent_id ?? dto.parentId ?? null;
    let owner: string | null = null;
    if (ownerKey === null && !user.isPlatformAdmin) throw new Forbidden('Only platform admins make global templates; name the tenant (parent_id) you administer', 'template_forbidden');
    if (ownerKey !== null) {
      const tenant = await this.tenants.findByKey(ownerKey);
      if (!tenant) throw new NotFound('Tenant', ownerKey);
      if (!(await this.administers(user, tenant.id))) throw new Forbidden(`You may not make templates for tenant '${tenant.slug}'`, 'template_forbidden');
      owner = tenant.id;
    }
    const row = await this.templates.transaction(async (m) => {
      const t = await this.templates.insert(m, {
        tenant_id: owner,
        name: dto.name,
        description: dto.description ?? null,
        created_by: user.id,
        documents: dto.documents.map((d) => ({ title: d.title, content: d.content, metadata: d.metadata ?? {} })),
      });
      await this.audit.record({ tenantId: owner, action: 'template.created', target: { type: 'template', id: t.id }, before: null, after: audited(t) }, m);
      return t;
    });
    return toTemplateDto(row);
  }

  async list(user: AuthUser, skip: number, limit: number): Promise<TemplateListDto> {
    const { rows, total } = await this.templates.list(user.apiKey ? '00000000-0000-0000-0000-000000000000' : user.id, user.isPlatformAdmin, skip, limit);
    return { templates: rows.map(toTemplateDto), total, skip, limit };
  }

  async get(user: AuthUser, id: string): Promise<TemplateDto> {
    return toTemplateDto(await this.visible(user, id));
  }

  async update(user: AuthUser, id: string, dto: UpdateTemplateDto): Promise<TemplateDto> {
    const seen = await this.visible(user, id);
    if (!(await this.mayManage(user, seen))) throw new Forbidden('You may not change this template', 'template_forbidden');
    const row = await this.templates.transaction(async (m) => {
      const before = await this.templates.findById(id, m, true);
      if (!before) throw new NotFound('Template', id);
      const after = await this.templates.update(m, id, {
        name: dto.name,
        description: dto.description,
        documents: dto.documents?.map((d) => ({ title: d.title, content: d.content, metadata: d.metadata ?? {} })),
      });
      await this.audit.record({ tenantId: after.tenant_id, action: 'template.updated', target: { type: 'template', id }, before: audited(before), after: audited(after) }, m);
      return after;
    });
    return toTemplateDto(row);
  }

  async delete(user: AuthUser, id: string): Promise<void> {
    const seen = await this.visible(user, id);
    if (!(await this.mayManage(user, seen))) throw new Forbidden('You may not delete this template', 'template_forbidden');
    await this.templates.transaction(async (m) => {
      await this.templates.delete(m, id);
      await this.audit.record({ tenantId: seen.tenant_id, action: 'template.deleted', target: { type: 'template', id }, before: audited(seen), after: null }, m);
    });
  }

  /**
   * Copies the template's documents into the tenant, in one unit of work with the ledger entry
   * for (template, version): a version applied before adds nothing. A template the tenant may
   * not use (neither global nor its own or an ancestor's) is 404.
   */
  async apply(tenant: TenantRow, templateId: string): Promise<AppliedTemplateDto> {
    const t = await this.templates.findById(templateId);
    if (!t || (t.tenant_id !== null && !(await this.templates.isSelfOrDescendant(tenant.id, t.tenant_id)))) throw new NotFound('Template', templateId);
    const added = await this.tenantDb.runInContext(tenantRef(tenant), async () => {
      if (await this.templates.lockAndCheckApplied(tenant.id, t.id, t.version)) return null;
      await this.documents.add(
        tenant,
        t.documents.map((d) => ({ title: d.title, content: d.content, metadata: { ...d.metadata, template_id: t.id, template_version: t.version } })),
      );
      await this.templates.recordApplied(t.id, t.version, t.documents.length);
      return t.documents.length;
    });
    if (added !== null) {
      await this.audit.record({ tenantId: tenant.id, action: 'corpus.template_applied', target: { type: 'template', id: t.id }, before: null, after: { version: t.version, documents_added: added } });
    }
    return { template_id: t.id, version: t.version, applied: added !== null, documents_added: added ?? 0 };
  }
}
