import { quoteIdent, quoteLiteral } from './sql.util.js';
import { affinityClass } from './tenant-pools.js';

/**
 * The group tenant roles belonged to before the groups were split (see tenantGroupName), named
 * after the owner role that creates them: roles made then are still in it, so it keeps its grants.
 */
export function tenantGroupRoleName(ownerRole: string): string {
  return `${ownerRole}_tenants`;
}

/**
 * The group a tenant role belongs to, one of TENANT_ROLE_CREATORS (the same hash picks the
 * role's creator): a group holds what all tenants may touch in public (row-level security
 * narrows it to their own rows). Granted once, at migrations, never per tenant: concurrent
 * GRANTs on one table collide in PostgreSQL ("tuple concurrently updated"), while joining a
 * group only adds a membership row. Split because a GRANT of a role reads all of that role's
 * members and locks it until COMMIT: with one group, every provisioning read every tenant
 * role's membership and waited for the one before it.
 */
export function tenantGroupName(ownerRole: string, i: number): string {
  return `${ownerRole}_tenants_${i}`;
}

/**
 * Public tables a tenant role may touch, through the group, always under row-level security
 * keyed on the role (public.tenantry_current_tenant()). A table added here needs its RLS
 * policy in a public migration.
 */
export const TENANT_PUBLIC_GRANTS: ReadonlyArray<{ table: string; privileges: string }> = [
  { table: 'memberships', privileges: 'SELECT' },
  { table: 'audit_log', privileges: 'SELECT' },
];

/**
 * How many creator roles tenant roles are made through. Since PostgreSQL 16 a role that is not
 * a superuser needs ADMIN OPTION on a role to grant it, and gets that option on every role it
 * creates; checking it walks all of the granting role's memberships, uncached. Made by the
 * owner itself, the owner would hold one membership per tenant and every GRANT of a new
 * tenant's role would walk them all (a tenant role took ~40 ms to make at 5,000 tenants, ~1 ms
 * at none). Made through one of 64 NOLOGIN CREATEROLE roles, chosen by a hash of the new role's
 * name, each walk covers 1/64 of them. PostgreSQL 15 needs no ADMIN OPTION: no creators there.
 */
export const TENANT_ROLE_CREATORS = 64;

export function creatorRoleName(ownerRole: string, i: number): string {
  return `${ownerRole}_creator_${i}`;
}

/** `ARRAY['<name(0)>', ..., '<name(63)>']`: one role of each of the TENANT_ROLE_CREATORS shards, as SQL. */
function shardRolesArraySql(name: (i: number) => string): string {
  return `ARRAY[${Array.from({ length: TENANT_ROLE_CREATORS }, (_, i) => quoteLiteral(name(i))).join(', ')}]`;
}

/**
 * The groups, their grants and the creator roles (idempotent; run by the owner role after
 * public migrations). A creator may become nothing but itself for the owner (SET, no INHERIT),
 * and holds ADMIN OPTION on its group so that it can put the tenant roles it makes in it.
 */
export function tenantGroupSql(ownerRole: string): string {
  const groups = [tenantGroupRoleName(ownerRole), ...Array.from({ length: TENANT_ROLE_CREATORS }, (_, i) => tenantGroupName(ownerRole, i))];
  const grants = TENANT_PUBLIC_GRANTS.map((g) => `EXECUTE format(${quoteLiteral(`GRANT ${g.privileges} ON public.${quoteIdent(g.table)} TO %I`)}, g);`).join('\n        ');
  return [
    `DO $$ DECLARE g text; BEGIN
      FOREACH g IN ARRAY ARRAY[${groups.map(quoteLiteral).join(', ')}] LOOP
        BEGIN EXECUTE format('CREATE ROLE %I NOLOGIN', g); EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
        ${grants}
      END LOOP;
    END $$`,
    `DO $$ DECLARE i int; c text; BEGIN
      IF current_setting('server_version_num')::int < 160000 THEN RETURN; END IF;
      FOR i IN 0..${TENANT_ROLE_CREATORS - 1} LOOP
        c := (${shardRolesArraySql((i) => creatorRoleName(ownerRole, i))})[i + 1];
        BEGIN EXECUTE format('CREATE ROLE %I NOLOGIN CREATEROLE', c); EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
        EXECUTE format('GRANT %I TO %I WITH INHERIT FALSE, SET TRUE', c, ${quoteLiteral(ownerRole)});
        EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION, INHERIT FALSE, SET FALSE', (${shardRolesArraySql((i) => tenantGroupName(ownerRole, i))})[i + 1], c);
      END LOOP;
    END $$`,
  ].join(';\n');
}

/** SET LOCAL ROLE to the role the query names, or, when it names none, to the current one (a plain statement: no plpgsql). */
function setLocalRoleSql(query: string): string {
  return `SELECT set_config('role', coalesce((${query}), current_user), true)`;
}

/**
 * Runs `statements` (on tenant roles) as the role holding ADMIN OPTION on `role`: the creator it
 * was made through, or, for a role made before creators existed (or on PostgreSQL 15), the
 * owner itself. Ends as the owner again. For the rare statements on an existing tenant role
 * (rename a claimed spare's, drop one): one catalog query finds its creator.
 */
export function asRoleAdminSql(role: string, ownerRole: string, statements: string): string {
  return [
    setLocalRoleSql(`SELECT m.rolname FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member JOIN pg_roles r ON r.oid = am.roleid
       WHERE r.rolname = ${quoteLiteral(role)} AND am.admin_option AND m.rolname = ANY (${shardRolesArraySql((i) => creatorRoleName(ownerRole, i))}) LIMIT 1`),
    statements,
    `SET LOCAL ROLE ${quoteIdent(ownerRole)}`,
  ].join(';\n');
}

/**
 * The PostgreSQL role that a tenant's units of work run as (`SET LOCAL ROLE`). It owns
 * nothing; it may use its own schema's tables and, through the group, read its own rows of
 * the public tables that carry a tenant id. The runtime role is a NOINHERIT member of every
 * tenant role: it may become one, but holds none of their privileges itself.
 * Run by the owner role (the one that ran the schema's migrations), after the schema's
 * tables exist; ALTER DEFAULT PRIVILEGES covers the tables of later tenant migrations.
 */
export function createTenantRoleSql(role: string, schemaName: string, roles: { app: string; owner: string }): string {
  const r = quoteIdent(role);
  const s = quoteIdent(schemaName);
  const shard = affinityClass(role, TENANT_ROLE_CREATORS);
  const creator = creatorRoleName(roles.owner, shard);
  return [
    // The role and its memberships, made by its creator when there is one (TENANT_ROLE_CREATORS).
    setLocalRoleSql(`SELECT rolname FROM pg_roles WHERE rolname = ${quoteLiteral(creator)}`),
    `CREATE ROLE ${r} NOLOGIN`,
    `GRANT ${quoteIdent(tenantGroupName(roles.owner, shard))} TO ${r}`,
    `GRANT ${r} TO ${quoteIdent(roles.app)}`,
    `SET LOCAL ROLE ${quoteIdent(roles.owner)}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    // The migration ledger is the owner's business.
    `REVOKE ALL ON TABLE ${s}._migrations FROM ${r}`,
  ].join(';\n');
}

/** Drops a tenant role; its schema must already be dropped (that drops its schema grants). */
export function dropTenantRoleSql(role: string, ownerRole: string): string {
  return asRoleAdminSql(role, ownerRole, `DROP ROLE IF EXISTS ${quoteIdent(role)}`);
}

/** Renames a tenant role (a claimed spare's). */
export function renameTenantRoleSql(role: string, to: string, ownerRole: string): string {
  return asRoleAdminSql(role, ownerRole, `ALTER ROLE ${quoteIdent(role)} RENAME TO ${quoteIdent(to)}`);
}
