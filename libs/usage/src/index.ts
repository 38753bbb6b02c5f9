// Usage metering: the recorder every feature calls (buffered in-process, handed to the worker
// in idempotent batches) and the SQL of the public tables it lands in (public.usage_records,
// rolled up into public.usage_daily). It knows nothing of tenants, plans or HTTP (libs/metering does).
export { BufferedUsageRecorder, USAGE_BATCH_ROWS, USAGE_RESOURCES, UsageRecorder } from './usage-recorder.js';
export type { UsageEvent, UsageResource } from './usage-recorder.js';
export { UsageRepository } from './usage.repository.js';
export type { UsageRecordRow, UsageTotals } from './usage.repository.js';
export { UsageCoreModule, UsageModule } from './usage.module.js';
