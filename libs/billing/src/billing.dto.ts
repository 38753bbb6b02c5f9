import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/src/index.js';

export class BillingEstimateDto {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: "the plan's monthly fee, in cents" }) plan_cents!: number;
  @ApiProperty({ description: 'per resource: quantity times unit price, in cents' }) usage_cents!: Record<string, number>;
  @ApiProperty() total_cents!: number;
}

export class BillingDto {
  @ApiProperty() tenant_id!: string;
  @ApiProperty({ enum: ['starter', 'growth', 'enterprise'] }) plan!: string;
  @ApiProperty({ enum: ['active', 'past_due', 'canceled'] }) billing_status!: string;
  @ApiPropertyOptional({ nullable: true, description: 'when the tenant became past due; it is suspended BILLING_GRACE_DAYS later' }) past_due_since!: string | null;
  @ApiProperty({ enum: ['consolidated', 'separate'] }) billing_mode!: string;
  @ApiProperty({ description: "the tenant whose customer pays this tenant's usage (itself unless consolidated into an ancestor)" }) billed_to!: string;
  @ApiProperty({ description: 'whether usage is pushed to Stripe (STRIPE_SECRET_KEY set)' }) stripe_enabled!: boolean;
  @ApiPropertyOptional({ nullable: true }) stripe_customer_id!: string | null;
  @ApiPropertyOptional({ nullable: true }) stripe_subscription_id!: string | null;
  @ApiProperty({ description: 'the billing period: the calendar month (UTC)' }) period_start!: string;
  @ApiProperty() period_end!: string;
  @ApiProperty({ description: "the period's usage per resource, with that of the children billed to this tenant" }) usage!: Record<string, number>;
  @ApiProperty({ description: 'per child billed to this tenant: its usage per resource' }) children!: Array<{ tenant_id: string; usage: Record<string, number> }>;
  @ApiPropertyOptional({ type: BillingEstimateDto, nullable: true, description: 'null for a tenant billed to an ancestor' }) estimate!: BillingEstimateDto | null;
  @ApiPropertyOptional({ nullable: true }) last_invoice!: Record<string, unknown> | null;
}

export class WebhookDeliveryDto {
  @ApiProperty() id!: string;
  @ApiProperty() event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true }) last_status_code!: number | null;
  @ApiPropertyOptional({ nullable: true }) last_error!: string | null;
  @ApiProperty() created_at!: string;
  @ApiPropertyOptional({ nullable: true }) delivered_at!: string | null;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) deliveries!: WebhookDeliveryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() skip!: number;
  @ApiProperty() limit!: number;
}

export class WebhookDeliveryQueryDto extends PageQueryDto {}

export class BrandingDto {
  @ApiProperty() slug!: string;
  @ApiProperty() display_name!: string;
  @ApiPropertyOptional({ nullable: true }) logo_url!: string | null;
  @ApiPropertyOptional({ nullable: true }) favicon_url!: string | null;
  @ApiPropertyOptional({ nullable: true }) primary_color!: string | null;
  @ApiPropertyOptional({ nullable: true }) font!: string | null;
  @ApiPropertyOptional({ nullable: true }) email_from_name!: string | null;
}

export class WebhookReceiptDto {
  @ApiProperty() received!: boolean;
  @ApiProperty({ description: 'a replay of an event already handled' }) duplicate!: boolean;
  @ApiProperty() type!: string;
}
