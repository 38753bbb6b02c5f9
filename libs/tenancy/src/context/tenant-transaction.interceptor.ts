import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantDb, tenantRef } from '../../../database/src/index.js';
import { apiKeyLivenessSql, apiKeyRefusalOr, type AuthUser } from '../../../identity/src/index.js';
import { TenantContext } from './tenant-context.js';

/** Methods that must not change anything (RFC 9110 safe methods a route can have here): their unit of work is READ ONLY. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * On a request whose API key is still to be confirmed (`apiKey.liveness`): what waits until its
 * unit of work's opening confirmed the key. The metering interceptor records the api_call there,
 * so a revoked key is never counted.
 */
export const AFTER_ADMISSION = Symbol('tenantry.afterAdmission');
export type AdmissionRequest = { method: string; user?: AuthUser; [AFTER_ADMISSION]?: () => void };

/**
 * Runs a tenant-scoped handler inside the tenant's unit of work: commit on success, rollback
 * on throw. GET and HEAD handlers get a READ ONLY transaction: PostgreSQL refuses any write
 * they attempt, and their COMMIT is not waited for (TenantDb). A request made with an API key
 * read from the process's cache asserts the key in the unit of work's opening (revoked or
 * expired: the transaction aborts and the answer is 401; see ApiKeyStrategy).
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly tenantDb: TenantDb,
    private readonly context: TenantContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { tenant } = this.context.scope;
    const req = context.switchToHttp().getRequest<AdmissionRequest>();
    const readOnly = SAFE_METHODS.has(req.method);
    const ref = tenantRef(tenant);
    const handle = () => lastValueFrom(next.handle());
    const liveness = req.user?.apiKey?.liveness;
    if (!liveness) return from(this.tenantDb.runInContext(ref, handle, { readOnly }));
    const assertSql = apiKeyLivenessSql(req.user!.apiKey!.id);
    return from(
      this.tenantDb.runInContext(ref, handle, { readOnly, assertSql, onOpened: () => req[AFTER_ADMISSION]?.() }).catch((error: unknown) => {
        throw apiKeyRefusalOr(error, liveness);
      }),
    );
  }
}
