import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CTX_SCOPE, Forbidden } from '../../common/src/index.js';
import { abilityFor, grantsAll } from './abilities.js';
import type { AccessContext } from './access-context.js';
import { MissingPermission } from './rbac.errors.js';
import { routeRule } from './route-rules.js';

/** Runs after authentication and tenant resolution: checks @RequirePermissions against the caller's CASL ability in the request's scope. */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly cls: ClsService) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = routeRule(context);
    if (rule.level === 'public' || rule.level === 'authenticated') return true;
    if (rule.level !== 'permissions') throw new Forbidden('This route declares no access rule');
    const access = this.cls.get<AccessContext | undefined>(CTX_SCOPE);
    if (!access) throw new Forbidden('No tenant in this request');
    const ability = abilityFor(access);
    if (ability && grantsAll(ability, rule.permissions)) return true;
    throw new MissingPermission(rule.permissions);
  }
}
