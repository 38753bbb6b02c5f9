// Usage metering: the recorder every feature calls, and the public tables it lands in
// (public.usage_records, rolled up into public.usage_daily).
export { InMemoryUsageRecorder, USAGE_RESOURCES, UsageRecorder } from './usage-recorder.js';
export type { UsageEvent, UsageResource } from './usage-recorder.js';
export { UsageModule } from './usage.module.js';
