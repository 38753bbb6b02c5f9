/**
 * A tenant-schema migration: SQL that runs with search_path set to one tenant schema.
 * It must never name a schema, so the same file serves every tenant and spare.
 */
export interface TenantMigration {
  version: number;
  name: string;
  up: string;
}
