// Queue and job names, typed payloads and producers, shared by api, worker and cli.
export { JobsModule } from './jobs.module.js';
export { checkJobHandlers, JOB, JOBS_BY_QUEUE, QUEUE } from './queues.js';
export type { DeliverWebhookPayload, EmbedDocumentPayload, ExportTenantPayload, IngestUsagePayload, JobName, MigrateTenantsPayload, ProvisionTenantPayload, QueueName, ReconcileTenantsPayload, RefillSchemaPoolPayload, RollupUsagePayload, RunFineTuneJobPayload, SyncCorpusIndexPayload, SyncSubscriptionPayload } from './queues.js';
export { FineTuneJobsProducer } from './fine-tune-jobs.producer.js';
export { TenantJobsProducer } from './tenant-jobs.producer.js';
export { CorpusJobsProducer } from './corpus-jobs.producer.js';
export { OperationsJobsProducer } from './operations-jobs.producer.js';
export { InMemoryTenantEvents, TENANT_EVENT_TYPES, TenantEvents } from './tenant-events.js';
export type { TenantEventType } from './tenant-events.js';
export { BillingJobsProducer } from './billing-jobs.producer.js';
