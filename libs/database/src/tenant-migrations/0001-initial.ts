import type { TenantMigration } from './tenant-migration.js';

/** The tenant's own tables. Never names a schema: it runs with search_path set to the tenant. */
export const m0001Initial: TenantMigration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL,
      content text NOT NULL DEFAULT '',
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX documents_created_at_idx ON documents (created_at DESC, id);

    CREATE TABLE chat_sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE chat_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      session_id uuid NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
      content text NOT NULL,
      citations jsonb NOT NULL DEFAULT '[]'::jsonb,
      prompt_tokens integer,
      completion_tokens integer,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX chat_messages_session_idx ON chat_messages (session_id, created_at);

    CREATE TABLE fine_tune_jobs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      base_model text NOT NULL,
      params jsonb NOT NULL DEFAULT '{}'::jsonb,
      result jsonb,
      error text,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
  `,
};
