import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsString, IsUUID, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { Optional, PageQueryDto } from '../../../common/src/index.js';
import { MAX_CONTENT_CHARS } from '../document.dto.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
export const MAX_TEMPLATE_DOCUMENTS = 200;

export class TemplateDocumentDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(500)
  title: string;

  @ApiProperty({ maxLength: MAX_CONTENT_CHARS })
  @IsString() @MaxLength(MAX_CONTENT_CHARS)
  content: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional() @IsObject()
  metadata?: Record<string, unknown>;
}

export class CreateTemplateDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @Optional() @IsString() @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'the tenant (uuid or slug) whose admins own it; visible to that tenant and its descendants. Omitted: a global template (platform admins only)' })
  @Optional() @IsString() @MaxLength(64)
  parent_id?: string;

  @ApiPropertyOptional({ deprecated: true, description: 'camelCase alias of parent_id' })
  @Optional() @IsString() @MaxLength(64)
  parentId?: string;

  @ApiProperty({ type: [TemplateDocumentDto], maxItems: MAX_TEMPLATE_DOCUMENTS })
  @IsArray() @ArrayMaxSize(MAX_TEMPLATE_DOCUMENTS) @ValidateNested({ each: true }) @Type(() => TemplateDocumentDto)
  documents: TemplateDocumentDto[];
}

export class UpdateTemplateDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ type: [TemplateDocumentDto], description: 'replaces the documents; the version goes up' })
  @Optional() @IsArray() @ArrayMaxSize(MAX_TEMPLATE_DOCUMENTS) @ValidateNested({ each: true }) @Type(() => TemplateDocumentDto)
  documents?: TemplateDocumentDto[];
}

export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true }) description: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'owner tenant; null: global' }) parent_id: string | null;
  @ApiProperty() version: number;
  @ApiProperty({ type: [TemplateDocumentDto] }) documents: TemplateDocumentDto[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateDto] }) templates: TemplateDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class ListTemplatesQueryDto extends PageQueryDto {}

export class ApplyTemplateDto {
  // Required in the contract; the validator lets the alias stand in for it (the controller insists on one).
  @ApiProperty({ format: 'uuid', description: 'the template (or its alias `templateId`)' })
  @Optional() @IsUUID()
  template_id?: string;

  @ApiPropertyOptional({ format: 'uuid', deprecated: true, description: 'camelCase alias of template_id' })
  @Optional() @IsUUID()
  templateId?: string;
}

export class AppliedTemplateDto {
  @ApiProperty({ format: 'uuid' }) template_id: string;
  @ApiProperty() version: number;
  @ApiProperty({ description: 'false: this version was applied before, nothing was added' }) applied: boolean;
  @ApiProperty() documents_added: number;
}
