import { DomainError } from '../../../common/src/index.js';
import type { Passage } from '../../../corpus/src/index.js';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What a provider is asked: everything is already redacted and checked by the guardrails. */
export interface GenerateRequest {
  model: string;
  /** The system prompt (the tenant's custom_system_prompt, or the default). */
  system: string;
  /** Earlier turns of the session, oldest first. */
  history: ChatTurn[];
  /** The user's message. */
  question: string;
  /** Retrieved passages, best first; the provider cites them by `document_id`. */
  passages: Passage[];
  /** The tenant's max_tokens_per_request, passed through. */
  maxTokens?: number;
  signal?: AbortSignal;
  /** Streaming: called with each piece of the reply as it arrives. */
  onDelta?: (piece: string) => void;
}

export interface Generation {
  content: string;
  /** The documents the reply cites, in order, without repeats. */
  citedDocumentIds: string[];
  model: string;
  /** As the provider reported it; undefined: counted with the tokenizer. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** Per-tenant connection details of a provider (settings, else env). */
export interface ProviderConnection {
  baseUrl?: string;
  apiKey?: string;
  timeoutMs: number;
}

/** An assistant backend. Implementations throw ProviderFailed for anything the provider did wrong. */
export interface AssistantProvider {
  readonly name: string;
  readonly defaultModel: string;
  generate(request: GenerateRequest, connection: ProviderConnection): Promise<Generation>;
}

/** 502: the provider failed (error status, timeout, unreachable, malformed answer); nothing was stored. */
export class ProviderFailed extends DomainError {
  constructor(provider: string, reason: string) {
    super('bad_gateway', 'provider_error', `The assistant provider '${provider}' failed: ${reason}`, { provider });
  }
}

/** The context block both providers build from passages: `[n] text`. */
export function numberedPassages(passages: Passage[]): string {
  return passages.map((p, i) => `[${i + 1}] ${p.text}`).join('\n\n');
}

/** Document ids cited as `[n]` in `content`, in order of first citation; none cited: every passage given. */
export function citedIds(content: string, passages: Passage[]): string[] {
  const ids: string[] = [];
  for (const m of content.matchAll(/\[(\d{1,3})\]/g)) {
    const id = passages[Number(m[1]) - 1]?.document_id;
    if (id && !ids.includes(id)) ids.push(id);
  }
  if (ids.length > 0) return ids;
  return [...new Set(passages.map((p) => p.document_id))];
}
