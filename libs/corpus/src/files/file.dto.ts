import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/src/index.js';

export class FileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'the document made of its text (null once that document is deleted)' }) document_id: string | null;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['text/plain', 'text/markdown', 'text/html', 'application/pdf'], description: 'detected from the content' }) mime: string;
  @ApiProperty({ description: 'bytes' }) size: number;
  @ApiProperty({ description: 'hex SHA-256 of the original bytes' }) sha256: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class FileListDto {
  @ApiProperty({ type: [FileDto] }) files: FileDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class ListFilesQueryDto extends PageQueryDto {}

/** The multipart body of an upload, for the OpenAPI document. */
export const UPLOAD_BODY_SCHEMA = {
  type: 'object' as const,
  required: ['file'] as string[],
  properties: { file: { type: 'string' as const, format: 'binary', description: 'txt, md, html or pdf; at most MAX_UPLOAD_MB' } },
};
