import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext } from '../../tenancy/src/index.js';
import { DeliveriesRepository } from './billing.repository.js';
import { BillingDto, WebhookDeliveryPageDto, WebhookDeliveryQueryDto } from './billing.dto.js';
import { BillingService } from './billing.service.js';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** A tenant's billing and its outgoing webhook log (the guard resolved the path's tenant and the caller's access). */
@ApiTags('billing')
@Controller('api/tenants')
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly deliveries: DeliveriesRepository,
    private readonly context: TenantContext,
  ) {}

  @Get(':tenant/billing')
  @RequirePermissions(P.BillingRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: 'Plan, billing status, the period (calendar month) usage with that of consolidated children, and an estimate' })
  @ApiOkResponse({ type: BillingDto })
  get(@Param('tenant') _tenant: string): Promise<BillingDto> {
    return this.billing.summary(this.context.tenant);
  }

  // Who configures the webhooks (tenants:write: owners and admins) reads their delivery log.
  @Get(':tenant/webhook-deliveries')
  @RequirePermissions(P.TenantsWrite)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: "The tenant's outgoing webhook deliveries, newest first: event, endpoint, status, attempts, last answer" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  async deliveriesOf(@Param('tenant') _tenant: string, @Query() query: WebhookDeliveryQueryDto): Promise<WebhookDeliveryPageDto> {
    const { rows, total } = await this.deliveries.page(this.context.tenant.id, query.skip, query.limit);
    return {
      deliveries: rows.map((r) => ({
        id: r.id,
        event_id: r.event_id,
        event_type: r.event_type,
        url: r.url,
        status: r.status,
        attempts: r.attempts,
        last_status_code: r.last_status_code,
        last_error: r.last_error,
        created_at: iso(r.created_at)!,
        delivered_at: iso(r.delivered_at),
      })),
      total,
      skip: query.skip,
      limit: query.limit,
    };
  }
}
