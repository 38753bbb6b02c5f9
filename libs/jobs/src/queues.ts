/**
 * The one source of queue and job names. Each queue lists its job names; the worker
 * refuses to start unless every name here has exactly one handler.
 */
export const QUEUE = {
  tenantProvisioning: 'tenant-provisioning',
  tenantMigrations: 'tenant-migrations',
  tenantExports: 'tenant-exports',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  provisionTenant: 'provision-tenant',
  refillSchemaPool: 'refill-schema-pool',
  reconcileTenants: 'reconcile-tenants',
  migrateTenants: 'migrate-tenants',
  exportTenant: 'export-tenant',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QUEUE.tenantProvisioning]: [JOB.provisionTenant, JOB.refillSchemaPool, JOB.reconcileTenants],
  [QUEUE.tenantMigrations]: [JOB.migrateTenants],
  [QUEUE.tenantExports]: [JOB.exportTenant],
};

/** Payloads carry their tenant explicitly; no ambient state crosses a queue. */
export interface ProvisionTenantPayload {
  tenantId: string;
}
export type RefillSchemaPoolPayload = Record<string, never>;
export type ReconcileTenantsPayload = Record<string, never>;
/** The deploy's fan-out: every tenant behind the worker's release. */
export interface MigrateTenantsPayload {
  targetVersion: number;
  /** Set once the run is recorded, so a retry after a crash resumes it. */
  runId?: string;
}
/** One export of one tenant (the id is the export's id, and the job's). */
export interface ExportTenantPayload {
  tenantId: string;
  exportId: string;
}

/** Checks that handlers cover the catalogue exactly; returns the problems found. */
export function checkJobHandlers(queue: QueueName, handled: readonly string[]): string[] {
  const expected = JOBS_BY_QUEUE[queue];
  const problems: string[] = [];
  for (const name of expected) if (!handled.includes(name)) problems.push(`queue ${queue}: no handler for job '${name}'`);
  for (const name of handled) if (!expected.includes(name as JobName)) problems.push(`queue ${queue}: handler for unknown job '${name}'`);
  return problems;
}
