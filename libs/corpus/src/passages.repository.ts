import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { quoteIdent, TenantDb } from '../../database/src/index.js';

/** The corpus index state of the current tenant's schema (`corpus_settings`), taken for a write. */
export interface IndexState {
  tenantId: string;
  /** The text search configuration rows are indexed with. */
  tsConfig: string;
  /** provider+model the stored embeddings come from; null: dense retrieval off. */
  embeddingModel: string | null;
}

export interface PassageHit {
  document_id: string;
  text: string;
  score: number;
  highlight: string;
}

/** Reciprocal rank fusion's constant (Cormack et al.: 60). */
export const RRF_K = 60;
/** Each ranking contributes this many candidates per passage asked for (bounded) to the fusion. */
const CANDIDATES_PER_RESULT = 4;
const MAX_CANDIDATES = 200;

// ts_headline marks matches with control characters (it does not escape anything); the
// highlight is then HTML-escaped and they become <mark>...</mark>, so it is safe to render.
const START = '\u0002';
const STOP = '\u0003';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export function toHighlightHtml(headline: string): string {
  return escapeHtml(headline.replaceAll(START, '\u0000s').replaceAll(STOP, '\u0000e')).replaceAll('\u0000s', '<mark>').replaceAll('\u0000e', '</mark>');
}

type EmbeddingColumn = { kind: 'array' } | { kind: 'pgvector'; schema: string };

/**
 * Passages of the current tenant's documents and their search, always through the unit of work's
 * manager (never a schema name). Query parsing uses the schema's own configuration
 * (`corpus_settings`), the one its rows were indexed with.
 */
@Injectable()
export class PassagesRepository {
  /** How each tenant schema stores embeddings (pgvector or real[]); decided at its migration. */
  private readonly embeddingColumns = new LRUCache<string, EmbeddingColumn>({ max: 10_000 });

  constructor(private readonly tenantDb: TenantDb) {}

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.tenantDb.manager.query(sql, params);
  }

  /**
   * The schema's index state, with its row locked FOR SHARE: a write stamps what it writes with
   * this configuration, and a re-index (FOR UPDATE) waits for it, or it for the re-index.
   */
  lockForWrite(): Promise<IndexState> {
    return this.state('FOR SHARE');
  }

  /** The schema's index state, unlocked (for reads). */
  indexState(): Promise<IndexState> {
    return this.state('');
  }

  private async state(lock: 'FOR SHARE' | ''): Promise<IndexState> {
    const [row] = await this.query<{ tenant_id: string; ts_config: string; embedding_model: string | null }>(
      `SELECT current_setting('app.tenant_id', true) AS tenant_id, ts_config::text AS ts_config, embedding_model FROM corpus_settings ${lock}`,
      [],
    );
    if (!row) throw new Error('corpus_settings has no row');
    return { tenantId: row.tenant_id, tsConfig: row.ts_config, embeddingModel: row.embedding_model };
  }

  /** The passages of a document, replaced by `texts` (in order), indexed with `tsConfig`. */
  async replace(documentId: string, heading: string, texts: string[], tsConfig: string): Promise<void> {
    // Two statements: an unreferenced DELETE in a WITH would run after the INSERT (and collide on the ordinals).
    await this.query(`DELETE FROM passages WHERE document_id = $1`, [documentId]);
    await this.query(
      `INSERT INTO passages (document_id, ordinal, heading, text, ts_config)
       SELECT $1, u.ordinal - 1, $2, u.text, $4::regconfig FROM unnest($3::text[]) WITH ORDINALITY AS u(text, ordinal)`,
      [documentId, heading, texts, tsConfig],
    );
  }

  /** Best passages for `query` by full text, fused with `vector` by reciprocal rank fusion when given. */
  async search(query: string, topK: number, vector?: { values: number[]; model: string }): Promise<PassageHit[]> {
    const candidates = Math.min(MAX_CANDIDATES, topK * CANDIDATES_PER_RESULT);
    // ts_rank on an OR query rewards each distinct term matched far more than a term repeated.
    const fts = `SELECT p.id, ts_rank(p.tsv, s.q)::float8 AS score FROM passages p, s WHERE p.tsv @@ s.q`;
    let ranked: string;
    const params: unknown[] = [query, topK];
    if (!vector) {
      ranked = `${fts} ORDER BY score DESC, p.id LIMIT $2`;
    } else {
      params.push(candidates, `{${vector.values.join(',')}}`, vector.model);
      ranked = `
        SELECT coalesce(f.id, v.id) AS id,
               (coalesce(1.0 / (${RRF_K} + f.rank), 0) + coalesce(1.0 / (${RRF_K} + v.rank), 0))::float8 AS score
          FROM (SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (${fts} ORDER BY score DESC, p.id LIMIT $3) x) f
          FULL JOIN (SELECT id, row_number() OVER (ORDER BY sim DESC, id) AS rank
                       FROM (SELECT p.id, ${await this.similaritySql()} AS sim FROM passages p
                              WHERE p.embedding IS NOT NULL AND p.embedding_model = $5 ORDER BY sim DESC, p.id LIMIT $3) y) v
            ON v.id = f.id
         ORDER BY score DESC, id LIMIT $2`;
    }
    const rows = await this.query<{ document_id: string; text: string; score: number; headline: string }>(
      // A question is not a conjunction: any of its terms may match (phrases keep their adjacency),
      // and the passages holding more of them (title terms weigh more) rank first.
      `WITH s AS MATERIALIZED (SELECT ts_config AS cfg, replace(websearch_to_tsquery(ts_config, $1)::text, ' & ', ' | ')::tsquery AS q FROM corpus_settings),
            r AS (${ranked})
       SELECT p.document_id, p.text, r.score, ts_headline(s.cfg, p.text, s.q, '${HEADLINE_OPTIONS}') AS headline
         FROM r JOIN passages p ON p.id = r.id, s
        ORDER BY r.score DESC, p.document_id, p.ordinal`,
      params,
    );
    return rows.map((r) => ({ document_id: r.document_id, text: r.text, score: r.score, highlight: toHighlightHtml(r.headline) }));
  }

  /** Cosine similarity of each passage with $4 (both unit vectors, so a dot product): pgvector's operator, or exact in SQL over real[]. */
  private async similaritySql(): Promise<string> {
    const column = await this.embeddingColumn();
    if (column.kind === 'pgvector') return `(1 - (p.embedding OPERATOR(${quoteIdent(column.schema)}.<=>) $4::real[]::${quoteIdent(column.schema)}.vector))`;
    return `(SELECT sum(a * b) FROM unnest(p.embedding, $4::real[]) AS e(a, b))`;
  }

  private async embeddingColumn(): Promise<EmbeddingColumn> {
    const [row] = await this.query<{ schema: string; type: string; tenant_id: string }>(
      `SELECT current_setting('app.tenant_id', true) AS tenant_id, tn.nspname AS schema, t.typname AS type
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
        WHERE a.attrelid = 'passages'::regclass AND a.attname = 'embedding'`,
      [],
    );
    if (!row) throw new Error('passages has no embedding column');
    const cached = this.embeddingColumns.get(row.tenant_id);
    if (cached) return cached;
    const column: EmbeddingColumn = row.type === 'vector' ? { kind: 'pgvector', schema: row.schema } : { kind: 'array' };
    this.embeddingColumns.set(row.tenant_id, column);
    return column;
  }

  // --- the worker's side: embeddings and re-indexing ---

  /** Up to `limit` passages without an embedding (of one document, or of the tenant), while `model` is the schema's provider. */
  unembedded(model: string, limit: number, documentId?: string): Promise<Array<{ id: string; heading: string; text: string }>> {
    return this.query(
      `SELECT p.id, p.heading, p.text FROM passages p, corpus_settings c
        WHERE p.embedding IS NULL AND c.embedding_model = $1 AND ($3::uuid IS NULL OR p.document_id = $3)
        ORDER BY p.document_id, p.ordinal LIMIT $2`,
      [model, limit, documentId ?? null],
    );
  }

  /** Stores embeddings of passages that still exist, are still unembedded and while `model` is still the provider; answers how many. */
  async storeEmbeddings(model: string, vectors: Array<{ id: string; embedding: number[] }>): Promise<number> {
    const [, count] = (await this.tenantDb.manager.query(
      `UPDATE passages p SET embedding = u.embedding, embedding_model = $2
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, embedding real[]), corpus_settings c
        WHERE p.id = u.id AND p.embedding IS NULL AND c.embedding_model = $2`,
      [JSON.stringify(vectors), model],
    )) as [unknown[], number]; // TypeORM answers an UPDATE as [rows, rowCount]
    return count;
  }

  /**
   * Brings the schema to the `desired` configuration and embeddings model (read once the settings
   * row is locked): rows
   * indexed with another configuration are re-indexed (their generated tsv follows), embeddings
   * of another provider or model are dropped (the worker embeds again). Answers what changed.
   */
  async sync(desired: () => Promise<{ tsConfig: string; embeddingModel: string | null }>): Promise<{ reindexed: boolean; embeddingsReset: boolean }> {
    await this.query(`SELECT 1 FROM corpus_settings FOR UPDATE`, []);
    // Read under the lock: of two syncs of one tenant, the later one reads the later settings.
    const { tsConfig, embeddingModel } = await desired();
    const [state] = await this.query<{ embedding_model: string | null; same_config: boolean }>(
      `SELECT embedding_model, ts_config = $1::regconfig AS same_config FROM corpus_settings`,
      [tsConfig],
    );
    if (!state) throw new Error('corpus_settings has no row');
    const reindexed = !state.same_config;
    const embeddingsReset = state.embedding_model !== embeddingModel;
    if (reindexed) {
      await this.query(
        `WITH d AS (UPDATE documents SET ts_config = $1::regconfig WHERE ts_config <> $1::regconfig)
         UPDATE passages SET ts_config = $1::regconfig WHERE ts_config <> $1::regconfig`,
        [tsConfig],
      );
    }
    if (reindexed || embeddingsReset) {
      await this.query(`UPDATE corpus_settings SET ts_config = $1::regconfig, embedding_model = $2`, [tsConfig, embeddingModel]);
    }
    if (embeddingsReset) {
      await this.query(`UPDATE passages SET embedding = NULL, embedding_model = NULL WHERE embedding IS NOT NULL AND embedding_model IS DISTINCT FROM $1`, [embeddingModel]);
    }
    return { reindexed, embeddingsReset };
  }
}
