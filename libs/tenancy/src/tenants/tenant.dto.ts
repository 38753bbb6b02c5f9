import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsSafeInt, Optional, PageQueryDto } from '../../../common/src/index.js';
import { TENANT_PLANS, TENANT_STATUSES, type TenantPlan, type TenantStatus } from '../../../database/src/index.js';

export const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp', maxLength: 200 })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'acme', pattern: '^[a-z0-9][a-z0-9-]*[a-z0-9]$', minLength: 3, maxLength: 50 })
  @IsString()
  slug: string;

  @ApiPropertyOptional({ enum: TENANT_PLANS, default: 'starter' })
  @Optional() @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'free-form JSON object, at most 64 KiB; known keys are validated' })
  @Optional() @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'parent tenant (uuid or slug); needs tenants:create-child on it' })
  @Optional() @IsString() @MaxLength(64)
  parent_id?: string;

  @ApiPropertyOptional({ deprecated: true, description: 'camelCase alias of parent_id' })
  @Optional() @IsString() @MaxLength(64)
  parentId?: string;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: TENANT_PLANS })
  @Optional() @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'JSON merge patch (RFC 7396) onto the current settings' })
  @Optional() @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000 })
  @Optional() @IsSafeInt(1, 100_000)
  max_members?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100000 })
  @Optional() @IsSafeInt(0, 100_000)
  max_api_keys?: number;
}

const toBool = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class ListTenantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TENANT_PLANS })
  @IsOptional() @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @Transform(toBool) @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional() @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ description: 'only the children of this tenant (uuid or slug)' })
  @IsOptional() @IsString() @MaxLength(64)
  parent?: string;
}

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ example: 'tenant_acme' }) schema_name: string;
  @ApiProperty({ enum: TENANT_PLANS }) plan: TenantPlan;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({ enum: TENANT_STATUSES }) status: TenantStatus;
  @ApiProperty() is_active: boolean;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parent_id: string | null;
  @ApiProperty() max_members: number;
  @ApiProperty() max_api_keys: number;
  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty() member_count: number;
  @ApiProperty() schema_version: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'why provisioning failed (status failed)' }) last_error?: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) suspended_at: string | null;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) tenants: TenantDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

