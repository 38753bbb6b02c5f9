import { Injectable, Logger } from '@nestjs/common';
import { TenantDirectory } from '../../tenancy/src/index.js';
import { EmbeddingsClient, embeddingsProviderOf } from './embeddings.client.js';
import { PassagesRepository } from './passages.repository.js';

/** A ranked piece of the tenant's corpus, as `POST /api/v1/corpus/query` answers it. */
export interface Passage {
  document_id: string;
  text: string;
  score: number;
  highlight: string;
}

/**
 * Retrieval for RAG and chat: the best `topK` passages for `query` in the current tenant.
 * Runs inside the tenant's unit of work (no schema named).
 */
export abstract class PassageRetriever {
  abstract retrieve(query: string, topK: number): Promise<Passage[]>;
}

/**
 * Passages ranked by full text (the GIN index on their stored tsvector); when the tenant has an
 * embeddings provider, fused with the vector ranking by reciprocal rank fusion. A provider that
 * fails degrades the answer to full text (logged), never fails it.
 */
@Injectable()
export class HybridPassageRetriever extends PassageRetriever {
  private readonly logger = new Logger('PassageRetriever');

  constructor(
    private readonly passages: PassagesRepository,
    private readonly directory: TenantDirectory,
    private readonly embeddings: EmbeddingsClient,
  ) {
    super();
  }

  async retrieve(query: string, topK: number): Promise<Passage[]> {
    return this.passages.search(query, topK, await this.queryVector(query));
  }

  private async queryVector(query: string): Promise<{ values: number[]; model: string } | undefined> {
    const state = await this.passages.indexState();
    if (!state.embeddingModel) return undefined;
    const tenant = await this.directory.find(state.tenantId);
    const provider = tenant ? embeddingsProviderOf(tenant.settings) : null;
    // Settings changed and the worker has not re-embedded yet: the stored vectors are another model's.
    if (!provider || provider.fingerprint !== state.embeddingModel) return undefined;
    try {
      const [values] = await this.embeddings.embed(state.tenantId, provider, [query]);
      return values && { values, model: provider.fingerprint };
    } catch (error) {
      this.logger.warn(`tenant ${state.tenantId}: query embedding failed, full text only: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
