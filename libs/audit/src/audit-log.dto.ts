import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/src/index.js';

/** An ISO 8601 date or date-time with a four-digit year (PostgreSQL's range; no `+275760-...`). */
const FOUR_DIGIT_YEAR = /^\d{4}-/;

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'only this action, e.g. tenant.updated' })
  @IsOptional() @IsString() @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ description: 'only this actor: a user or API key id, or `cli` / `system`' })
  @IsOptional() @IsString() @MaxLength(100)
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries at or after this time' })
  @IsOptional() @IsISO8601({ strict: true }) @Matches(FOUR_DIGIT_YEAR, { message: 'since must have a four-digit year' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries before this time' })
  @IsOptional() @IsISO8601({ strict: true }) @Matches(FOUR_DIGIT_YEAR, { message: 'until must have a four-digit year' })
  until?: string;
}

class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api_key', 'cli', 'system'] }) type: string;
  @ApiProperty({ type: String, nullable: true }) id: string | null;
}

class AuditTargetDto {
  @ApiProperty({ example: 'tenant' }) type: string;
  @ApiProperty({ type: String, nullable: true }) id: string | null;
}

export class AuditEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) tenant_id: string | null;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ example: 'tenant.updated' }) action: string;
  @ApiProperty({ type: AuditTargetDto }) target: AuditTargetDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'changed keys (dotted paths) to {before, after}; secrets read "[redacted]"',
    example: { name: { before: 'Acme', after: 'Acme Corp' } },
  })
  changes: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) request_id: string | null;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) entries: AuditEntryDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}
