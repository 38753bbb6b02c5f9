import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantDb } from '../../../database/src/index.js';
import { apiKeyLivenessSql, apiKeyRefusal, type AuthUser } from '../../../identity/src/index.js';
import { TenantContext } from './tenant-context.js';

/** Methods that must not change anything (RFC 9110 safe methods a route can have here): their unit of work is READ ONLY. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * On a request whose API key is still to be confirmed (`liveness: 'deferred'`): what must wait
 * until its unit of work's opening confirmed the key, and run before the handler. The metering
 * interceptor puts the rate limit and the api_call there, so a revoked key is never counted.
 */
export const AFTER_ADMISSION = Symbol('tenantry.afterAdmission');
export type AdmissionRequest = { method: string; user?: AuthUser; [AFTER_ADMISSION]?: () => Promise<void> };

/**
 * Runs a tenant-scoped handler inside the tenant's unit of work: commit on success, rollback
 * on throw. GET and HEAD handlers get a READ ONLY transaction: PostgreSQL refuses any write
 * they attempt, and their COMMIT is not waited for (TenantDb). A request made with an API key
 * read from the process's cache asserts the key in the unit of work's opening (revoked or
 * expired: 401, before the handler runs; see ApiKeyStrategy).
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
    const key = req.user?.apiKey;
    if (key?.liveness !== 'deferred') {
      return from(this.tenantDb.runInContext({ id: tenant.id, schemaName: tenant.schema_name }, () => lastValueFrom(next.handle()), { readOnly }));
    }
    const admitted = async () => {
      delete key.liveness; // the opening confirmed it
      await req[AFTER_ADMISSION]?.();
      return lastValueFrom(next.handle());
    };
    return from(
      this.tenantDb.runInContext({ id: tenant.id, schemaName: tenant.schema_name }, admitted, { readOnly, assertSql: apiKeyLivenessSql(key.id) }).catch((error: unknown) => {
        throw apiKeyRefusal(error) ?? error;
      }),
    );
  }
}
