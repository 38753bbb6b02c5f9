import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AssistantProvider, Generation, GenerateRequest, ProviderConnection } from './assistant-provider.js';
import { citedIds, numberedPassages, ProviderFailed } from './assistant-provider.js';

/** Why a call failed, in words safe to show a tenant (never the key, never the provider's body beyond its status). */
function reason(error: unknown): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timed out';
  if (error instanceof OpenAI.APIUserAbortError) return 'cancelled';
  if (error instanceof OpenAI.APIConnectionError) return 'unreachable';
  if (error instanceof OpenAI.APIError) return `answered ${error.status ?? 'an error'}`;
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled';
  return 'sent an answer that could not be read';
}

/**
 * Any server speaking OpenAI's chat completions API (OpenAI itself, vLLM, Ollama, LiteLLM...),
 * through the official `openai` SDK. Always streamed (`stream_options.include_usage`), so the JSON
 * and the SSE answers take the same path; no retries (a retried completion could be billed
 * twice, and the caller sees the failure as a 502 at once).
 */
export class OpenAiCompatibleProvider implements AssistantProvider {
  readonly name = 'openai';

  constructor(readonly defaultModel: string) {}

  async generate(request: GenerateRequest, connection: ProviderConnection): Promise<Generation> {
    const client = new OpenAI({ apiKey: connection.apiKey ?? '', baseURL: connection.baseUrl, timeout: connection.timeoutMs, maxRetries: 0 });
    const context = request.passages.length > 0 ? `\n\nAnswer from these passages of the workspace's documents and cite them as [n]:\n\n${numberedPassages(request.passages)}` : '';
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: request.system + context },
      ...request.history.map((t) => ({ role: t.role, content: t.content }) as ChatCompletionMessageParam),
      { role: 'user', content: request.question },
    ];
    let content = '';
    let usage: Generation['usage'];
    let model = request.model;
    // A stream that stalls after its headers is still bounded by the timeout.
    const deadline = AbortSignal.timeout(connection.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    try {
      const stream = await client.chat.completions.create(
        {
          model: request.model,
          messages,
          stream: true,
          stream_options: { include_usage: true },
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
        },
        { signal },
      );
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) {
          content += piece;
          request.onDelta?.(piece);
        }
      }
    } catch (error) {
      throw new ProviderFailed(this.name, deadline.aborted ? 'timed out' : reason(error));
    }
    return { content, citedDocumentIds: request.passages.length > 0 ? citedIds(content, request.passages) : [], model, usage };
  }
}
