import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../../common/src/index.js';
import { ALL_PERMISSIONS, type Permission } from '../../../rbac/src/index.js';
import { trim } from '../tenants/tenant.dto.js';

export const API_KEY_KINDS = ['secret', 'widget'] as const;

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI ingestion', maxLength: 200 })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiProperty({ enum: ALL_PERMISSIONS, isArray: true, description: 'a subset of the caller’s own permissions in the tenant' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(ALL_PERMISSIONS.length) @IsIn(ALL_PERMISSIONS, { each: true })
  scopes: Permission[];

  @ApiPropertyOptional({ description: 'uuid or slug of the tenant the key acts in: this tenant (the default) or one of its descendants' })
  @Optional() @IsString() @MaxLength(64)
  tenant_scope?: string;

  @ApiPropertyOptional({ deprecated: true, description: 'camelCase alias of tenant_scope' })
  @Optional() @IsString() @MaxLength(64)
  tenantScope?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'when the key stops working (in the future); none: never' })
  @Optional() @IsDateString({ strict: true })
  expires_at?: string;

  @ApiPropertyOptional({
    enum: API_KEY_KINDS,
    default: 'secret',
    description: '`widget`: a publishable key (`tnt_pk_...`) for the embeddable chat widget: scopes exactly `conversations:write`, this tenant only, accepted only from the origins in settings.widget.allowed_origins',
  })
  @Optional() @IsIn(API_KEY_KINDS)
  kind?: (typeof API_KEY_KINDS)[number];
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'the visible part of the key: tnt_<prefix>_... (tnt_pk_<prefix>_... for a widget key)' }) prefix: string;
  @ApiProperty({ enum: API_KEY_KINDS }) kind: string;
  @ApiProperty({ enum: ALL_PERMISSIONS, isArray: true }) scopes: string[];
  @ApiProperty({ format: 'uuid', description: 'the tenant the key acts in' }) tenant_scope: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) created_by: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'the secret key, shown this once (only its SHA-256 is stored)' }) key: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) api_keys: ApiKeyDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}
