import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { Observable } from 'rxjs';

/** Who made a change: a user, an API key, the admin CLI, or the platform itself (a job). */
export type AuditActor = { type: 'user' | 'api_key'; id: string } | { type: 'cli' | 'system'; id?: null };

export const CLI_ACTOR: AuditActor = { type: 'cli' };

/** The request facts every audit entry carries, kept in the request context (nestjs-cls). */
export interface AuditRequestContext {
  actor?: AuditActor;
  ip?: string;
}

export const CTX_AUDIT = 'tenantry.audit';

type AuthedRequest = { ip?: string; user?: { id?: unknown; apiKeyId?: unknown } };

/**
 * Global interceptor (after the guards, so the caller is known): writes the actor and the
 * client IP (Fastify's request.ip, which honours TRUST_PROXY) to the request context, where
 * AuditLog.record reads them. A caller authenticated by an API key is that key.
 */
@Injectable()
export class AuditContextInterceptor implements NestInterceptor {
  constructor(private readonly cls: ClsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && this.cls.isActive()) {
      const req = context.switchToHttp().getRequest<AuthedRequest>();
      const user = req.user;
      const actor: AuditActor | undefined =
        typeof user?.apiKeyId === 'string'
          ? { type: 'api_key', id: user.apiKeyId }
          : typeof user?.id === 'string'
            ? { type: 'user', id: user.id }
            : undefined;
      this.cls.set<AuditRequestContext>(CTX_AUDIT, { actor, ip: req.ip });
    }
    return next.handle();
  }
}
