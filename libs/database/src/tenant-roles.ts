import { quoteIdent } from './sql.util.js';

/**
 * The PostgreSQL role that a tenant's units of work run as (`SET LOCAL ROLE`). It owns
 * nothing; it may use its own schema's tables and read its own rows of the public tables
 * that carry a tenant id (row-level security). The runtime role is a NOINHERIT member of
 * every tenant role: it may become one, but holds none of their privileges itself.
 * Run by the owner role (the one that ran the schema's migrations), after the schema's
 * tables exist; ALTER DEFAULT PRIVILEGES covers the tables of later tenant migrations.
 */
export function createTenantRoleSql(role: string, schemaName: string, appRole: string): string {
  const r = quoteIdent(role);
  const s = quoteIdent(schemaName);
  return [
    `CREATE ROLE ${r} NOLOGIN NOINHERIT`,
    `GRANT ${r} TO ${quoteIdent(appRole)}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    // The migration ledger is the owner's business.
    `REVOKE ALL ON TABLE ${s}._migrations FROM ${r}`,
    ...TENANT_PUBLIC_GRANTS.map((g) => `GRANT ${g.privileges} ON public.${quoteIdent(g.table)} TO ${r}`),
  ].join(';\n');
}

/**
 * Public tables a tenant role may touch, always under row-level security keyed on the role
 * (public.tenantry_current_tenant()). A table added here needs its RLS policy in a public
 * migration, and existing roles get the grant from the worker's role check at start.
 */
export const TENANT_PUBLIC_GRANTS: ReadonlyArray<{ table: string; privileges: string }> = [{ table: 'memberships', privileges: 'SELECT' }];

/** Drops a tenant role; its schema must already be dropped (that drops its schema grants). */
export function dropTenantRoleSql(role: string): string {
  const r = quoteIdent(role);
  return [...TENANT_PUBLIC_GRANTS.map((g) => `REVOKE ALL ON public.${quoteIdent(g.table)} FROM ${r}`), `DROP ROLE IF EXISTS ${r}`].join(';\n');
}
