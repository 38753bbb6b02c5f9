// Queue and job names, typed payloads and producers, shared by api, worker and cli.
export { JobsModule } from './jobs.module.js';
export { checkJobHandlers, JOB, JOBS_BY_QUEUE, QUEUE } from './queues.js';
export type { ExportTenantPayload, JobName, MigrateTenantsPayload, ProvisionTenantPayload, QueueName, ReconcileTenantsPayload, RefillSchemaPoolPayload } from './queues.js';
export { TenantJobsProducer } from './tenant-jobs.producer.js';
export { OperationsJobsProducer } from './operations-jobs.producer.js';
export { InMemoryTenantEvents, TENANT_EVENT_TYPES, TenantEvents } from './tenant-events.js';
export type { TenantEventType } from './tenant-events.js';
