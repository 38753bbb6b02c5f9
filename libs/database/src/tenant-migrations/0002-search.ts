import type { TenantMigration } from './tenant-migration.js';

/**
 * Indexed full-text search and passages (issue 16).
 *
 * The text search configuration is per tenant (settings.search_language, default `simple`),
 * but a generated column cannot read settings. So each row carries the `regconfig` it was
 * indexed with (`ts_config`), the generated `tsv` uses it, and `corpus_settings` (one row)
 * holds the configuration the schema is indexed with. Writers take that row FOR SHARE and
 * stamp it on what they write; the worker, when settings change, updates it FOR UPDATE and
 * rewrites every row's `ts_config` in the same transaction (which regenerates `tsv`), so a
 * search (which parses its query with the same row's configuration) never mixes two.
 *
 * Embeddings: pgvector's `vector` when the extension is installed in the database, else
 * `real[]` (exact cosine in SQL). `embedding_model` says which provider and model made it.
 */
export const m0002Search: TenantMigration = {
  version: 2,
  name: 'search',
  up: `
    CREATE TABLE corpus_settings (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      ts_config regconfig NOT NULL DEFAULT 'pg_catalog.simple',
      embedding_model text
    );
    INSERT INTO corpus_settings DEFAULT VALUES;

    ALTER TABLE documents
      ADD COLUMN ts_config regconfig NOT NULL DEFAULT 'pg_catalog.simple',
      ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(ts_config, left(title, 500)), 'A') || setweight(to_tsvector(ts_config, left(content, 200000)), 'B')
      ) STORED;
    CREATE INDEX documents_tsv_idx ON documents USING gin (tsv);

    CREATE TABLE passages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      ordinal integer NOT NULL,
      heading text NOT NULL DEFAULT '',
      text text NOT NULL,
      ts_config regconfig NOT NULL DEFAULT 'pg_catalog.simple',
      tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(ts_config, left(heading, 500)), 'A') || setweight(to_tsvector(ts_config, text), 'B')
      ) STORED,
      embedding_model text,
      UNIQUE (document_id, ordinal)
    );
    CREATE INDEX passages_tsv_idx ON passages USING gin (tsv);

    DO $$
    DECLARE vector_schema text;
    BEGIN
      SELECT n.nspname INTO vector_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector';
      IF vector_schema IS NULL THEN
        ALTER TABLE passages ADD COLUMN embedding real[];
      ELSE
        EXECUTE format('ALTER TABLE passages ADD COLUMN embedding %I.vector', vector_schema);
      END IF;
    END $$;
    CREATE INDEX passages_unembedded_idx ON passages (document_id) WHERE embedding IS NULL;
  `,
};
