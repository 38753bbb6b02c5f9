import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotFound } from '../../common/src/index.js';
import { ApiKeyStrategy, type AuthUser } from '../../identity/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { Public } from '../../rbac/src/index.js';
import { customDomainCandidate, TenantConflict, TenantDirectory, tenantCandidates } from '../../tenancy/src/index.js';
import { BrandingDto } from './billing.dto.js';

const FIELDS = ['logo_url', 'favicon_url', 'primary_color', 'font', 'email_from_name'] as const;

/**
 * White-label: the branding of the tenant the host names (its subdomain of BASE_DOMAIN or one of
 * its custom domains; also the /api/v1/{slug}/branding prefix), without authentication, for the
 * login page and the widget before anyone signs in. Branding is public by nature; nothing else
 * of the tenant is shown. A host that names no active tenant is a 404. The embeddable widget,
 * on another site's page, names its tenant by its key instead: a request that names no tenant
 * otherwise and presents X-API-Key gets the branding of the key's tenant, the key checked as on
 * any route (revoked, expired, a widget key from an origin outside its list: refused), and the
 * answer carries the widget's CORS headers like every answer to an accepted widget key.
 */
@ApiTags('branding')
@Controller('api/v1')
export class BrandingController {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyStrategy,
  ) {}

  @Get('branding')
  @Public()
  @Header('cache-control', 'public, max-age=60')
  @ApiOperation({ summary: 'The branding of the tenant resolved from the host (subdomain or custom domain)' })
  @ApiHeader({ name: 'x-tenant-id', required: false, description: 'or name the tenant explicitly (branding is public)' })
  @ApiHeader({ name: 'x-api-key', required: false, description: "or present a key of the tenant (the widget's publishable key, from an allowed origin)" })
  @ApiOkResponse({ type: BrandingDto })
  async get(@Req() req: FastifyRequest): Promise<BrandingDto> {
    // Every way a request names a tenant (they must agree); branding is public, so a header may name it too.
    const keys = new Set(tenantCandidates(req.raw, this.config.BASE_DOMAIN).map((c) => c.key));
    const domain = customDomainCandidate(req.raw, this.config.BASE_DOMAIN);
    const byDomain = domain === undefined ? null : await this.directory.findByDomain(domain);
    if (byDomain) keys.add(byDomain.id);
    if (keys.size === 0 && req.headers['x-api-key'] !== undefined) {
      const user = await this.apiKeys.validateLive(req);
      if (user?.apiKey) {
        (req as FastifyRequest & { user?: AuthUser }).user = user; // the widget CORS hook answers by it
        keys.add(user.apiKey.tenantScope);
      }
    }
    if (keys.size === 0) throw new NotFound('Tenant for host', (domain ?? req.hostname).slice(0, 253));
    const tenants = await Promise.all([...keys].map((k) => this.directory.find(k)));
    if (new Set(tenants.map((t) => t?.id)).size > 1) throw new TenantConflict([...keys]);
    const tenant = tenants[0];
    if (!tenant || tenant.status !== 'active') throw new NotFound('Tenant', [...keys][0]!.slice(0, 64));
    const branding = (tenant.settings.branding ?? {}) as Record<string, unknown>;
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      slug: tenant.slug,
      display_name: text(branding.display_name) ?? tenant.name,
      ...(Object.fromEntries(FIELDS.map((f) => [f, text(branding[f])])) as Record<(typeof FIELDS)[number], string | null>),
    };
  }
}
