import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { AppConfig } from '../../config/src/index.js';
import { routeRule } from '../../rbac/src/index.js';
import { type AdmissionRequest, AFTER_ADMISSION, TenantContext } from '../../tenancy/src/index.js';
import { UsageRecorder } from '../../usage/src/index.js';
import { type RateDecision, TenantRateLimit } from './tenant-rate-limit.js';

function setHeaders(reply: FastifyReply, d: RateDecision): void {
  reply.header('X-RateLimit-Limit', String(d.limit));
  reply.header('X-RateLimit-Remaining', String(Math.max(0, d.remaining)));
  reply.header('X-RateLimit-Reset', String(Math.ceil(d.resetsAt.getTime() / 1000)));
}

/**
 * Every tenant-scoped request (after the guards resolved its tenant and caller): counts it
 * against the tenant's rate_limit_per_minute (429 past it, with X-RateLimit-* headers on every
 * answer) and records one `api_call` (a Map update in the buffered recorder). METERING=false
 * turns both off (bench P5's baseline).
 */
@Injectable()
export class MeteringInterceptor implements NestInterceptor {
  constructor(
    private readonly context: TenantContext,
    private readonly rateLimit: TenantRateLimit,
    private readonly recorder: UsageRecorder,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.config.METERING || context.getType() !== 'http') return next.handle();
    const rule = routeRule(context);
    if (!rule.tenantScoped) return next.handle();
    const { tenant } = this.context.scope;
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<AdmissionRequest>();
    const record = () => this.recorder.record({ tenantId: tenant.id, resource: 'api_call', quantity: 1 });
    return from(
      this.rateLimit.consume(tenant).catch((error: unknown) => {
        const decision = (error as { decision?: RateDecision }).decision;
        if (decision) setHeaders(reply, decision);
        throw error;
      }),
    ).pipe(
      mergeMap((decision) => {
        setHeaders(reply, decision);
        // A key still to be confirmed by the unit of work is counted once it is (a revoked key never is).
        if (req.user?.apiKey?.liveness && rule.unitOfWorkPerRequest) req[AFTER_ADMISSION] = record;
        else record();
        return next.handle();
      }),
    );
  }

}
