/**
 * The one source of queue and job names. Each queue lists its job names; the worker
 * refuses to start unless every name here has exactly one handler.
 */
export const QUEUE = {
  tenantProvisioning: 'tenant-provisioning',
  usage: 'usage',
  billing: 'billing',
  webhooks: 'webhooks',
  corpusIndexing: 'corpus-indexing',
  fineTune: 'fine-tune',
  tenantMigrations: 'tenant-migrations',
  tenantExports: 'tenant-exports',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  provisionTenant: 'provision-tenant',
  refillSchemaPool: 'refill-schema-pool',
  reconcileTenants: 'reconcile-tenants',
  ingestUsage: 'ingest-usage',
  rollupUsage: 'rollup-usage',
  measureStorage: 'measure-storage',
  pushUsage: 'push-usage',
  syncSubscription: 'sync-subscription',
  checkPastDue: 'check-past-due',
  deliverWebhook: 'deliver-webhook',
  embedDocument: 'embed-document',
  syncCorpusIndex: 'sync-corpus-index',
  runFineTuneJob: 'run-fine-tune-job',
  migrateTenants: 'migrate-tenants',
  exportTenant: 'export-tenant',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QUEUE.tenantProvisioning]: [JOB.provisionTenant, JOB.refillSchemaPool, JOB.reconcileTenants],
  [QUEUE.usage]: [JOB.ingestUsage, JOB.rollupUsage, JOB.measureStorage],
  [QUEUE.billing]: [JOB.pushUsage, JOB.syncSubscription, JOB.checkPastDue],
  [QUEUE.webhooks]: [JOB.deliverWebhook],
  [QUEUE.corpusIndexing]: [JOB.embedDocument, JOB.syncCorpusIndex],
  [QUEUE.fineTune]: [JOB.runFineTuneJob],
  [QUEUE.tenantMigrations]: [JOB.migrateTenants],
  [QUEUE.tenantExports]: [JOB.exportTenant],
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
/** One fine-tune job of one tenant (the row in its schema holds the state; the payload only finds it). */
export interface RunFineTuneJobPayload {
  tenantId: string;
  jobId: string;
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

/**
 * One flush of an API process's usage buffer: rows aggregated per (tenant, resource, minute,
 * metadata). `batchId` is the job id and part of every row's idempotency key, so a batch
 * delivered twice (a retried add, a worker killed mid-job) is counted once.
 * A row: [tenantId, resource, quantity, bucket (ISO minute), metadata JSON].
 */
export interface IngestUsagePayload {
  batchId: string;
  rows: Array<[string, string, number, string, string]>;
}
/** Re-derive usage_daily from usage_records for the days from `from` (ISO date; default yesterday). */
export interface RollupUsagePayload {
  from?: string;
}
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
