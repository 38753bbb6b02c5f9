import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../../audit/src/index.js';
import { NotFound, ValidationFailed } from '../../../common/src/index.js';
import { generateApiKey } from '../../../identity/src/index.js';
import { abilityFor, grantsAll } from '../../../rbac/src/index.js';
import type { TenantScope } from '../context/tenant-context.js';
import { TenantDirectory, tenantKey } from '../context/tenant-directory.js';
import { ApiKeyLimitReached, ScopesExceedCaller, TenantScopeOutside } from '../tenancy.errors.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';
import type { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto.js';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';

const WIDGET_SCOPE = 'conversations:write';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toDto(row: ApiKeyRow): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.kind === 'widget' ? `pk_${row.prefix}` : row.prefix,
    kind: row.kind,
    scopes: row.scopes,
    tenant_scope: row.tenant_scope,
    created_by: row.created_by,
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
    created_at: row.created_at.toISOString(),
  };
}

/** The widget key's one shape: conversations:write, on the tenant that makes it (no descendant). */
function assertWidgetKey(scopes: string[], tenantId: string, tenantScope: string | undefined, slug: string): void {
  const problems: Array<{ field: string; message: string }> = [];
  if (scopes.length !== 1 || scopes[0] !== WIDGET_SCOPE) problems.push({ field: 'scopes', message: `a widget key has exactly the scope ${WIDGET_SCOPE}` });
  if (tenantScope !== undefined && tenantScope !== tenantId && tenantScope !== slug) problems.push({ field: 'tenant_scope', message: 'a widget key acts in its own tenant only' });
  if (problems.length > 0) throw new ValidationFailed('invalid widget key', problems);
}

/** What the audit log keeps of a key (never a secret: there is none in the row). */
const audited = (row: ApiKeyRow) => ({ name: row.name, prefix: row.prefix, kind: row.kind, scopes: row.scopes, tenant_scope: row.tenant_scope, expires_at: iso(row.expires_at), revoked_at: iso(row.revoked_at) });

/** A tenant's API keys: created (the secret shown once), listed, revoked; all audited. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repo: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly directory: TenantDirectory,
    private readonly audit: AuditLog,
  ) {}

  async create(scope: TenantScope, userId: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const scopes = [...new Set(dto.scopes)].sort();
    const ability = abilityFor(scope);
    const beyond = scopes.filter((p) => !ability || !grantsAll(ability, [p]));
    if (beyond.length > 0) throw new ScopesExceedCaller(beyond);
    const kind = dto.kind ?? 'secret';
    if (kind === 'widget') assertWidgetKey(scopes, scope.tenant.id, dto.tenant_scope ?? dto.tenantScope, scope.tenant.slug);
    const tenantScope = await this.tenantScope(scope.tenant.id, dto.tenant_scope ?? dto.tenantScope);
    let expiresAt: string | null = null;
    if (dto.expires_at !== undefined) {
      const at = new Date(dto.expires_at);
      if (!(at.getTime() > Date.now())) throw new ValidationFailed('expires_at must be in the future', [{ field: 'expires_at', message: 'must be in the future' }]);
      expiresAt = at.toISOString();
    }
    const secret = generateApiKey(kind);
    const row = await this.repo.transaction(async (m) => {
      const inserted = await this.repo.insertWithinLimit(m, {
        tenantId: scope.tenant.id,
        tenantScope,
        name: dto.name,
        prefix: secret.prefix,
        hash: secret.hash,
        kind,
        scopes,
        createdBy: userId,
        expiresAt,
      });
      if ('limit' in inserted) throw new ApiKeyLimitReached(inserted.limit);
      await this.audit.record({ tenantId: scope.tenant.id, action: 'api_key.created', target: { type: 'api_key', id: inserted.id }, after: audited(inserted) }, m);
      return inserted;
    });
    return { ...toDto(row), key: secret.key };
  }

  /** The tenant a new key acts in: this tenant (the default) or one of its descendants. */
  private async tenantScope(tenantId: string, key: string | undefined): Promise<string> {
    if (key === undefined) return tenantId;
    const target = tenantKey(key) === null ? null : await this.directory.find(key);
    if (!target) throw new TenantScopeOutside(key);
    if (target.id === tenantId) return tenantId;
    const lineage = await this.tenants.lineage(target.id, null);
    if (!lineage.some((t) => t.id === tenantId)) throw new TenantScopeOutside(key);
    return target.id;
  }

  async list(tenantId: string, skip: number, limit: number): Promise<ApiKeyListDto> {
    const { rows, total } = await this.repo.list(tenantId, skip, limit);
    return { api_keys: rows.map(toDto), total, skip, limit };
  }

  async get(tenantId: string, id: string): Promise<ApiKeyDto> {
    const row = await this.repo.find(tenantId, id);
    if (!row) throw new NotFound('API key', id);
    return toDto(row);
  }

  /** Revokes the key: every API process refuses it from the commit on (keys are not cached). */
  async revoke(tenantId: string, id: string): Promise<void> {
    await this.repo.transaction(async (m) => {
      const before = await this.repo.find(tenantId, id, m);
      if (!before) throw new NotFound('API key', id);
      if (before.revoked_at) return;
      const after = await this.repo.revoke(m, tenantId, id);
      await this.audit.record({ tenantId, action: 'api_key.revoked', target: { type: 'api_key', id }, before: audited(before), after: after ? audited(after) : undefined }, m);
    });
  }
}
