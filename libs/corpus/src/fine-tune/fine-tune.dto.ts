import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsObject, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsSafeInt, Optional, PageQueryDto } from '../../../common/src/index.js';

export const FINE_TUNE_SOURCES = ['documents', 'conversations'] as const;
export type FineTuneSource = (typeof FINE_TUNE_SOURCES)[number];
export const FINE_TUNE_PROVIDERS = ['export', 'openai'] as const;
export type FineTuneProvider = (typeof FINE_TUNE_PROVIDERS)[number];
export const FINE_TUNE_STATUSES = ['queued', 'preparing', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type FineTuneStatus = (typeof FINE_TUNE_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<FineTuneStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export class HyperparametersDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @Optional() @IsSafeInt(1, 50)
  n_epochs?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 256 })
  @Optional() @IsSafeInt(1, 256)
  batch_size?: number;

  @ApiPropertyOptional({ minimum: 0.0001, maximum: 10 })
  @Optional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.0001) @Max(10)
  learning_rate_multiplier?: number;
}

export class CreateFineTuneJobDto {
  @ApiProperty({ maxLength: 200, example: 'gpt-4o-mini-2024-07-18' })
  @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, { message: 'base_model may hold letters, digits and . _ : / -' })
  base_model: string;

  @ApiProperty({ enum: FINE_TUNE_SOURCES })
  @IsIn(FINE_TUNE_SOURCES)
  source: FineTuneSource;

  @ApiPropertyOptional({ type: HyperparametersDto })
  @Optional() @IsObject() @ValidateNested() @Type(() => HyperparametersDto)
  hyperparameters?: HyperparametersDto;

  @ApiPropertyOptional({ enum: FINE_TUNE_PROVIDERS, default: 'export', description: '`export` only builds the dataset; `openai` submits it to the OpenAI-compatible fine-tuning API (FINE_TUNE_API_BASE)' })
  @Optional() @IsIn(FINE_TUNE_PROVIDERS)
  provider?: FineTuneProvider;
}

export class FineTuneDatasetDto {
  @ApiProperty() rows: number;
  @ApiProperty() bytes: number;
}

export class FineTuneJobDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: FINE_TUNE_STATUSES }) status: FineTuneStatus;
  @ApiProperty() base_model: string;
  @ApiProperty({ enum: FINE_TUNE_SOURCES }) source: FineTuneSource;
  @ApiProperty({ enum: FINE_TUNE_PROVIDERS }) provider: FineTuneProvider;
  @ApiProperty({ type: HyperparametersDto }) hyperparameters: HyperparametersDto;
  @ApiPropertyOptional({ type: FineTuneDatasetDto, nullable: true }) dataset: FineTuneDatasetDto | null;
  @ApiPropertyOptional({ nullable: true }) provider_job_id: string | null;
  @ApiPropertyOptional({ nullable: true }) fine_tuned_model: string | null;
  @ApiPropertyOptional({ nullable: true }) error: string | null;
  @ApiProperty({ description: 'a cancel was asked for a running job; the worker is stopping it at the provider' }) cancel_requested: boolean;
  @ApiPropertyOptional({ format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) started_at: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) finished_at: string | null;
}

export class FineTuneJobListDto {
  @ApiProperty({ type: [FineTuneJobDto] }) jobs: FineTuneJobDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class ListFineTuneJobsQueryDto extends PageQueryDto {}
