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

/** SQL that makes the current transaction see the tenant's schema (and only it) first. */
export function tenantContextSql(schemaName: string, tenantId: string): string {
  return (
    `SELECT set_config('search_path', ${quoteLiteral(`${quoteIdent(schemaName)}, public`)}, true), ` +
    `set_config('app.tenant_id', ${quoteLiteral(tenantId)}, true)`
  );
}
