import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Permission } from './permissions.js';

export const PERMISSIONS_KEY = 'tenantry:permissions';
export const ACCESS_KEY = 'tenantry:access';
/** Set by tenancy's @TenantScoped(): the route acts inside the tenant the request names. */
export const TENANT_SCOPED_KEY = 'tenantry:tenant-scoped';
/**
 * Set by tenancy's @TenantScoped(): 'per-request' when every handler runs in the unit of work
 * the framework opens for the request (TenantTransactionInterceptor), 'manual' when handlers
 * open their own. Only in the first does the unit of work confirm a cached API key (identity).
 */
export const UNIT_OF_WORK_KEY = 'tenantry:unit-of-work';
export type AccessLevel = 'public' | 'authenticated' | 'permissions';

/** No authentication at all (health, docs, login, register, webhooks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, 'public' satisfies AccessLevel);

/** Any authenticated caller; the handler itself scopes what they see. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_KEY, 'authenticated' satisfies AccessLevel), ApiBearerAuth('bearer'), ApiSecurity('api-key'));

/** The caller needs every one of these permissions in the tenant the request resolves to. */
export const RequirePermissions = (...permissions: Permission[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, 'permissions' satisfies AccessLevel),
    SetMetadata(PERMISSIONS_KEY, permissions),
    ApiBearerAuth('bearer'),
    ApiSecurity('api-key'),
  );
