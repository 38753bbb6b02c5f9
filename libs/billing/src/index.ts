// Billing: Stripe metered billing (customers, subscriptions, meter events through a resumable
// ledger), the Stripe webhook, dunning; outgoing webhooks (the TenantEvents implementation);
// white-label branding. It never records usage (libs/usage does) and never names a tenant schema.
export { BillingCoreModule, BillingModule, BillingWorkerModule } from './billing.module.js';
export { STRIPE_WEBHOOK_PATH } from './billing-webhook.controller.js';
export { StripeBilling } from './stripe-billing.service.js';
export type { PushReport } from './stripe-billing.service.js';
export { meterIdentifier } from './stripe-billing.service.js';
export { estimate, PLAN_MONTHLY_CENTS, UNIT_CENTS } from './price-catalogue.js';
export { signatureHeader, SIGNATURE_HEADER, verifySignature } from './webhook-signature.util.js';
export { stripeEndpoint } from './stripe.gateway.js';
