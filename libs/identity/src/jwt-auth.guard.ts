import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Unauthorized } from '../../common/src/index.js';
import { routeRule } from '../../rbac/src/index.js';

/** Global guard: every route but the @Public() ones needs a valid API key (X-API-Key or Bearer) or bearer JWT. */
@Injectable()
export class JwtAuthGuard extends AuthGuard(['api-key', 'jwt']) {
  override canActivate(context: ExecutionContext) {
    if (routeRule(context).level === 'public') return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T): T {
    // `err` only ever comes from a strategy's validate (a revoked token or key, or the database failing).
    if (err instanceof Error) throw err;
    if (err || !user) throw new Unauthorized('A valid bearer token or API key is required');
    return user;
  }
}
