import type { ExecutionContext } from '@nestjs/common';
import { ACCESS_KEY, type AccessLevel, PERMISSIONS_KEY, TENANT_SCOPED_KEY, UNIT_OF_WORK_KEY } from './access.decorators.js';
import type { Permission } from './permissions.js';

/** Who may call a route and in which scope, as its decorators declare (handler over class). */
export interface RouteRule {
  level: AccessLevel | undefined;
  permissions: readonly Permission[];
  /** Acts inside one tenant resolved from the request (headers, subdomain, path prefix). */
  tenantScoped: boolean;
  /** Tenant-scoped, and every handler runs in the unit of work opened for the request. */
  unitOfWorkPerRequest: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handlers and classes
type Target = Function;
const rules = new WeakMap<Target, RouteRule>();

function declared<T>(key: string, handler: Target, cls: Target): T | undefined {
  return (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, cls) as T | undefined);
}

/**
 * The rule of the route a request hit, worked out from its metadata the first time the route
 * is called and kept: the guards ask one WeakMap per request instead of reading metadata.
 */
export function routeRule(context: ExecutionContext): RouteRule {
  const handler = context.getHandler();
  let rule = rules.get(handler);
  if (!rule) {
    rule = declaredRule(handler, context.getClass());
    rules.set(handler, rule);
  }
  return rule;
}

/** The rule a handler of a controller class declares (handler over class). */
export function declaredRule(handler: Target, cls: Target): RouteRule {
  return {
    level: declared<AccessLevel>(ACCESS_KEY, handler, cls),
    permissions: declared<Permission[]>(PERMISSIONS_KEY, handler, cls) ?? [],
    tenantScoped: declared<boolean>(TENANT_SCOPED_KEY, handler, cls) === true,
    unitOfWorkPerRequest: declared<boolean>(TENANT_SCOPED_KEY, handler, cls) === true && declared<string>(UNIT_OF_WORK_KEY, handler, cls) === 'per-request',
  };
}
