import { quoteIdent } from './sql.util.js';

/**
 * The group every tenant role belongs to, named after the owner role that creates both: it
 * holds what all tenants may touch in public (row-level security narrows it to their own
 * rows). Granted once, at migrations, never per tenant: concurrent GRANTs on one table
 * collide in PostgreSQL ("tuple concurrently updated"), while joining a group only adds a
 * membership row.
 */
export function tenantGroupRoleName(ownerRole: string): string {
  return `${ownerRole}_tenants`;
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

/** The group and its grants (idempotent; run by the owner role after public migrations). */
export function tenantGroupSql(ownerRole: string): string {
  const group = tenantGroupRoleName(ownerRole);
  return [
    `DO $$ BEGIN CREATE ROLE ${quoteIdent(group)} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    ...TENANT_PUBLIC_GRANTS.map((g) => `GRANT ${g.privileges} ON public.${quoteIdent(g.table)} TO ${quoteIdent(group)}`),
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
  return [
    `CREATE ROLE ${r} NOLOGIN`,
    `GRANT ${quoteIdent(tenantGroupRoleName(roles.owner))} TO ${r}`,
    `GRANT ${r} TO ${quoteIdent(roles.app)}`,
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
export function dropTenantRoleSql(role: string): string {
  return `DROP ROLE IF EXISTS ${quoteIdent(role)}`;
}
