import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Quotas } from '../../../../libs/metering/src/index.js';
import { P, RequirePermissions } from '../../../../libs/rbac/src/index.js';
import { TenantContext, TenantScoped } from '../../../../libs/tenancy/src/index.js';

export class SpendDto {
  @IsIn(['message', 'llm_token'])
  resource: 'message' | 'llm_token';

  @IsInt() @Min(1) @Max(1_000_000_000)
  amount: number;
}

/**
 * POST /bench/spend (BENCH_ROUTES only): spends a monthly budget exactly as chat will before
 * and after calling the assistant (Quotas.assertCanSpend, then Quotas.recordSpend), so the
 * 402 path, consolidated billing and quota alerts are testable over HTTP before chat lands.
 */
@ApiExcludeController()
@TenantScoped()
@Controller('bench')
export class SpendController {
  constructor(
    private readonly quotas: Quotas,
    private readonly context: TenantContext,
  ) {}

  @Post('spend')
  @HttpCode(200)
  @RequirePermissions(P.ConversationsWrite)
  async spend(@Body() body: SpendDto): Promise<{ spent: number }> {
    const { id } = this.context.tenant;
    await this.quotas.assertCanSpend(id, body.resource, body.amount);
    await this.quotas.recordSpend(id, body.resource, body.amount);
    return { spent: body.amount };
  }
}
