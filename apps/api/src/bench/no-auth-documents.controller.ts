import { applyDecorators, type ExecutionContext, Controller, Get, Injectable, Query, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AppConfig } from '../../../../libs/config/src/index.js';
import { DocumentsService } from '../../../../libs/corpus/src/index.js';
import { Public } from '../../../../libs/rbac/src/index.js';
import {
  TenantAccessGuard,
  TenantContext,
  TenantDirectory,
  TenantNotReady,
  type TenantRequest,
  TenantScoped,
  TenantsRepository,
  TenantSuspended,
} from '../../../../libs/tenancy/src/index.js';
import { BenchListDocumentsQueryDto } from './bench-list-query.dto.js';

/** Marks the bench routes that skip authentication and permission checks on purpose (read by tests). */
export const BENCH_NO_AUTH_KEY = 'tenantry:bench-no-auth';

/**
 * Resolves the request's tenant with TenantAccessGuard's own code (X-Tenant-ID / X-Tenant-Slug,
 * subdomain, path prefix; unknown 404, conflicting 400, suspended 403, not ready 409) and enters
 * it into the request context, without a caller: no authentication, no membership, no
 * permission. A controller guard, so it runs after the three global ones, which all let a
 * @Public() route through untouched. The access it records grants nothing (an API key without
 * scopes: abilityFor gives an empty ability), so a permission check downstream would refuse.
 */
@Injectable()
export class BenchTenantWithoutCallerGuard extends TenantAccessGuard {
  constructor(
    directory: TenantDirectory,
    tenants: TenantsRepository,
    private readonly appConfig: AppConfig,
    private readonly context: TenantContext,
  ) {
    super(directory, tenants, appConfig, context);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // BenchModule is imported only with BENCH_ROUTES (refused in production): never reached without it.
    if (!this.appConfig.BENCH_ROUTES) throw new Error('bench route without BENCH_ROUTES');
    const tenant = await this.resolveScoped(context.switchToHttp().getRequest<TenantRequest>());
    if (tenant.status === 'suspended') throw new TenantSuspended(tenant);
    if (tenant.status !== 'active') throw new TenantNotReady(tenant);
    this.context.enter({ tenantId: tenant.id, role: null, elevated: false, via: 'api_key', scopes: [], tenant });
    return true;
  }
}

/**
 * A tenant-scoped bench route with no authentication and no permission check (BENCH_ROUTES
 * only): explicitly @Public() for the route audit and the global guards, @TenantScoped() for
 * the unit of work and metering, and BenchTenantWithoutCallerGuard for the tenant.
 */
const BenchTenantScopedWithoutAuth = (): ClassDecorator =>
  applyDecorators(Public(), SetMetadata(BENCH_NO_AUTH_KEY, true), TenantScoped(), UseGuards(BenchTenantWithoutCallerGuard));

/**
 * `GET /bench/no-auth/documents`: `GET /api/v1/corpus/documents` minus the authorization
 * checks: the same tenant resolution, metering interceptor, TenantTransactionInterceptor (READ
 * ONLY unit of work, SET LOCAL) and corpus's own DocumentsService.list, but no JWT or API key
 * verification, no membership lookup and no CASL check. Issue 15's baseline for what
 * authorization costs (bench/auth.mjs).
 */
@ApiExcludeController()
@BenchTenantScopedWithoutAuth()
@Controller('bench/no-auth/documents')
export class NoAuthDocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get()
  list(@Query() query: BenchListDocumentsQueryDto) {
    return this.documents.list(query);
  }
}
