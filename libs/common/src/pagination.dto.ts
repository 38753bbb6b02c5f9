import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { INT4_MAX, IsSafeInt } from './validation.pipe.js';

export const MAX_PAGE_SIZE = 100;

/** `skip` and `limit` (default 20, at most 100) of every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 0, maximum: INT4_MAX, default: 0 })
  @IsOptional() @Type(() => Number) @IsSafeInt(0)
  skip: number = 0;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional() @Type(() => Number) @IsSafeInt(1, MAX_PAGE_SIZE)
  limit: number = 20;
}
