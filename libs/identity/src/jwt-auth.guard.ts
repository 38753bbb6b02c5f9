import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Unauthorized } from '../../common/src/index.js';
import { ACCESS_KEY, type AccessLevel } from '../../rbac/src/index.js';

/** Global guard: every route but the @Public() ones needs a valid bearer token. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (level === 'public') return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T): T {
    // `err` only ever comes from JwtStrategy.validate (a revoked token, or the database failing).
    if (err instanceof Error) throw err;
    if (err || !user) throw new Unauthorized('A valid bearer token is required');
    return user;
  }
}
