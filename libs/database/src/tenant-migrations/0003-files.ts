import type { TenantMigration } from './tenant-migration.js';

/**
 * Uploads (the stored original of a document), applied corpus templates, and the fine-tune
 * pipeline's states and bookkeeping. Version 2 on this branch; numbered after the search
 * migration when the branches meet (versions stay consecutive).
 */
export const m0003Files: TenantMigration = {
  version: 3,
  name: 'files',
  up: `
    CREATE TABLE files (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      document_id uuid REFERENCES documents (id) ON DELETE SET NULL,
      name text NOT NULL,
      mime text NOT NULL,
      size bigint NOT NULL CHECK (size >= 0),
      sha256 text NOT NULL,
      storage_key text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX files_document_idx ON files (document_id);
    CREATE INDEX files_created_at_idx ON files (created_at DESC, id);

    CREATE TABLE applied_templates (
      template_id uuid NOT NULL,
      version integer NOT NULL,
      document_count integer NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (template_id, version)
    );

    ALTER TABLE fine_tune_jobs DROP CONSTRAINT fine_tune_jobs_status_check;
    ALTER TABLE fine_tune_jobs
      ADD CONSTRAINT fine_tune_jobs_status_check
        CHECK (status IN ('queued', 'preparing', 'running', 'succeeded', 'failed', 'cancelled')),
      ADD COLUMN source text NOT NULL DEFAULT 'documents' CHECK (source IN ('documents', 'conversations')),
      ADD COLUMN provider text NOT NULL DEFAULT 'export' CHECK (provider IN ('export', 'openai')),
      ADD COLUMN dataset_key text,
      ADD COLUMN dataset_rows integer,
      ADD COLUMN dataset_bytes bigint,
      ADD COLUMN provider_file_id text,
      ADD COLUMN provider_job_id text,
      ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
      ADD COLUMN started_at timestamptz;
    CREATE INDEX fine_tune_jobs_created_at_idx ON fine_tune_jobs (created_at DESC, id);
  `,
};
