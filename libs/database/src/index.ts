// The database room: the PostgreSQL pool, public entities and migrations, tenant-schema
// migrations, schema naming and quoting, and TenantDb (the tenant unit of work).
// It must never fall back to `public` for tenant data, and never build SQL from user input.
export { createDataSource, PUBLIC_ENTITIES, runPublicMigrations } from './data-source.js';
export { queryPage } from './query-page.js';
export type { PageQuery, SqlRunner } from './query-page.js';
export type { EntityClass } from './data-source.js';
export { DatabaseModule } from './database.module.js';
export { OwnerDb } from './owner-db.js';
export type { DatabaseOptions } from './owner-db.js';
export { MEMBER_ROLES, MembershipEntity } from './entities/membership.entity.js';
export type { MemberRole } from './entities/membership.entity.js';
export { TENANT_PLANS, TENANT_STATUSES } from './entities/tenant.types.js';
export type { Suspender, TenantPlan, TenantStatus } from './entities/tenant.types.js';
export { UserEntity } from './entities/user.entity.js';
export { localSearchPathSql, quoteIdent, quoteLiteral, SPARE_SCHEMA_PREFIX, TENANT_ROLE_PREFIX, TENANT_SCHEMA_PREFIX, membershipRefreshSql, tenantContextSql, tenantRoleName, tenantSchemaName } from './sql.util.js';
export { asRoleAdminSql, createTenantRoleSql, creatorRoleName, dropTenantRoleSql, renameTenantRoleSql, TENANT_ROLE_CREATORS, tenantGroupName, tenantGroupRoleName, tenantGroupSql } from './tenant-roles.js';
export { NoTenantContextError, ROLE_CHANGE_MARGIN_MS, TenantDb, tenantRef } from './tenant-db.js';
export type { TenantRef, UnitOfWorkOptions } from './tenant-db.js';
export { AFFINITY_PATIENCE_MS, affinityClass, TenantPools } from './tenant-pools.js';
export type { SubPoolCounts } from './tenant-pools.js';
export { LATEST_TENANT_VERSION, TENANT_MIGRATIONS } from './tenant-migrations/index.js';
export type { TenantMigration } from './tenant-migrations/tenant-migration.js';
export { createTenantSchemaSql, migrateTenantSchema, migrateTenantSchemaSql } from './tenant-migrator.js';
export type { SchemaMigrationResult } from './tenant-migrator.js';
export { withSessionLock } from './session-lock.js';
