/** The events a tenant's outgoing webhooks may subscribe to (API.md settings `webhooks`). */
export const TENANT_EVENT_TYPES = ['quota.threshold_reached', 'tenant.suspended', 'invoice.payment_failed', 'tenant.provisioned'] as const;
export type TenantEventType = (typeof TENANT_EVENT_TYPES)[number];

/**
 * Where features announce tenant events. The implementation (billing's outgoing webhooks)
 * queues a signed delivery per subscribed endpoint; `emit` resolves once the event is queued.
 */
export abstract class TenantEvents {
  abstract emit(tenantId: string, type: TenantEventType, data: Record<string, unknown>): Promise<void>;
}

/** Placeholder until outgoing webhooks land: remembers the events (tests may read `emitted`). */
export class InMemoryTenantEvents extends TenantEvents {
  readonly emitted: Array<{ tenantId: string; type: TenantEventType; data: Record<string, unknown> }> = [];
  emit(tenantId: string, type: TenantEventType, data: Record<string, unknown>): Promise<void> {
    this.emitted.push({ tenantId, type, data });
    return Promise.resolve();
  }
}
