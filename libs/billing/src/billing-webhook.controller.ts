import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../rbac/src/index.js';
import { WebhookReceiptDto } from './billing.dto.js';
import { BillingWebhookService } from './billing-webhook.service.js';

/** The path whose JSON body the API keeps byte for byte (request.rawBody): Stripe signs those bytes. */
export const STRIPE_WEBHOOK_PATH = '/api/billing/webhook';

@Controller()
export class BillingWebhookController {
  constructor(private readonly webhooks: BillingWebhookService) {}

  /** Stripe calls this; no user, no tenant: the signature over the raw body is the authentication. */
  @Post(STRIPE_WEBHOOK_PATH.slice(1))
  @Public()
  @HttpCode(200)
  @ApiTags('billing')
  @ApiOperation({ summary: "Stripe's events (invoice.paid, invoice.payment_failed, customer.subscription.updated/deleted); idempotent by event id" })
  @ApiHeader({ name: 'stripe-signature', required: true, description: 'verified over the raw body with STRIPE_WEBHOOK_SECRET' })
  @ApiOkResponse({ type: WebhookReceiptDto })
  @ApiBadRequestResponse({ description: 'missing or wrong signature (invalid_signature)' })
  receive(@Req() req: FastifyRequest & { rawBody?: Buffer }, @Headers('stripe-signature') signature: string | undefined): Promise<WebhookReceiptDto> {
    const event = this.webhooks.verify(req.rawBody, signature);
    return this.webhooks.handle(event);
  }
}
