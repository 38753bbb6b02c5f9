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

/** A child of a parent whose plan (or settings.max_child_tenants) allows none, or no more. */
export class ChildLimitReached extends DomainError {
  constructor(parent: NamedTenant & { plan: string }, limit: number) {
    const [code, message] =
      limit === 0
        ? ['children_not_allowed', `Tenant '${parent.slug}' may not have child tenants (its ${parent.plan} plan or its settings allow none)`]
        : ['child_limit_reached', `Tenant '${parent.slug}' already has ${limit} child tenants, the most it may have`];
    super('forbidden', code, message, { limit });
  }
}

/** A child below the deepest level of the hierarchy (top level is depth 1). */
export class TenantDepthExceeded extends DomainError {
  constructor(parent: NamedTenant, maxDepth: number) {
    super('conflict', 'tenant_depth_exceeded', `Tenant '${parent.slug}' is at depth ${maxDepth}, the deepest a tenant may be: it cannot have children`, { max_depth: maxDepth });
  }
}

/** An API key used outside its `tenant_scope` (or on a route that names no tenant). */
export class ApiKeyOutOfScope extends DomainError {
  constructor(tenant?: NamedTenant) {
    super('forbidden', 'api_key_out_of_scope', tenant ? `This API key may not act in tenant '${tenant.slug}'` : 'An API key acts only in its tenant');
  }
}

/** Creating a key beyond the tenant's `max_api_keys`. */
export class ApiKeyLimitReached extends DomainError {
  constructor(limit: number) {
    super('forbidden', 'api_key_limit_reached', `This tenant already has ${limit} active API keys, its max_api_keys`, { limit });
  }
}

/** A key's scopes must be a subset of its creator's own permissions. */
export class ScopesExceedCaller extends DomainError {
  constructor(scopes: readonly string[]) {
    super('forbidden', 'scopes_exceed_caller', `You may not grant a key permissions you do not hold: ${scopes.join(', ')}`, { scopes });
  }
}

/** `tenant_scope` must be the tenant itself or one of its descendants. */
export class TenantScopeOutside extends DomainError {
  constructor(scope: string) {
    super('forbidden', 'tenant_scope_outside', `tenant_scope '${scope.slice(0, 64)}' is neither this tenant nor one of its descendants`);
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

/** A custom domain another tenant already claims (case-insensitive). */
export class DomainTaken extends DomainError {
  constructor(domain: string) {
    super('conflict', 'domain_taken', `The custom domain '${domain}' belongs to another tenant`, [{ field: 'settings.custom_domains', message: `'${domain}' is taken` }]);
  }
}

/** The tenant has no (valid) settings.sso. */
export class SsoNotConfigured extends DomainError {
  constructor(slug: string) {
    super('not_found', 'sso_not_configured', `Tenant '${slug.slice(0, 64)}' has no single sign-on`);
  }
}

/** The sign-in could not be proven: unknown or spent state, a refused code, an ID token that fails a check. */
export class SsoFailed extends DomainError {
  constructor(reason: string) {
    super('unauthorized', 'sso_failed', `Single sign-on failed: ${reason}`);
  }
}

export class SsoEmailRefused extends DomainError {
  constructor(code: 'sso_email_unverified' | 'sso_domain_not_allowed', message: string) {
    super('forbidden', code, message);
  }
}

/**
 * The email belongs to an account this identity is not linked to. Linking it would let the
 * tenant's provider (which the tenant's admins choose) sign in as anyone's account.
 */
export class SsoAccountExists extends DomainError {
  constructor(email: string) {
    super('conflict', 'sso_account_exists', `An account with email ${email} exists and is not linked to this provider: sign in with its password`);
  }
}

export class SsoProviderUnavailable extends DomainError {
  constructor(issuer: string) {
    super('unavailable', 'sso_provider_unavailable', `The identity provider ${issuer.slice(0, 200)} could not be reached`);
  }
}

/** `?to=` names where a login returns: the dashboard ('app') or, absent, the caller (JSON). Nothing else, never a URL. */
export class SsoTargetRefused extends DomainError {
  constructor() {
    super('bad_request', 'invalid_sso_target', "to must be 'app' (the dashboard) or absent (the token is answered as JSON); a login returns to no other place");
  }
}

/** POST /api/v1/auth/sso/handoff without a dashboard login waiting for this browser. */
export class SsoHandoffMissing extends DomainError {
  constructor() {
    super('unauthorized', 'sso_handoff_missing', 'No single sign-on is waiting for this browser (claimed already, expired, or begun elsewhere): start again');
  }
}

/** `tenants migrate` while another fan-out (CLI or worker job) holds the lock. */
export class MigrationRunInProgress extends DomainError {
  constructor() {
    super('conflict', 'migration_run_in_progress', 'Another tenant migration run is in progress; wait for it (tenants migrate --status) and run again');
  }
}
