import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { IsSafeInt, PageQueryDto } from '../../common/src/index.js';
import { USAGE_RESOURCES, type UsageResource } from '../../usage/src/index.js';
import { USAGE_PERIODS, type UsagePeriod } from './periods.util.js';

export class UsageQueryDto {
  @ApiPropertyOptional({ enum: USAGE_PERIODS, default: '30d' })
  @IsOptional() @IsIn(USAGE_PERIODS)
  period?: UsagePeriod;
}

export class UsageDetailsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USAGE_PERIODS, default: '30d' })
  @IsOptional() @IsIn(USAGE_PERIODS)
  period?: UsagePeriod;

  @ApiPropertyOptional({ enum: USAGE_RESOURCES, description: 'only this resource' })
  @IsOptional() @IsIn(USAGE_RESOURCES)
  resource_type?: UsageResource;
}

export class StatsQueryDto {
  @ApiPropertyOptional({ enum: USAGE_PERIODS, default: '30d' })
  @IsOptional() @IsIn(USAGE_PERIODS)
  period?: UsagePeriod;

  @ApiPropertyOptional({ enum: ['child'], description: 'per-child totals' })
  @IsOptional() @IsIn(['child'])
  group_by?: 'child';

  @ApiPropertyOptional({ enum: ['child'], description: 'seed 000 spelling of group_by' })
  @IsOptional() @IsIn(['child'])
  groupBy?: 'child';
}

export class AdminUsageQueryDto {
  @ApiPropertyOptional({ enum: USAGE_PERIODS, default: '30d' })
  @IsOptional() @IsIn(USAGE_PERIODS)
  period?: UsagePeriod;

  @ApiPropertyOptional({ enum: USAGE_RESOURCES, default: 'api_call', description: 'what the top tenants are ranked by' })
  @IsOptional() @IsIn(USAGE_RESOURCES)
  resource_type?: UsageResource;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional() @Type(() => Number) @IsSafeInt(1, 100)
  limit: number = 10;
}

const TOTALS_EXAMPLE = { api_call: 4820, llm_token: 312400, storage_mb: 128 };

export class DailyUsageDto {
  @ApiProperty({ example: '2026-04-08' }) date: string;
  @ApiProperty({ example: TOTALS_EXAMPLE, description: 'per resource_type' }) totals: Record<string, number>;
}

export class UsageSummaryDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'date-time' }) period_start: string;
  @ApiProperty({ format: 'date-time' }) period_end: string;
  @ApiProperty({ example: TOTALS_EXAMPLE, description: 'per resource_type; storage_mb is the latest measurement, the rest are sums' })
  totals: Record<string, number>;
  @ApiProperty({ type: [DailyUsageDto] }) daily_breakdown: DailyUsageDto[];
}

export class UsageRecordDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: USAGE_RESOURCES }) resource_type: string;
  @ApiProperty() quantity: number;
  @ApiProperty({ format: 'date-time', description: 'the minute the usage happened in' }) timestamp: string;
  @ApiProperty({ type: Object }) metadata: Record<string, unknown>;
}

export class UsageDetailsDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'date-time' }) period_start: string;
  @ApiProperty({ format: 'date-time' }) period_end: string;
  @ApiProperty({ type: [UsageRecordDto] }) records: UsageRecordDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class ChildUsageDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty() plan: string;
  @ApiProperty({ enum: ['consolidated', 'separate'] }) billing_mode: string;
  @ApiProperty({ example: TOTALS_EXAMPLE }) totals: Record<string, number>;
}

export class TenantStatsDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'date-time' }) period_start: string;
  @ApiProperty({ format: 'date-time' }) period_end: string;
  @ApiProperty({ example: TOTALS_EXAMPLE, description: "the tenant's own usage" }) totals: Record<string, number>;
  @ApiPropertyOptional({ enum: ['child'] }) group_by?: 'child';
  @ApiPropertyOptional({ type: [ChildUsageDto], description: 'with group_by=child: one entry per direct child' }) children?: ChildUsageDto[];
  @ApiPropertyOptional({ example: TOTALS_EXAMPLE, description: 'with group_by=child: own usage plus every child billed consolidated' })
  consolidated_totals?: Record<string, number>;
}

export class QuotaDto {
  @ApiProperty() limit: number;
  @ApiProperty() used: number;
  @ApiProperty({ example: 62 }) percent: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) resets_at: string | null;
}

export class QuotasDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() plan: string;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/QuotaDto' }, description: 'each limit by name' })
  quotas: Record<string, QuotaDto>;
}

export class TopTenantDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ type: String, nullable: true }) slug: string | null;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ type: String, nullable: true }) plan: string | null;
  @ApiProperty() quantity: number;
}

export class AdminUsageDto {
  @ApiProperty({ format: 'date-time' }) period_start: string;
  @ApiProperty({ format: 'date-time' }) period_end: string;
  @ApiProperty({ enum: USAGE_RESOURCES }) ranked_by: string;
  @ApiProperty({ type: [TopTenantDto] }) top_tenants: TopTenantDto[];
  @ApiProperty({ example: { starter: { api_call: 100 }, enterprise: { api_call: 5000 } }, description: 'sums per plan (tenants since deleted: `deleted`)' })
  totals_by_plan: Record<string, Record<string, number>>;
  @ApiProperty({ example: { api_call: 5100 } }) totals: Record<string, number>;
}
