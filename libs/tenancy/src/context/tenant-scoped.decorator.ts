import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { TENANT_SCOPED_KEY, UNIT_OF_WORK_KEY } from '../../../rbac/src/index.js';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor.js';

/**
 * A controller whose routes act inside one tenant: the tenant is resolved from
 * X-Tenant-ID / X-Tenant-Slug, the subdomain or `/api/v1/{slug}/...`, must be active,
 * and each handler runs in that tenant's unit of work.
 *
 * `{ unitOfWork: 'manual' }`: the handlers open their units of work themselves
 * (`TenantDb.runInContext`), for work that must not hold a transaction and a pooled connection
 * while it waits on something slow (a chat message waits on an LLM provider).
 */
export const TenantScoped = (options: { unitOfWork?: 'per-request' | 'manual' } = {}): ClassDecorator =>
  applyDecorators(
    SetMetadata(TENANT_SCOPED_KEY, true),
    SetMetadata(UNIT_OF_WORK_KEY, options.unitOfWork ?? 'per-request'),
    ...(options.unitOfWork === 'manual' ? [] : [UseInterceptors(TenantTransactionInterceptor)]),
    ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'tenant uuid (or use X-Tenant-Slug, the subdomain, or /api/v1/{slug}/...)' }),
    ApiHeader({ name: 'X-Tenant-Slug', required: false }),
    ApiResponse({ status: 403, description: 'not a member, or the tenant is suspended' }),
    ApiResponse({ status: 404, description: 'unknown tenant' }),
    ApiResponse({ status: 409, description: 'tenant_not_ready: still provisioning (or failed)' }),
  );
