// Operations: what an operator runs the platform with: /metrics (bounded labels, token or
// loopback), the edge's domain check for on-demand TLS, tenant exports (HTTP + worker) and,
// for the CLI, the export to a file and the hard delete. Its machine endpoints never answer a
// remote caller without the operator's token; a hard delete never runs without its checks.
export { assertOperator } from './operator-access.js';
export * from './operations.errors.js';
export { OperationsCliModule, OperationsModule, OperationsWorkerModule } from './operations.module.js';
export { ARCHIVE_FORMAT } from './tenant-archive.js';
export type { ArchiveManifest } from './tenant-archive.js';
export { TenantLifecycleService } from './tenant-lifecycle.service.js';
export type { FileExport, HardDeleteReport } from './tenant-lifecycle.service.js';
export { mountQueueDashboard, QUEUE_DASHBOARD_PATH } from './queue-dashboard.js';
