import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig } from '../../config/src/index.js';

/** The SDK's host, port and protocol from STRIPE_API_BASE (an origin: https://api.stripe.com). */
export function stripeEndpoint(base: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * The Stripe client (the official SDK), or null without STRIPE_SECRET_KEY: then usage is
 * metered and rolled up but nothing is pushed. Signature checks of incoming webhooks need no
 * key, only STRIPE_WEBHOOK_SECRET.
 */
@Injectable()
export class StripeGateway {
  readonly client: Stripe | null;
  /** For webhook signature checks (a client without a usable key: it never calls the API). */
  readonly webhooks: Stripe['webhooks'];

  constructor(private readonly config: AppConfig) {
    const options = { ...stripeEndpoint(config.STRIPE_API_BASE), maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: 'tenantry' } };
    this.client = config.STRIPE_SECRET_KEY ? new Stripe(config.STRIPE_SECRET_KEY, options) : null;
    this.webhooks = (this.client ?? new Stripe('sk_unused', options)).webhooks;
  }

  get enabled(): boolean {
    return this.client !== null;
  }
}
