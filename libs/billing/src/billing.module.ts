import { Global, Module } from '@nestjs/common';
import { JobsModule, TenantEvents } from '../../jobs/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { TenancyCoreModule, TenancyModule } from '../../tenancy/src/index.js';
import { BillingController } from './billing.controller.js';
import { BillingProcessor, WebhooksProcessor } from './billing.processor.js';
import { BillingRepository, DeliveriesRepository } from './billing.repository.js';
import { BillingService } from './billing.service.js';
import { BillingWebhookController } from './billing-webhook.controller.js';
import { BillingWebhookService } from './billing-webhook.service.js';
import { BrandingController } from './branding.controller.js';
import { IdentityModule } from '../../identity/src/index.js';
import { DunningService } from './dunning.service.js';
import { OutgoingWebhooks } from './outgoing-webhooks.js';
import { StripeBilling } from './stripe-billing.service.js';
import { StripeGateway } from './stripe.gateway.js';
import { WebhookDeliverer } from './webhook-delivery.service.js';

/**
 * What every process needs: TenantEvents (outgoing webhooks: any lib emits through it), Stripe
 * and the billing SQL. Global, so tenancy's services get TenantEvents without importing billing.
 */
@Global()
@Module({
  imports: [JobsModule, SecretsModule],
  providers: [StripeGateway, BillingRepository, DeliveriesRepository, StripeBilling, OutgoingWebhooks, { provide: TenantEvents, useExisting: OutgoingWebhooks }],
  exports: [StripeGateway, BillingRepository, DeliveriesRepository, StripeBilling, TenantEvents],
})
export class BillingCoreModule {}

/** Billing over HTTP: the tenant's billing, the delivery log, the Stripe webhook, branding. */
@Module({
  imports: [BillingCoreModule, TenancyModule, IdentityModule],
  controllers: [BillingController, BillingWebhookController, BrandingController],
  providers: [BillingService, BillingWebhookService],
})
export class BillingModule {}

/** Billing in the worker: the push and dunning schedulers, subscription updates, webhook deliveries. */
@Module({
  imports: [BillingCoreModule, JobsModule, SecretsModule, TenancyCoreModule],
  providers: [BillingProcessor, WebhooksProcessor, DunningService, WebhookDeliverer],
})
export class BillingWorkerModule {}
