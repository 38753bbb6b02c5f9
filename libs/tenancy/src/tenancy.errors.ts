import { DomainError } from '../../common/src/index.js';

// The errors of the tenancy room, one class per code: the catalogue clients and the CLI
// rely on (the global filter maps `kind` to HTTP, the CLI to an exit code).

interface NamedTenant {
  slug: string;
  status: string;
}

export class TenantNotReady extends DomainError {
  constructor(tenant: NamedTenant) {
    super('conflict', 'tenant_not_ready', `tenant_not_ready: tenant '${tenant.slug}' is ${tenant.status}`, { status: tenant.status });
  }
}

export class TenantSuspended extends DomainError {
  constructor(tenant: NamedTenant) {
    super('forbidden', 'tenant_suspended', `Tenant '${tenant.slug}' is suspended`);
  }
}

/** A request that names different tenants (headers, subdomain, path prefix). */
export class TenantConflict extends DomainError {
  constructor(keys: readonly string[]) {
    super('bad_request', 'tenant_conflict', `This request names different tenants (${keys.map((k) => `'${k.slice(0, 64)}'`).join(', ')}); name one`);
  }
}

export class NotAMember extends DomainError {
  constructor(tenant: NamedTenant) {
    super('forbidden', 'not_a_member', `You are not a member of tenant '${tenant.slug}'`);
  }
}

export class SlugTaken extends DomainError {
  constructor(slug: string) {
    super('conflict', 'slug_taken', `The slug '${slug}' is already taken`);
  }
}

export class TenantLimitReached extends DomainError {
  constructor(limit: number) {
    super('forbidden', 'tenant_limit_reached', `You already own ${limit} top-level tenants, the most one user may own`, { limit });
  }
}

export class CannotCreateChild extends DomainError {
  constructor(parent: NamedTenant) {
    super('forbidden', 'missing_permission', `You may not create child tenants of '${parent.slug}'`);
  }
}

export class LimitAbovePlan extends DomainError {
  constructor(details: ReadonlyArray<{ field: string; ceiling: number; message: string }>) {
    super('forbidden', 'limit_above_plan', details.map((d) => d.message).join('; '), details);
  }
}

/** Lifting a suspension that a platform operator (or a parent's admin) made. */
export class OperatorSuspension extends DomainError {
  constructor(tenant: NamedTenant, by: 'platform' | 'parent') {
    const who = by === 'platform' ? 'a platform admin' : 'an admin of the parent tenant that suspended it';
    super('forbidden', 'operator_suspension', `Tenant '${tenant.slug}' was suspended by ${who}; only they may reactivate it`);
  }
}

export class AlreadyProvisioned extends DomainError {
  constructor(tenant: NamedTenant) {
    super('conflict', 'already_provisioned', `Tenant '${tenant.slug}' is ${tenant.status}; nothing to provision`);
  }
}

/** Migrating a tenant that provisioning still owns. */
export class TenantNotProvisioned extends DomainError {
  constructor(tenant: NamedTenant) {
    super('conflict', 'tenant_not_provisioned', `Tenant '${tenant.slug}' is ${tenant.status}: provisioning brings its schema up to date`);
  }
}

/** POST .../members when the tenant already has `max_members` members (a limit, like tenant_limit_reached). */
export class MemberLimitReached extends DomainError {
  constructor(limit: number) {
    super('forbidden', 'member_limit_reached', `This tenant already has ${limit} members, its max_members`, { limit });
  }
}

export class AlreadyMember extends DomainError {
  constructor(email: string) {
    super('conflict', 'already_member', `'${email}' is already a member of this tenant`);
  }
}

/** Removing or demoting the tenant's only owner. */
export class LastOwner extends DomainError {
  constructor() {
    super('conflict', 'last_owner', 'The last owner of a tenant cannot be removed or demoted; transfer the ownership first');
  }
}

/** Granting the owner role, or changing an owner, is for owners (and platform or parent admins). */
export class OwnersOnly extends DomainError {
  constructor() {
    super('forbidden', 'owners_only', 'Only an owner may grant the owner role or change an owner');
  }
}

/** POST .../transfer to someone who is not a member of the tenant. */
export class TransferTargetNotMember extends DomainError {
  constructor(userId: string) {
    super('conflict', 'transfer_target_not_member', `User '${userId}' is not a member of this tenant; ownership goes to an active member`);
  }
}
