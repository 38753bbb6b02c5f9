import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { TenantSecrets } from '../../secrets/src/index.js';
import { DeliveriesRepository } from './billing.repository.js';
import { postJson } from './outbound-http.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.util.js';

export type DeliveryOutcome = 'delivered' | 'gone' | 'already-delivered';

/** One attempt at one delivery; throws when it should be retried (the queue's backoff decides when). */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly secrets: TenantSecrets,
    private readonly config: AppConfig,
  ) {}

  async attempt(deliveryId: string, lastAttempt: boolean): Promise<DeliveryOutcome> {
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery) return 'gone';
    if (delivery.status === 'delivered') return 'already-delivered';
    // The endpoint as configured now: one removed since the event is not called; its secret is read (sealed) at send time.
    const webhooks = await this.deliveries.webhooksOf(delivery.tenant_id);
    const index = Array.isArray(webhooks) ? webhooks.findIndex((h: { url?: unknown }) => h?.url === delivery.url) : -1;
    if (index === -1) {
      await this.deliveries.attempted(deliveryId, { status: 'failed', code: null, error: 'the endpoint was removed from settings.webhooks' });
      return 'gone';
    }
    const secret = await this.secrets.read(delivery.tenant_id, `webhooks.${index}.secret`);
    const body = JSON.stringify(delivery.payload);
    const headers: Record<string, string> = {
      [SIGNATURE_HEADER]: signatureHeader(secret ?? '', body, Math.floor(Date.now() / 1000)),
      'tenantry-event': delivery.event_type,
      'tenantry-delivery': delivery.id,
      'user-agent': 'Tenantry-Webhooks/1',
    };
    let code: number | null = null;
    let error: string | null = null;
    try {
      code = (await postJson(delivery.url, body, headers, { timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, allowLoopback: this.config.NODE_ENV !== 'production' })).status;
      if (code >= 200 && code < 300) {
        await this.deliveries.attempted(deliveryId, { status: 'delivered', code, error: null });
        return 'delivered';
      }
      error = `the endpoint answered ${code}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    await this.deliveries.attempted(deliveryId, { status: lastAttempt ? 'failed' : 'pending', code, error });
    if (lastAttempt) this.logger.warn(`webhook delivery ${deliveryId} to ${delivery.url} failed for good: ${error}`);
    throw new Error(`webhook delivery ${deliveryId}: ${error}`);
  }
}
