/**
 * The one source of queue and job names. Each queue lists its job names; the worker
 * refuses to start unless every name here has exactly one handler.
 */
export const QUEUE = {
  tenantProvisioning: 'tenant-provisioning',
  billing: 'billing',
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  provisionTenant: 'provision-tenant',
  refillSchemaPool: 'refill-schema-pool',
  reconcileTenants: 'reconcile-tenants',
  pushUsage: 'push-usage',
  syncSubscription: 'sync-subscription',
  checkPastDue: 'check-past-due',
  deliverWebhook: 'deliver-webhook',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QUEUE.tenantProvisioning]: [JOB.provisionTenant, JOB.refillSchemaPool, JOB.reconcileTenants],
  [QUEUE.billing]: [JOB.pushUsage, JOB.syncSubscription, JOB.checkPastDue],
  [QUEUE.webhooks]: [JOB.deliverWebhook],
};

/** Payloads carry their tenant explicitly; no ambient state crosses a queue. */
export interface ProvisionTenantPayload {
  tenantId: string;
}
export interface SyncSubscriptionPayload {
  tenantId: string;
}
export interface DeliverWebhookPayload {
  tenantId: string;
  deliveryId: string;
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
