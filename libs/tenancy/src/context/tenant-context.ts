import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CTX_SCOPE } from '../../../common/src/index.js';
import { NoTenantContextError } from '../../../database/src/index.js';
import type { AccessContext } from '../../../rbac/src/index.js';
import type { TenantRow } from '../tenants/tenants.repository.js';

/** The request's tenant and the caller's access to it: one value in the request context, written once by the tenancy guard. */
export interface TenantScope extends AccessContext {
  tenant: TenantRow;
}

/** The tenant scope of the current request. Loud: reading it where none was resolved throws. */
@Injectable()
export class TenantContext {
  constructor(private readonly cls: ClsService) {}

  get scope(): TenantScope {
    const scope = this.cls.isActive() ? this.cls.get<TenantScope | undefined>(CTX_SCOPE) : undefined;
    if (!scope) throw new NoTenantContextError();
    return scope;
  }

  get tenant(): TenantRow {
    return this.scope.tenant;
  }

  /** Written by the tenancy guard, once per request. */
  enter(scope: TenantScope): void {
    this.cls.set(CTX_SCOPE, scope);
  }
}
