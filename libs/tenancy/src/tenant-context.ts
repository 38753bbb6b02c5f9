import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { NoTenantContextError } from '../../database/src/index.js';
import type { TenantRow } from './tenants.repository.js';

export const CTX_TENANT = 'tenant';

/** The tenant of the current request. Loud: reading it where none was resolved throws. */
@Injectable()
export class TenantContext {
  constructor(private readonly cls: ClsService) {}

  get tenant(): TenantRow {
    const tenant = this.cls.isActive() ? this.cls.get<TenantRow | undefined>(CTX_TENANT) : undefined;
    if (!tenant) throw new NoTenantContextError();
    return tenant;
  }
}
