import type { FineTuneJobsRepository } from './fine-tune-jobs.repository.js';
import type { FineTuneProvider, FineTuneSource } from './fine-tune.dto.js';

const PAGE = 500;
/** The provider's own minimum (OpenAI refuses fewer than 10 examples); an export needs one. */
export const MIN_EXAMPLES: Record<FineTuneProvider, number> = { export: 1, openai: 10 };
const MAX_DATASET_BYTES = 512 * 1024 * 1024;
const DOCUMENT_SYSTEM_PROMPT = "You answer from the organisation's knowledge base.";

interface ChatExample {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export class DatasetInvalid extends Error {}

/**
 * One chat example per document (its title asked, its content answered), or per chat session
 * (its messages as they were, kept only when the session has a user turn followed by an
 * assistant reply). Read inside the tenant's unit of work, a page at a time.
 */
export async function buildDataset(repo: FineTuneJobsRepository, source: FineTuneSource): Promise<{ jsonl: Buffer; rows: number }> {
  const lines: string[] = [];
  let bytes = 0;
  const push = (example: ChatExample) => {
    const line = JSON.stringify(example);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > MAX_DATASET_BYTES) throw new DatasetInvalid(`the dataset would exceed ${MAX_DATASET_BYTES / 1024 / 1024} MB`);
    lines.push(line);
  };
  let cursor: string | null = null;
  let lastId: string | null = null;
  for (;;) {
    if (source === 'documents') {
      const page = await repo.documentsPage(cursor, lastId, PAGE);
      for (const d of page) {
        if (d.content.trim()) {
          push({ messages: [{ role: 'system', content: DOCUMENT_SYSTEM_PROMPT }, { role: 'user', content: `What does "${d.title}" say?` }, { role: 'assistant', content: d.content }] });
        }
      }
      if (page.length < PAGE) break;
      cursor = page[page.length - 1]!.cursor;
      lastId = page[page.length - 1]!.id;
    } else {
      const page = await repo.sessionsPage(cursor, lastId, PAGE);
      for (const s of page) {
        const messages = s.messages
          .filter((m): m is ChatExample['messages'][number] => (m.role === 'system' || m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string' && m.content.trim() !== '')
          .map((m) => ({ role: m.role, content: m.content }));
        // Train up to the last assistant reply; a trailing unanswered question teaches nothing.
        let end = messages.length;
        while (end > 0 && messages[end - 1]!.role !== 'assistant') end--;
        const kept = messages.slice(0, end);
        if (kept.some((m) => m.role === 'user') && kept.some((m) => m.role === 'assistant')) push({ messages: kept });
      }
      if (page.length < PAGE) break;
      cursor = page[page.length - 1]!.cursor;
      lastId = page[page.length - 1]!.id;
    }
  }
  return { jsonl: Buffer.from(lines.length ? `${lines.join('\n')}\n` : ''), rows: lines.length };
}

/** Checks a JSONL chat dataset line by line (as a provider would); the number of examples. */
export function validateDataset(jsonl: Buffer, provider: FineTuneProvider): number {
  const text = jsonl.toString('utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  lines.forEach((line, i) => {
    let example: unknown;
    try {
      example = JSON.parse(line);
    } catch {
      throw new DatasetInvalid(`line ${i + 1} is not JSON`);
    }
    const messages = (example as ChatExample | null)?.messages;
    if (!Array.isArray(messages) || messages.length < 2) throw new DatasetInvalid(`line ${i + 1} has no messages`);
    for (const m of messages) {
      if (!['system', 'user', 'assistant'].includes(m?.role) || typeof m?.content !== 'string') throw new DatasetInvalid(`line ${i + 1} has a malformed message`);
    }
    if (messages[messages.length - 1]!.role !== 'assistant') throw new DatasetInvalid(`line ${i + 1} does not end with an assistant reply`);
  });
  if (lines.length < MIN_EXAMPLES[provider]) {
    throw new DatasetInvalid(`the dataset has ${lines.length} example(s); provider '${provider}' needs at least ${MIN_EXAMPLES[provider]}`);
  }
  return lines.length;
}
