import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { MemberRole } from '../../database/src/index.js';
import type { AccessContext } from './access-context.js';
import { type Action, ALL_PERMISSIONS, type Permission, type Resource } from './permissions.js';

/** CASL abilities over the catalogue: a permission `resource:action` is the action on the resource (the subject). */
export type TenantAbility = MongoAbility<[Action | 'manage', Resource | 'all']>;

const RESOURCES = [...new Set(ALL_PERMISSIONS.map((p) => p.split(':')[0] as Resource))];

function define(rules: (can: AbilityBuilder<TenantAbility>['can'], cannot: AbilityBuilder<TenantAbility>['cannot']) => void): TenantAbility {
  const builder = new AbilityBuilder<TenantAbility>(createMongoAbility);
  rules(builder.can, builder.cannot);
  return builder.build();
}

/** What each role may do in its tenant (the issue "Identity and access"). */
export const ROLE_ABILITIES: Readonly<Record<MemberRole, TenantAbility>> = {
  owner: define((can) => can('manage', 'all')),
  admin: define((can, cannot) => {
    can('manage', 'all');
    cannot(['delete', 'transfer', 'export'], 'tenants');
  }),
  // Every read, plus writing corpus and conversations.
  member: define((can) => {
    can('read', RESOURCES);
    can('write', ['corpus', 'conversations']);
  }),
  // Reads, without usage, audit, API keys or billing (billing shows the period's usage).
  viewer: define((can, cannot) => {
    can('read', RESOURCES);
    cannot('read', ['usage', 'audit', 'api-keys', 'billing']);
  }),
};

/** Platform admins operate any tenant with every permission. */
const PLATFORM_ABILITY = ROLE_ABILITIES.owner;

/**
 * Owners and admins of an ancestor act as admins on its descendants (seed 000), plus
 * tenants:delete (suspending and reactivating a child) and tenants:create-child; never
 * tenants:transfer (a child's ownership is its owners' to give) nor tenants:export (the whole
 * archive is the child owners' call, as it is within a tenant).
 */
export const ANCESTOR_ABILITY: TenantAbility = define((can, cannot) => {
  can('manage', 'all');
  cannot('transfer', 'tenants');
  cannot('export', 'tenants');
});

const scopeAbilities = new Map<string, TenantAbility>();

/** An API key's ability: exactly its scopes (one ability per distinct set of scopes, built once). */
function scopeAbility(scopes: readonly Permission[]): TenantAbility {
  const id = [...scopes].sort().join(' ');
  let ability = scopeAbilities.get(id);
  if (!ability) {
    ability = define((can) => {
      for (const p of scopes) {
        const [resource, action] = p.split(':') as [Resource, Action];
        can(action, resource);
      }
    });
    if (scopeAbilities.size >= 10_000) scopeAbilities.clear();
    scopeAbilities.set(id, ability);
  }
  return ability;
}

/** The caller's ability in the tenant of the request: a role's or an API key's, each immutable and built once. */
export function abilityFor(access: AccessContext): TenantAbility | null {
  if (access.elevated) return access.via === 'ancestor' ? ANCESTOR_ABILITY : PLATFORM_ABILITY;
  if (access.scopes) return scopeAbility(access.scopes);
  return access.role ? ROLE_ABILITIES[access.role] : null;
}

/** Each permission split once, so a check allocates nothing. */
const PARTS = new Map<Permission, readonly [Action, Resource]>(
  ALL_PERMISSIONS.map((p) => {
    const [resource, action] = p.split(':') as [Resource, Action];
    return [p, [action, resource]] as const;
  }),
);

/**
 * CASL's answers per ability and permission. The abilities are never updated, so each answer is
 * asked of CASL once and a request's check is Map lookups (CASL's own lookup allocates a little).
 */
const answers = new WeakMap<TenantAbility, Map<Permission, boolean>>();

/** Whether the ability grants every one of the permissions. */
export function grantsAll(ability: TenantAbility, required: readonly Permission[]): boolean {
  let known = answers.get(ability);
  if (!known) answers.set(ability, (known = new Map()));
  for (const p of required) {
    let granted = known.get(p);
    if (granted === undefined) {
      const [action, resource] = PARTS.get(p)!;
      granted = ability.can(action, resource);
      known.set(p, granted);
    }
    if (!granted) return false;
  }
  return true;
}

/** Whether a member with this role holds every one of the permissions. */
export function roleGrants(role: MemberRole, required: readonly Permission[]): boolean {
  return grantsAll(ROLE_ABILITIES[role], required);
}
