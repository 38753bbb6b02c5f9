// Permissions and roles: the catalogue, the route decorators and the guard that checks them.
// It never resolves tenants itself: the tenancy guard writes the AccessContext it checks to the request context.
export { ACCESS_KEY, Authenticated, PERMISSIONS_KEY, Public, RequirePermissions, TENANT_SCOPED_KEY, UNIT_OF_WORK_KEY } from './access.decorators.js';
export type { AccessLevel } from './access.decorators.js';
export type { AccessContext, AccessVia } from './access-context.js';
export { routeRule } from './route-rules.js';
export type { RouteRule } from './route-rules.js';
export { ALL_PERMISSIONS, P } from './permissions.js';
export type { Action, Permission, Resource } from './permissions.js';
export { abilityFor, grantsAll, ROLE_ABILITIES, roleGrants } from './abilities.js';
export type { TenantAbility } from './abilities.js';
export { PermissionsGuard } from './permissions.guard.js';
export { collectControllers, findUndeclaredRoutes, listRoutes } from './route-audit.util.js';
export type { DeclaredRoute } from './route-audit.util.js';
export { MissingPermission } from './rbac.errors.js';
