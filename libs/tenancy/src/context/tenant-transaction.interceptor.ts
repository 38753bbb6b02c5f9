import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantDb } from '../../../database/src/index.js';
import { TenantContext } from './tenant-context.js';

/** Methods that must not change anything (RFC 9110 safe methods a route can have here): their unit of work is READ ONLY. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Runs a tenant-scoped handler inside the tenant's unit of work: commit on success, rollback
 * on throw. GET and HEAD handlers get a READ ONLY transaction: PostgreSQL refuses any write
 * they attempt, and their COMMIT is not waited for (TenantDb).
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly tenantDb: TenantDb,
    private readonly context: TenantContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { tenant } = this.context.scope;
    const readOnly = SAFE_METHODS.has(context.switchToHttp().getRequest<{ method: string }>().method);
    return from(this.tenantDb.runInContext({ id: tenant.id, schemaName: tenant.schema_name }, () => lastValueFrom(next.handle()), { readOnly }));
  }
}
