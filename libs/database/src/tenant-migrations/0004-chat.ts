import type { TenantMigration } from './tenant-migration.js';

/**
 * Chat (issue 16): which provider and model a session and each reply used, total tokens, and a
 * message's metadata (guardrail records: redactions by kind). A session's metadata carries its
 * guardrail counters (refusals by rule, redactions). Sessions list newest first.
 */
export const m0004Chat: TenantMigration = {
  version: 4,
  name: 'chat',
  up: `
    ALTER TABLE chat_sessions
      ADD COLUMN provider text,
      ADD COLUMN model text;
    CREATE INDEX chat_sessions_created_at_idx ON chat_sessions (created_at DESC, id);

    ALTER TABLE chat_messages
      ADD COLUMN total_tokens integer,
      ADD COLUMN provider text,
      ADD COLUMN model text,
      ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;
  `,
};
