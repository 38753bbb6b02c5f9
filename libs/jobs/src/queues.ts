/**
 * The one source of queue and job names. Each queue lists its job names; the worker
 * refuses to start unless every name here has exactly one handler.
 */
export const QUEUE = {
  tenantProvisioning: 'tenant-provisioning',
  fineTune: 'fine-tune',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  provisionTenant: 'provision-tenant',
  refillSchemaPool: 'refill-schema-pool',
  reconcileTenants: 'reconcile-tenants',
  runFineTuneJob: 'run-fine-tune-job',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QUEUE.tenantProvisioning]: [JOB.provisionTenant, JOB.refillSchemaPool, JOB.reconcileTenants],
  [QUEUE.fineTune]: [JOB.runFineTuneJob],
};

/** Payloads carry their tenant explicitly; no ambient state crosses a queue. */
export interface ProvisionTenantPayload {
  tenantId: string;
}
/** One fine-tune job of one tenant (the row in its schema holds the state; the payload only finds it). */
export interface RunFineTuneJobPayload {
  tenantId: string;
  jobId: string;
}
export type RefillSchemaPoolPayload = Record<string, never>;
export type ReconcileTenantsPayload = Record<string, never>;

/** Checks that handlers cover the catalogue exactly; returns the problems found. */
export function checkJobHandlers(queue: QueueName, handled: readonly string[]): string[] {
  const expected = JOBS_BY_QUEUE[queue];
  const problems: string[] = [];
  for (const name of expected) if (!handled.includes(name)) problems.push(`queue ${queue}: no handler for job '${name}'`);
  for (const name of handled) if (!expected.includes(name as JobName)) problems.push(`queue ${queue}: handler for unknown job '${name}'`);
  return problems;
}
