import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsSafeInt, Optional } from '../../common/src/index.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
export const MAX_TOP_K = 50;
export const DEFAULT_TOP_K = 5;
export const MAX_QUERY_CHARS = 2000;

export class CorpusQueryDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_QUERY_CHARS, description: 'natural-language question or websearch syntax ("quoted phrase", or, -not)' })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(MAX_QUERY_CHARS)
  query: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP_K, default: DEFAULT_TOP_K })
  @Optional() @IsSafeInt(1, MAX_TOP_K)
  top_k?: number;
}

export class PassageDto {
  @ApiProperty({ format: 'uuid' }) document_id: string;
  @ApiProperty() text: string;
  @ApiProperty({ description: 'full text only: ts_rank; with dense retrieval: the reciprocal rank fusion score' }) score: number;
  @ApiProperty({ description: 'HTML-escaped fragments of the passage, matches in <mark>' }) highlight: string;
}

export class CorpusQueryResultDto {
  @ApiProperty({ type: [PassageDto], description: 'best first' }) passages: PassageDto[];
}
