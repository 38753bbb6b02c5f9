import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Forbidden } from '../../common/src/index.js';
import { ACCESS_KEY, PERMISSIONS_KEY, type AccessLevel } from './access.decorators.js';
import type { RequestWithAccess } from './access-context.js';
import { roleAllows, type Permission } from './permissions.js';

/** Runs after authentication and tenant resolution: checks @RequirePermissions against the caller's role. */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, targets);
    if (level === 'public' || level === 'authenticated') return true;
    if (level !== 'permissions') throw new Forbidden('This route declares no access rule');
    const required = this.reflector.getAllAndOverride<Permission[]>(PERMISSIONS_KEY, targets) ?? [];
    const access = context.switchToHttp().getRequest<RequestWithAccess>().access;
    if (!access) throw new Forbidden('No tenant in this request');
    if (access.elevated) return true;
    if (access.role && roleAllows(access.role, required)) return true;
    throw new Forbidden(`Missing permission: ${required.join(', ')}`, 'missing_permission');
  }
}
