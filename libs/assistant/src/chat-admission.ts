import { Injectable } from '@nestjs/common';
import type { TenantRow } from '../../tenancy/src/index.js';

/** What is about to be sent to a provider. */
export interface ChatAdmissionRequest {
  tenant: TenantRow;
  sessionId: string;
  provider: string;
  model: string;
  /** Tokens of the prompt as the tokenizer counts them (before the call). */
  promptTokens: number;
  /** The tenant's max_tokens_per_request, when set: the most the reply may add. */
  maxTokens?: number;
}

/**
 * The one pre-call hook of a chat message: called after the guardrails and before the provider,
 * outside any transaction. Refuse by throwing a DomainError (a spent budget: 402 with the limit
 * and `resets_at`); nothing is stored then. Billing binds its own implementation (token budget,
 * messages per month) in place of this permissive default (`{ provide: ChatAdmission, useClass }`
 * in AssistantModule). What a reply actually used reaches billing through UsageRecorder
 * (`message`, `llm_token`).
 */
export abstract class ChatAdmission {
  abstract admit(request: ChatAdmissionRequest): Promise<void>;
}

/** Admits everything (until billing's quotas land). */
@Injectable()
export class OpenChatAdmission extends ChatAdmission {
  async admit(): Promise<void> {}
}
