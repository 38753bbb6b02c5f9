/**
 * The one source of queue and job names. Each queue lists its job names; the worker
 * refuses to start unless every name here has exactly one handler.
 */
export const QUEUE = {
  tenantProvisioning: 'tenant-provisioning',
  corpusIndexing: 'corpus-indexing',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  provisionTenant: 'provision-tenant',
  refillSchemaPool: 'refill-schema-pool',
  reconcileTenants: 'reconcile-tenants',
  embedDocument: 'embed-document',
  syncCorpusIndex: 'sync-corpus-index',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QUEUE.tenantProvisioning]: [JOB.provisionTenant, JOB.refillSchemaPool, JOB.reconcileTenants],
  [QUEUE.corpusIndexing]: [JOB.embedDocument, JOB.syncCorpusIndex],
};

/** Payloads carry their tenant explicitly; no ambient state crosses a queue. */
export interface ProvisionTenantPayload {
  tenantId: string;
}
export type RefillSchemaPoolPayload = Record<string, never>;
export type ReconcileTenantsPayload = Record<string, never>;
/** Embed the passages of one document that have no embedding yet. */
export interface EmbedDocumentPayload {
  tenantId: string;
  documentId: string;
}
/** Bring a tenant's index to its settings: text search configuration, embeddings provider/model (re-embedding on change). */
export interface SyncCorpusIndexPayload {
  tenantId: string;
}

/** Checks that handlers cover the catalogue exactly; returns the problems found. */
export function checkJobHandlers(queue: QueueName, handled: readonly string[]): string[] {
  const expected = JOBS_BY_QUEUE[queue];
  const problems: string[] = [];
  for (const name of expected) if (!handled.includes(name)) problems.push(`queue ${queue}: no handler for job '${name}'`);
  for (const name of handled) if (!expected.includes(name as JobName)) problems.push(`queue ${queue}: handler for unknown job '${name}'`);
  return problems;
}
