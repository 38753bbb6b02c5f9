import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantDb } from '../../../database/src/index.js';
import { TenantContext } from './tenant-context.js';

/** Runs a tenant-scoped handler inside the tenant's unit of work: commit on success, rollback on throw. */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly tenantDb: TenantDb,
    private readonly context: TenantContext,
  ) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { tenant } = this.context.scope;
    return from(this.tenantDb.runInContext({ id: tenant.id, schemaName: tenant.schema_name }, () => lastValueFrom(next.handle())));
  }
}
