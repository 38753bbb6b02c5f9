import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../../libs/common/src/index.js';

/**
 * The query of the bench document lists: the same fields and validators as corpus's
 * ListDocumentsQueryDto (which corpus does not export), so the global ValidationPipe
 * does the same work on the bench routes as on `GET /api/v1/corpus/documents`.
 */
export class BenchListDocumentsQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @MaxLength(500)
  q?: string;
}
