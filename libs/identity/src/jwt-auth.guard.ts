import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Unauthorized } from '../../common/src/index.js';
import { routeRule } from '../../rbac/src/index.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import type { AuthUser } from './auth-user.js';

/** Global guard: every route but the @Public() ones needs a valid API key (X-API-Key or Bearer) or bearer JWT. */
@Injectable()
export class JwtAuthGuard extends AuthGuard(['api-key', 'jwt']) {
  constructor(private readonly apiKeys: ApiKeyStrategy) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = routeRule(context);
    if (rule.level === 'public') return true;
    const ok = (await super.canActivate(context)) as boolean;
    // A key read from the cache is confirmed by the route's unit of work; without one, here.
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (ok && user?.apiKey?.liveness && !rule.unitOfWorkPerRequest) await this.apiKeys.confirm(user);
    return ok;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    // `err` only ever comes from a strategy's validate (a revoked token or key, or the database failing).
    if (err instanceof Error) throw err;
    if (err || !user) throw new Unauthorized('A valid bearer token or API key is required');
    return user;
  }
}
