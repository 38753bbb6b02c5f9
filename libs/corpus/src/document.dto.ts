import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional, PageQueryDto } from '../../common/src/index.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
export const MAX_CONTENT_CHARS = 1_000_000;

export class CreateDocumentDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(500)
  title: string;

  @ApiPropertyOptional({ maxLength: MAX_CONTENT_CHARS, default: '' })
  @Optional() @IsString() @MaxLength(MAX_CONTENT_CHARS)
  content?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional() @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdateDocumentDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @Optional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(500)
  title?: string;

  @ApiPropertyOptional({ maxLength: MAX_CONTENT_CHARS })
  @Optional() @IsString() @MaxLength(MAX_CONTENT_CHARS)
  content?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'replaces the metadata' })
  @Optional() @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListDocumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'full-text search over title and content', maxLength: 500 })
  @IsOptional() @IsString() @MaxLength(500)
  q?: string;
}

export class DocumentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() content: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class DocumentListDto {
  @ApiProperty({ type: [DocumentDto] }) documents: DocumentDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}
