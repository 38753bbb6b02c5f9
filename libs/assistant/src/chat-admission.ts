import { Injectable, Logger } from '@nestjs/common';
import { Quotas } from '../../metering/src/index.js';
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

/** What a stored exchange used. */
export interface ChatSpend {
  tenantId: string;
  totalTokens: number;
  metadata: Record<string, string | number | boolean>;
}

/**
 * The chat's two hooks into billing. `admit` is called after the guardrails and before the
 * provider, outside any transaction: refusing throws a DomainError (a spent budget: 402 with
 * the limit and `resets_at`) and nothing is stored. `spent` is called once the exchange is
 * stored: one `message` and its `llm_token`s; it never fails the answer.
 */
export abstract class ChatAdmission {
  abstract admit(request: ChatAdmissionRequest): Promise<void>;
  abstract spent(spend: ChatSpend): Promise<void>;
}

/**
 * Billing's admission: messages per month and the monthly token budget (the prompt must fit
 * in what is left), checked up the billing chain (a consolidated child counts on its parents
 * too); what was spent feeds the same counters and the usage records.
 */
@Injectable()
export class QuotaChatAdmission extends ChatAdmission {
  private readonly logger = new Logger('ChatAdmission');

  constructor(private readonly quotas: Quotas) {
    super();
  }

  async admit({ tenant, promptTokens }: ChatAdmissionRequest): Promise<void> {
    await this.quotas.assertCanSpend(tenant.id, 'message', 1);
    await this.quotas.assertCanSpend(tenant.id, 'llm_token', promptTokens);
  }

  async spent({ tenantId, totalTokens, metadata }: ChatSpend): Promise<void> {
    try {
      await this.quotas.recordSpend(tenantId, 'message', 1, metadata);
      await this.quotas.recordSpend(tenantId, 'llm_token', totalTokens, metadata);
    } catch (error) {
      this.logger.warn(`tenant ${tenantId}: could not count the chat's spend (${String(error)})`);
    }
  }
}
