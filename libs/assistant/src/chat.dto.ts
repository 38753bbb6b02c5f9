import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../common/src/index.js';

/** The longest message accepted (characters): about 4,000 tokens of English. */
export const MAX_MESSAGE_CHARS = 16_000;
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class CreateSessionDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional() @Transform(trim) @IsString() @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ description: "the session's provider (extractive, openai); default: the first of the tenant's allowed_providers, else extractive", maxLength: 50 })
  @Optional() @IsString() @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/, { message: 'provider must be a provider name' })
  provider?: string;
}

export class PostMessageDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_CHARS })
  @Transform(trim) @IsString() @MinLength(1, { message: 'content must not be empty' }) @MaxLength(MAX_MESSAGE_CHARS)
  content: string;
}

export class ChatSessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) title: string | null;
  @ApiProperty() provider: string;
  @ApiProperty() model: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'guardrails: {refusals, redactions} counted in this session' }) metadata: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ChatSessionListDto {
  @ApiProperty({ type: [ChatSessionDto] }) sessions: ChatSessionDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class CitationDto {
  @ApiProperty({ format: 'uuid' }) document_id: string;
}

export class UsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
}

export class ChatMessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ enum: ['user', 'assistant', 'system'] }) role: 'user' | 'assistant' | 'system';
  @ApiProperty() content: string;
  @ApiProperty({ type: [CitationDto] }) citations: CitationDto[];
  @ApiProperty({ type: Number, nullable: true }) prompt_tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) completion_tokens: number | null;
  @ApiProperty({ type: Number, nullable: true }) total_tokens: number | null;
  @ApiProperty({ type: String, nullable: true }) provider: string | null;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'guardrails: {redactions: {email, phone, card}} when any were made' }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ChatMessageListDto {
  @ApiProperty({ type: [ChatMessageDto] }) messages: ChatMessageDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}

export class ChatExchangeDto {
  @ApiProperty({ type: ChatMessageDto }) user_message: ChatMessageDto;
  @ApiProperty({ type: ChatMessageDto }) assistant_message: ChatMessageDto;
  @ApiProperty({ type: UsageDto }) usage: UsageDto;
}
