import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../database/src/index.js';

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

/** Whole documents ranked by full-text match (until passages and their index exist). */
@Injectable()
export class DocumentFullTextRetriever extends PassageRetriever {
  constructor(private readonly tenantDb: TenantDb) {
    super();
  }

  async retrieve(query: string, topK: number): Promise<Passage[]> {
    const rows: Array<{ id: string; content: string; score: number; highlight: string }> = await this.tenantDb.manager.query(
      `SELECT id, content, ts_rank(v, q)::float8 AS score, ts_headline('simple', content, q) AS highlight
         FROM (SELECT id, content, to_tsvector('simple', title || ' ' || content) AS v, websearch_to_tsquery('simple', $1) AS q FROM documents) d
        WHERE v @@ q ORDER BY score DESC, id LIMIT $2`,
      [query, topK],
    );
    return rows.map((r) => ({ document_id: r.id, text: r.content, score: r.score, highlight: r.highlight }));
  }
}
