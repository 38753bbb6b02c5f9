import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../../config/src/index.js';
import { Forbidden, NotFound, ValidationFailed } from '../../../common/src/index.js';
import type { ApiKeyGrant, AuthUser } from '../../../identity/src/index.js';
import { abilityFor, type AccessContext, grantsAll, type Permission, routeRule } from '../../../rbac/src/index.js';
import { TenantContext } from './tenant-context.js';
import { TenantDirectory, tenantKey } from './tenant-directory.js';
import { customDomainCandidate, tenantCandidates } from './tenant-resolution.js';
import { ApiKeyOutOfScope, NotAMember, TenantConflict, TenantNotReady, TenantSuspended } from '../tenancy.errors.js';
import { type TenantRow, TenantsRepository } from '../tenants/tenants.repository.js';

export type TenantRequest = FastifyRequest & { user?: AuthUser };

/**
 * Resolves the tenant of a request and the caller's access to it. Tenant-scoped routes
 * (/api/v1/...) resolve it from headers, subdomain or path and need the tenant active;
 * management routes (/api/tenants/{tenant}) take it from the path parameter.
 */
@Injectable()
export class TenantAccessGuard implements CanActivate {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly tenants: TenantsRepository,
    private readonly config: AppConfig,
    private readonly tenantContext: TenantContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = routeRule(context);
    if (rule.level === 'public') return true;
    const req = context.switchToHttp().getRequest<TenantRequest>();
    const scoped = rule.tenantScoped;
    let tenant: TenantRow | null;
    if (scoped) {
      tenant = await this.resolveScoped(req);
    } else {
      const key = (req.params as Record<string, string | undefined> | undefined)?.tenant;
      if (key === undefined) {
        // An API key acts in its tenant only: never on the routes of the user who created it.
        if (req.user?.apiKey) throw new ApiKeyOutOfScope();
        return true;
      }
      if (tenantKey(key) === null) throw new NotFound('Tenant', key.slice(0, 64));
      tenant = await this.directory.find(key);
      if (!tenant) throw new NotFound('Tenant', key);
    }
    const user = req.user;
    if (!user) throw new Forbidden('Authentication required');
    const access = user.apiKey ? await this.keyAccess(tenant, user, user.apiKey) : await this.accessFor(tenant, user);
    if (scoped) {
      if (tenant.status === 'suspended') throw new TenantSuspended(tenant);
      if (tenant.status !== 'active') throw new TenantNotReady(tenant);
    }
    this.tenantContext.enter({ ...access, tenant });
    return true;
  }

  /**
   * The one tenant a tenant-scoped request names. Every header value, the subdomain and the
   * path prefix must name the same tenant (a uuid and a slug of one tenant agree); else 400.
   * Protected, not private, for bench/'s no-auth baseline only (apps/api/src/bench/), which
   * resolves the tenant with this very code; the guard itself is unchanged.
   */
  protected async resolveScoped(req: TenantRequest): Promise<TenantRow> {
    const candidates = tenantCandidates(req.raw, this.config.BASE_DOMAIN);
    // A custom domain resolves like a subdomain; a host no tenant claims (the API's own) names none.
    const domain = customDomainCandidate(req.raw, this.config.BASE_DOMAIN);
    const byDomain = domain === undefined ? null : await this.directory.findByDomain(domain);
    if (byDomain) candidates.push({ key: byDomain.id, source: 'subdomain' });
    const keyScope = req.user?.apiKey?.tenantScope;
    if (candidates.length === 0 && keyScope) {
      // A key alone resolves its tenant.
      const tenant = await this.directory.find(keyScope);
      if (!tenant) throw new NotFound('Tenant', keyScope);
      return tenant;
    }
    if (candidates.length === 0) {
      throw new ValidationFailed('No tenant in this request: send X-Tenant-ID or X-Tenant-Slug, call <slug>.BASE_DOMAIN, or use /api/v1/{slug}/...');
    }
    const keys = new Set<string>();
    for (const { key } of candidates) {
      const normal = tenantKey(key);
      if (normal === null) throw new NotFound('Tenant', key.slice(0, 64));
      keys.add(normal);
    }
    // One tenant has two spellings (uuid and slug): more can only be a conflict.
    if (keys.size > 2) throw new TenantConflict([...keys]);
    const resolve = async (key: string): Promise<TenantRow> => {
      let tenant = await this.directory.find(key);
      if (tenant && tenant.status !== 'active') {
        // A refusal must not rest on a cached row: its activation event may still be in flight
        // (the tenant can already read active elsewhere), so look again before refusing.
        this.directory.forget({ id: tenant.id, slug: tenant.slug });
        tenant = await this.directory.find(key);
      }
      if (!tenant) throw new NotFound('Tenant', key);
      return tenant;
    };
    if (keys.size === 1) return resolve(keys.values().next().value!);
    const tenants = await Promise.all([...keys].map(resolve));
    if (new Set(tenants.map((t) => t.id)).size > 1) throw new TenantConflict([...keys]);
    return tenants[0]!;
  }

  /**
   * An API key acts in its `tenant_scope` alone, with those of its scopes its creator still
   * holds there (a creator who lost a right, or left, takes it from the key too).
   */
  private async keyAccess(tenant: TenantRow, user: AuthUser, key: ApiKeyGrant): Promise<AccessContext> {
    if (tenant.id !== key.tenantScope) throw new ApiKeyOutOfScope(tenant);
    const creator = abilityFor(await this.accessFor(tenant, { ...user, isPlatformAdmin: key.creatorIsPlatformAdmin }));
    const scopes = (key.scopes as Permission[]).filter((p) => creator !== null && grantsAll(creator, [p]));
    return { tenantId: tenant.id, role: null, elevated: false, via: 'api_key', scopes };
  }

  /** Members act with their role; platform admins and owners/admins of an ancestor tenant are elevated. */
  private async accessFor(tenant: TenantRow, user: AuthUser): Promise<AccessContext> {
    if (user.isPlatformAdmin) return { tenantId: tenant.id, role: null, elevated: true, via: 'platform' };
    // Members, the common case, come from the cache; only others need the ancestor query.
    const role = await this.directory.roleOf(tenant.id, user.id);
    if (role) return { tenantId: tenant.id, role, elevated: false, via: 'member' };
    if (tenant.parent_id) {
      const ancestor = (await this.tenants.lineage(tenant.parent_id, user.id)).find((t) => t.caller_role === 'owner' || t.caller_role === 'admin');
      if (ancestor) return { tenantId: tenant.id, role: null, elevated: true, via: 'ancestor', ancestorId: ancestor.id };
    }
    throw new NotAMember(tenant);
  }
}
