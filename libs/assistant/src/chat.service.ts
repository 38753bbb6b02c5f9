import { Injectable, Logger } from '@nestjs/common';
import { NotFound } from '../../common/src/index.js';
import { PassageRetriever, type Passage } from '../../corpus/src/index.js';
import { TenantDb, tenantRef } from '../../database/src/index.js';
import { effectiveLimit, parseGuardrails, TenantContext, type TenantRow } from '../../tenancy/src/index.js';
import { AssistantProviders, DEFAULT_SYSTEM_PROMPT } from './assistant-providers.js';
import { GuardrailRefused, TooManyConcurrentChats } from './assistant.errors.js';
import { ChatAdmission } from './chat-admission.js';
import type { ChatExchangeDto, ChatMessageDto, ChatMessageListDto, ChatSessionDto, ChatSessionListDto, CreateSessionDto } from './chat.dto.js';
import { ChatRepository, type MessageRow, type SessionRow } from './chat.repository.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { blockedBy, noRedactions, type RedactionCounts, redactPii, StreamingRedactor, totalRedactions } from './guardrails.util.js';
import type { ChatTurn } from './providers/assistant-provider.js';
import { countPromptTokens, countTokens } from './token-counter.js';

/** Passages retrieved for each message, and earlier turns sent as history. */
export const TOP_K = 5;
export const HISTORY_TURNS = 20;

const iso = (d: Date): string => new Date(d).toISOString();

export function toSessionDto(s: SessionRow): ChatSessionDto {
  return { id: s.id, title: s.title, provider: s.provider ?? 'extractive', model: s.model ?? '', metadata: s.metadata, created_by: s.created_by, created_at: iso(s.created_at), updated_at: iso(s.updated_at) };
}

export function toMessageDto(m: MessageRow): ChatMessageDto {
  return { ...m, citations: m.citations.map((c) => ({ document_id: c.document_id })), created_at: iso(m.created_at) };
}

/** How a streamed exchange hears of the reply as it is written (already redacted). */
export interface ExchangeStream {
  onDelta(piece: string): void;
  signal?: AbortSignal;
}

const redactionRecord = (counts: RedactionCounts): Record<string, unknown> => (totalRedactions(counts) > 0 ? { guardrails: { redactions: counts } } : {});

/**
 * Chat sessions and the message flow. A message is checked by the guardrails, redacted, answered
 * by the tenant's provider, and only then stored: the user's message and the reply in one unit
 * of work after the provider answered, so a provider failure (502), a refusal (422) or a refused
 * admission stores nothing, not even the user's message. No transaction (and no pooled
 * connection) is held while the provider thinks: reading the session and its passages is one
 * short unit of work, storing the exchange another.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger('Chat');

  constructor(
    private readonly repo: ChatRepository,
    private readonly tenantDb: TenantDb,
    private readonly context: TenantContext,
    private readonly retriever: PassageRetriever,
    private readonly providers: AssistantProviders,
    private readonly admission: ChatAdmission,
    private readonly gate: ConcurrencyGate,
  ) {}

  private get tenant(): TenantRow {
    return this.context.tenant;
  }

  private inTenant<T>(fn: () => Promise<T>, readOnly = false): Promise<T> {
    return this.tenantDb.runInContext(tenantRef(this.tenant), fn, { readOnly });
  }

  async createSession(dto: CreateSessionDto, createdBy: string | null): Promise<ChatSessionDto> {
    const { provider, model } = this.providers.choose(this.tenant, dto.provider);
    return toSessionDto(await this.inTenant(() => this.repo.createSession({ title: dto.title || null, provider: provider.name, model, createdBy })));
  }

  async listSessions(skip: number, limit: number): Promise<ChatSessionListDto> {
    const { rows, total } = await this.inTenant(() => this.repo.listSessions(skip, limit), true);
    return { sessions: rows.map(toSessionDto), total, skip, limit };
  }

  async getSession(id: string): Promise<ChatSessionDto> {
    const row = await this.inTenant(() => this.repo.findSession(id), true);
    if (!row) throw new NotFound('Chat session', id);
    return toSessionDto(row);
  }

  async deleteSession(id: string): Promise<void> {
    if (!(await this.inTenant(() => this.repo.deleteSession(id)))) throw new NotFound('Chat session', id);
  }

  async listMessages(id: string, skip: number, limit: number): Promise<ChatMessageListDto> {
    return this.inTenant(async () => {
      if (!(await this.repo.findSession(id))) throw new NotFound('Chat session', id);
      const { rows, total } = await this.repo.listMessages(id, skip, limit);
      return { messages: rows.map(toMessageDto), total, skip, limit };
    }, true);
  }

  async post(sessionId: string, content: string, stream?: ExchangeStream): Promise<ChatExchangeDto> {
    const tenant = this.tenant;
    const { guardrails } = parseGuardrails(tenant.settings.guardrails);

    const rule = blockedBy(guardrails, content);
    if (rule !== undefined) {
      // Counted on the session (the refused text itself is not kept); an unknown session stays a 404.
      await this.inTenant(async () => {
        if (!(await this.repo.findSession(sessionId, true))) throw new NotFound('Chat session', sessionId);
        await this.repo.touchSession(sessionId, { refusals: 1, redactions: 0 });
      });
      this.logger.log(`tenant ${tenant.id}: message refused by guardrail rule '${rule}'`);
      throw new GuardrailRefused(rule);
    }

    const userRedactions = noRedactions();
    const question = guardrails.redactPii ? redactPii(content, userRedactions).text : content;
    const { session, history, passages } = await this.inTenant(async () => {
      const found = await this.repo.findSession(sessionId);
      if (!found) throw new NotFound('Chat session', sessionId);
      return { session: found, history: await this.repo.recentTurns(sessionId, HISTORY_TURNS), passages: await this.retriever.retrieve(question, TOP_K) };
    }, true);
    const contextRedactions = noRedactions();
    const context: Passage[] = guardrails.redactPii ? passages.map((p) => ({ ...p, text: redactPii(p.text, contextRedactions).text })) : passages;

    const { provider, model } = this.providers.choose(tenant, session.provider);
    const connection = await this.providers.connection(tenant, provider);
    const system = typeof tenant.settings.custom_system_prompt === 'string' && tenant.settings.custom_system_prompt ? tenant.settings.custom_system_prompt : DEFAULT_SYSTEM_PROMPT;
    const maxTokens = typeof tenant.settings.max_tokens_per_request === 'number' ? tenant.settings.max_tokens_per_request : undefined;
    const turns: ChatTurn[] = history.filter((t) => t.role !== 'system').map((t) => ({ role: t.role, content: t.content }));
    const prompt = [{ role: 'system', content: `${system}\n${context.map((p) => p.text).join('\n')}` }, ...turns, { role: 'user', content: question }];
    const promptEstimate = countPromptTokens(prompt);
    await this.admission.admit({ tenant, sessionId, provider: provider.name, model, promptTokens: promptEstimate, maxTokens });

    const limit = effectiveLimit(tenant, 'max_concurrent_sessions');
    const release = await this.gate.acquire(tenant.id, limit, connection.timeoutMs);
    if (!release) throw new TooManyConcurrentChats(limit);
    let exchange: [MessageRow, MessageRow];
    let usage: ChatExchangeDto['usage'];
    try {
      const redactor = new StreamingRedactor(guardrails.redactPii);
      let reply = '';
      let streamed = false;
      const generation = await provider.generate(
        {
          model,
          system,
          history: turns,
          question,
          passages: context,
          maxTokens,
          signal: stream?.signal,
          onDelta: (piece) => {
            streamed = true;
            const out = redactor.push(piece);
            reply += out;
            if (out) stream?.onDelta(out);
          },
        },
        connection,
      );
      if (!streamed && generation.content) {
        const out = redactor.push(generation.content); // a provider that answered in one piece
        reply += out;
        if (out) stream?.onDelta(out);
      }
      const rest = redactor.flush();
      reply += rest;
      if (rest) stream?.onDelta(rest);
      const prompt_tokens = generation.usage?.prompt_tokens ?? promptEstimate;
      const completion_tokens = generation.usage?.completion_tokens ?? countTokens(generation.content);
      usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
      const citations = generation.citedDocumentIds.map((document_id) => ({ document_id }));
      const replyMetadata = totalRedactions(redactor.counts) + totalRedactions(contextRedactions) > 0 ? { guardrails: { redactions: redactor.counts, context_redactions: contextRedactions } } : {};
      exchange = await this.inTenant(async () => {
        // Deleted while the provider answered: nothing is stored.
        if (!(await this.repo.findSession(sessionId, true))) throw new NotFound('Chat session', sessionId);
        const pair = await this.repo.insertExchange(
          { session_id: sessionId, role: 'user', content: question, citations: [], prompt_tokens: null, completion_tokens: null, total_tokens: null, provider: null, model: null, metadata: redactionRecord(userRedactions) },
          { session_id: sessionId, role: 'assistant', content: reply, citations, ...usage, provider: provider.name, model: generation.model, metadata: replyMetadata },
        );
        await this.repo.touchSession(sessionId, { refusals: 0, redactions: totalRedactions(userRedactions) + totalRedactions(redactor.counts) });
        return pair;
      });
    } finally {
      await release();
    }
    // Counted before answering, so the next message sees this one in the budget; spent() never fails the answer.
    const meta = { provider: provider.name, model: exchange[1].model ?? model };
    await this.admission.spent({ tenantId: tenant.id, totalTokens: usage.total_tokens, metadata: { ...meta, prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens } });
    return { user_message: toMessageDto(exchange[0]), assistant_message: toMessageDto(exchange[1]), usage };
  }
}
