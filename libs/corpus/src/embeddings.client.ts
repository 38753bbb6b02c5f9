import { Injectable } from '@nestjs/common';
import { isPlainObject } from '../../common/src/index.js';
import { TenantSecrets } from '../../secrets/src/index.js';

/** A tenant's embeddings provider, from `settings.embeddings` (the key is sealed; read through TenantSecrets). */
export interface EmbeddingsProvider {
  baseUrl: string;
  model: string;
  /** What stored embeddings are stamped with: a change of provider or model re-embeds everything. */
  fingerprint: string;
}

/** The provider a tenant's settings configure, or null (dense retrieval off). */
export function embeddingsProviderOf(settings: Record<string, unknown>): EmbeddingsProvider | null {
  const e = settings.embeddings;
  if (!isPlainObject(e) || typeof e.base_url !== 'string' || typeof e.model !== 'string') return null;
  const baseUrl = e.base_url.replace(/\/+$/, '');
  return { baseUrl, model: e.model, fingerprint: `${baseUrl}#${e.model}` };
}

export class EmbeddingsFailed extends Error {}

const TIMEOUT_MS = 15_000;
const MAX_DIMENSIONS = 16_384;

/** Scaled to length 1, so cosine similarity is a dot product (and a zero vector stays zero). */
export function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

/**
 * An OpenAI-compatible `POST {base_url}/embeddings` client on fetch (the `openai` package needs
 * Node 22). Answers one unit vector per input, in input order.
 */
@Injectable()
export class EmbeddingsClient {
  constructor(private readonly secrets: TenantSecrets) {}

  async embed(tenantId: string, provider: EmbeddingsProvider, inputs: string[]): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const key = await this.secrets.read(tenantId, 'embeddings.api_key');
    let res: Response;
    try {
      res = await fetch(`${provider.baseUrl}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ model: provider.model, input: inputs, encoding_format: 'float' }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      throw new EmbeddingsFailed(`embeddings provider unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!res.ok) throw new EmbeddingsFailed(`embeddings provider answered ${res.status}`);
    const body: unknown = await res.json().catch(() => undefined);
    const data = isPlainObject(body) && Array.isArray(body.data) ? (body.data as unknown[]) : undefined;
    if (!data || data.length !== inputs.length) throw new EmbeddingsFailed('embeddings provider answered an unexpected body');
    const vectors: number[][] = new Array<number[]>(inputs.length);
    data.forEach((item, i) => {
      const index = isPlainObject(item) && Number.isInteger(item.index) ? (item.index as number) : i;
      const embedding = isPlainObject(item) ? item.embedding : undefined;
      if (
        index < 0 || index >= inputs.length || !Array.isArray(embedding) || embedding.length === 0 || embedding.length > MAX_DIMENSIONS ||
        !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
      ) {
        throw new EmbeddingsFailed('embeddings provider answered an invalid vector');
      }
      vectors[index] = normalize(embedding as number[]);
    });
    if (vectors.some((v) => !v) || new Set(vectors.map((v) => v.length)).size !== 1) throw new EmbeddingsFailed('embeddings provider answered inconsistent vectors');
    return vectors;
  }
}
