import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isPlainObject } from '../../common/src/index.js';
import { BillingJobsProducer, TenantEvents, type TenantEventType } from '../../jobs/src/index.js';
import { DeliveriesRepository } from './billing.repository.js';

/** The endpoints of a tenant's settings.webhooks subscribed to an event type. */
export function subscribedUrls(webhooks: unknown, type: string): string[] {
  if (!Array.isArray(webhooks)) return [];
  return webhooks.filter((h): h is { url: string; events: unknown[] } => isPlainObject(h) && typeof h.url === 'string' && Array.isArray(h.events) && h.events.includes(type)).map((h) => h.url);
}

/**
 * TenantEvents for real: each event becomes one delivery per subscribed endpoint (logged in
 * public.webhook_deliveries) and one job in the webhooks queue, which the worker sends, signed,
 * retrying with exponential backoff. `emit` resolves once every delivery is queued.
 */
@Injectable()
export class OutgoingWebhooks extends TenantEvents {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly jobs: BillingJobsProducer,
  ) {
    super();
  }

  async emit(tenantId: string, type: TenantEventType, data: Record<string, unknown>): Promise<void> {
    const urls = subscribedUrls(await this.deliveries.webhooksOf(tenantId), type);
    if (urls.length === 0) return;
    const eventId = randomUUID();
    const payload = { id: eventId, type, created_at: new Date().toISOString(), tenant_id: tenantId, data };
    const ids = await this.deliveries.insert(urls.map((url) => ({ tenant_id: tenantId, event_id: eventId, event_type: type, url, payload })));
    for (const deliveryId of ids) await this.jobs.deliverWebhook({ tenantId, deliveryId });
  }
}
