import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { AppConfig } from '../../config/src/index.js';
import { TenantEvents } from '../../jobs/src/index.js';
import { OPERATOR, TenantsService } from '../../tenancy/src/index.js';
import { BillingRepository } from './billing.repository.js';
import { InvalidWebhookSignature } from './billing.errors.js';
import { planOfLookupKey } from './price-catalogue.js';
import { StripeGateway } from './stripe.gateway.js';

export interface WebhookOutcome {
  received: true;
  /** A replay of an event already handled: nothing was done again. */
  duplicate: boolean;
  type: string;
}

const customerOf = (object: { customer?: string | { id: string } | null }): string | undefined =>
  typeof object.customer === 'string' ? object.customer : object.customer?.id;

/**
 * Stripe's events about our customers. The signature is checked over the raw body; each event
 * id is handled once (public.stripe_webhook_events, claimed in the transaction of the billing
 * state it changes); what follows the commit (plan sync, reactivation, the outgoing event) undoes
 * the claim when it fails, so Stripe's retry does it again.
 */
@Injectable()
export class BillingWebhookService {
  private readonly logger = new Logger(BillingWebhookService.name);

  constructor(
    private readonly gateway: StripeGateway,
    private readonly repo: BillingRepository,
    private readonly tenants: TenantsService,
    private readonly events: TenantEvents,
    private readonly config: AppConfig,
  ) {}

  verify(rawBody: Buffer | undefined, signature: string | string[] | undefined): Stripe.Event {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw new InvalidWebhookSignature('STRIPE_WEBHOOK_SECRET is not configured');
    if (!rawBody || rawBody.length === 0) throw new InvalidWebhookSignature('a JSON body is required');
    if (typeof signature !== 'string' || signature.length === 0 || signature.length > 4096) throw new InvalidWebhookSignature('the Stripe-Signature header is missing');
    try {
      return this.gateway.webhooks.constructEvent(rawBody, signature, secret);
    } catch {
      throw new InvalidWebhookSignature('the signature does not match');
    }
  }

  async handle(event: Stripe.Event): Promise<WebhookOutcome> {
    const followUps: Array<() => Promise<void>> = [];
    const fresh = await this.repo.transaction(async (m) => {
      if (!(await this.repo.claimStripeEvent(m, event.id, event.type))) return false;
      switch (event.type) {
        case 'invoice.paid': {
          const invoice = event.data.object;
          const account = await this.repo.accountByCustomer(customerOf(invoice) ?? '', m);
          if (!account) break;
          await this.repo.setStatus(m, account.tenant_id, 'active', { lastInvoice: this.invoiceSummary(invoice), suspendedForBilling: false });
          if (account.suspended_for_billing) followUps.push(async () => void (await this.tenants.reactivate(account.tenant_id, OPERATOR)));
          break;
        }
        case 'invoice.payment_failed': {
          const invoice = event.data.object;
          const account = await this.repo.accountByCustomer(customerOf(invoice) ?? '', m);
          if (!account) break;
          await this.repo.setStatus(m, account.tenant_id, 'past_due', { lastInvoice: this.invoiceSummary(invoice) });
          const since = account.billing_status === 'past_due' && account.past_due_since ? new Date(account.past_due_since) : new Date();
          const graceEnds = new Date(since.getTime() + this.config.BILLING_GRACE_DAYS * 86_400_000);
          followUps.push(() =>
            this.events.emit(account.tenant_id, 'invoice.payment_failed', {
              invoice_id: invoice.id ?? null,
              amount_due: invoice.amount_due,
              currency: invoice.currency,
              attempt_count: invoice.attempt_count,
              billing_status: 'past_due',
              suspends_at: graceEnds.toISOString(),
            }),
          );
          break;
        }
        case 'customer.subscription.updated':
        case 'customer.subscription.deleted': {
          const subscription = event.data.object;
          const account = await this.repo.accountByCustomer(customerOf(subscription) ?? '', m);
          if (!account) break;
          const deleted = event.type === 'customer.subscription.deleted';
          const plan = deleted ? 'starter' : subscription.items.data.map((item) => planOfLookupKey(item.price.lookup_key)).find((p) => p !== undefined);
          if (deleted) await this.repo.setStatus(m, account.tenant_id, 'canceled');
          if (plan) {
            followUps.push(async () => {
              const tenant = await this.repo.tenant(account.tenant_id);
              if (tenant && tenant.plan !== plan) await this.tenants.update(account.tenant_id, { plan }, OPERATOR);
            });
          }
          break;
        }
        default:
          break; // acknowledged, nothing to do
      }
      return true;
    });
    if (fresh) {
      try {
        for (const followUp of followUps) await followUp();
      } catch (error) {
        this.logger.error(`Stripe event ${event.id} (${event.type}): ${String(error)}; left for Stripe's retry`);
        await this.repo.unclaimStripeEvent(event.id);
        throw error;
      }
    }
    return { received: true, duplicate: !fresh, type: event.type };
  }

  private invoiceSummary(invoice: Stripe.Invoice): Record<string, unknown> {
    return { id: invoice.id ?? null, status: invoice.status, amount_due: invoice.amount_due, amount_paid: invoice.amount_paid, currency: invoice.currency };
  }
}
