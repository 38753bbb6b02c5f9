import type { Passage } from '../../../corpus/src/index.js';
import { countTokens } from '../token-counter.js';
import type { AssistantProvider, Generation, GenerateRequest } from './assistant-provider.js';

const MAX_PASSAGES = 3;
const MAX_SENTENCE_CHARS = 400;
export const NOTHING_FOUND = "I found nothing about that in this workspace's documents.";

const terms = (text: string): Set<string> => new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);

/** The sentence of `passage` sharing the most terms with the question (the first on a tie). */
function bestSentence(passage: Passage, wanted: Set<string>): string {
  const sentences = passage.text.split(/(?<=[.!?])\s+|\n+/u).map((s) => s.trim()).filter(Boolean);
  let best = sentences[0] ?? '';
  let bestScore = -1;
  for (const s of sentences) {
    let score = 0;
    for (const t of terms(s)) if (wanted.has(t)) score++;
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best.length > MAX_SENTENCE_CHARS ? `${best.slice(0, MAX_SENTENCE_CHARS - 1)}…` : best;
}

/**
 * The built-in provider: no network, no model. It answers with the sentence of each of the best
 * three passages that shares most words with the question, each followed by its citation `[n]`,
 * so the same corpus and question always give the same answer. Within max_tokens_per_request
 * (whole lines are dropped from the end; at least one stays).
 */
export class ExtractiveProvider implements AssistantProvider {
  readonly name = 'extractive';
  readonly defaultModel = 'extractive-1';

  async generate(request: GenerateRequest): Promise<Generation> {
    const used = request.passages.slice(0, MAX_PASSAGES);
    const wanted = terms(request.question);
    const lines = used.map((p, i) => `${bestSentence(p, wanted)} [${i + 1}]`);
    while (request.maxTokens !== undefined && lines.length > 1 && countTokens(lines.join('\n')) > request.maxTokens) lines.pop();
    const content = lines.length > 0 ? lines.join('\n') : NOTHING_FOUND;
    if (request.onDelta) {
      for (const piece of content.match(/\S+\s*|\s+/g) ?? []) {
        request.signal?.throwIfAborted();
        request.onDelta(piece);
        await new Promise<void>((resolve) => setImmediate(resolve)); // a real stream: pieces leave one by one
      }
    }
    const cited = [...new Set(used.slice(0, lines.length).map((p) => p.document_id))];
    return { content, citedDocumentIds: lines.length > 0 ? cited : [], model: request.model };
  }
}
