import pg from 'pg';

/**
 * The one quoting helper for identifiers and literals that reach SQL text. Values from
 * users are always bind parameters; these are for the schema names we generate and for
 * the few statements that must travel as one simple-protocol round trip.
 */
export const quoteIdent = (name: string): string => pg.escapeIdentifier(name);
export const quoteLiteral = (value: string): string => pg.escapeLiteral(value);

/** Prefix of every tenant schema. */
export const TENANT_SCHEMA_PREFIX = 'tenant_';
/** Prefix of pre-migrated spare schemas in the warm pool (no slug can produce it). */
export const SPARE_SCHEMA_PREFIX = 'tenantry_spare_';

/** The schema of a tenant: `tenant_<slug>` with `-` as `_`. The only place that name is made. */
export function tenantSchemaName(slug: string): string {
  return TENANT_SCHEMA_PREFIX + slug.replace(/-/g, '_');
}

/** Prefix of every tenant's PostgreSQL role (roles are cluster-wide, so the name carries the tenant's uuid). */
export const TENANT_ROLE_PREFIX = 'tnt_';

/** The PostgreSQL role of a tenant: `tnt_<uuid without dashes>`. The only place that name is made. */
export function tenantRoleName(tenantId: string): string {
  return TENANT_ROLE_PREFIX + tenantId.replace(/-/g, '').toLowerCase();
}

/**
 * SQL that makes the current transaction act as the tenant: its schema is the whole
 * search_path (a table missing there never resolves to `public`), `app.tenant_id` carries
 * its id, and the role becomes the tenant's own, so PostgreSQL itself refuses any other
 * tenant's schema and row-level security shows only this tenant's rows of public tables.
 * All three are SET LOCAL: they end with the transaction. SET LOCAL rather than
 * `SELECT set_config(...)` because a utility statement skips the planner and returns no
 * row (measured: ~15 µs less CPU on each side per unit of work).
 */
export function tenantContextSql(schemaName: string, tenantId: string): string {
  return `${localSearchPathSql(schemaName)}; SET LOCAL app.tenant_id TO ${quoteLiteral(tenantId)}; SET LOCAL ROLE ${quoteIdent(tenantRoleName(tenantId))}`;
}

/** A transaction-local search_path of just this schema. */
export function localSearchPathSql(schemaName: string): string {
  return `SET LOCAL search_path TO ${quoteIdent(schemaName)}`;
}
