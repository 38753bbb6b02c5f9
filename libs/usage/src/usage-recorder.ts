/** What the platform meters for billing (API.md "Usage records"). */
export const USAGE_RESOURCES = ['api_call', 'message', 'llm_token', 'rag_query', 'storage_mb'] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number];

/** One metered event: `quantity` units of `resource` used by `tenantId`, at `at` (default now). */
export interface UsageEvent {
  tenantId: string;
  resource: UsageResource;
  quantity: number;
  at?: Date;
  metadata?: Record<string, string | number | boolean>;
}

/**
 * The one way any feature records usage. `record` never blocks the request and never throws:
 * the implementation buffers and flushes off the request's critical path (billing fills it in).
 */
export abstract class UsageRecorder {
  abstract record(event: UsageEvent): void;
}

/**
 * Placeholder until the billing work lands its buffered recorder: events are counted in
 * memory only (tests may read `counts`), never persisted.
 */
export class InMemoryUsageRecorder extends UsageRecorder {
  readonly counts = new Map<string, number>();
  record(event: UsageEvent): void {
    const key = `${event.tenantId}:${event.resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + event.quantity);
  }
}
