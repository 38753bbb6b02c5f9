import { Injectable } from '@nestjs/common';
import { queryPage, TenantDb } from '../../database/src/index.js';

export interface SessionRow {
  id: string;
  title: string | null;
  provider: string | null;
  model: string | null;
  metadata: Record<string, unknown>;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  id: string;
  session_id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  citations: Array<{ document_id: string }>;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  provider: string | null;
  model: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export type NewMessage = Omit<MessageRow, 'id' | 'created_at'>;

const SESSION_COLUMNS = 's.id, s.title, s.provider, s.model, s.metadata, s.created_by, s.created_at, s.updated_at';
const MESSAGE_COLUMNS = 'm.id, m.session_id, m.role, m.content, m.citations, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.provider, m.model, m.metadata, m.created_at';

/** Chat sessions and messages of the current tenant, always through the unit of work's manager. */
@Injectable()
export class ChatRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.tenantDb.manager.query(sql, params) as Promise<T[]>;
  }

  async createSession(s: { title: string | null; provider: string; model: string; createdBy: string | null }): Promise<SessionRow> {
    const [row] = await this.query<SessionRow>(
      `INSERT INTO chat_sessions AS s (title, provider, model, created_by) VALUES ($1, $2, $3, $4) RETURNING ${SESSION_COLUMNS}`,
      [s.title, s.provider, s.model, s.createdBy],
    );
    return row!;
  }

  listSessions(skip: number, limit: number): Promise<{ rows: SessionRow[]; total: number }> {
    return queryPage<SessionRow>(this.tenantDb.manager, { columns: SESSION_COLUMNS, from: 'FROM chat_sessions s', orderBy: 's.created_at DESC, s.id DESC', params: [], skip, limit });
  }

  /** The session, or null; `lock`: FOR UPDATE (a message being stored, against a concurrent delete). */
  async findSession(id: string, lock = false): Promise<SessionRow | null> {
    const [row] = await this.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM chat_sessions s WHERE s.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ?? null;
  }

  async deleteSession(id: string): Promise<boolean> {
    // (A bare DELETE ... RETURNING answers [rows, count] through TypeORM's query(); a CTE answers rows.)
    return (await this.query(`WITH d AS (DELETE FROM chat_sessions WHERE id = $1 RETURNING id) SELECT id FROM d`, [id])).length > 0;
  }

  listMessages(sessionId: string, skip: number, limit: number): Promise<{ rows: MessageRow[]; total: number }> {
    return queryPage<MessageRow>(this.tenantDb.manager, {
      columns: MESSAGE_COLUMNS,
      from: 'FROM chat_messages m WHERE m.session_id = $1',
      orderBy: 'm.created_at, m.id',
      params: [sessionId],
      skip,
      limit,
    });
  }

  /** The last `n` turns of a session, oldest first (the provider's conversation history). */
  async recentTurns(sessionId: string, n: number): Promise<Array<Pick<MessageRow, 'role' | 'content'>>> {
    const rows = await this.query<Pick<MessageRow, 'role' | 'content'>>(
      `SELECT role, content FROM (SELECT role, content, created_at, id FROM chat_messages WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2) t ORDER BY created_at, id`,
      [sessionId, n],
    );
    return rows;
  }

  /** Both messages of one exchange; the assistant's is stamped after the user's, so they list in order. */
  async insertExchange(user: NewMessage, assistant: NewMessage): Promise<[MessageRow, MessageRow]> {
    const cols = '(session_id, role, content, citations, prompt_tokens, completion_tokens, total_tokens, provider, model, metadata, created_at)';
    const values = (m: NewMessage) => [m.session_id, m.role, m.content, JSON.stringify(m.citations), m.prompt_tokens, m.completion_tokens, m.total_tokens, m.provider, m.model, JSON.stringify(m.metadata)];
    const rows = await this.query<MessageRow>(
      `INSERT INTO chat_messages AS m ${cols} VALUES
         ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10::jsonb, clock_timestamp()),
         ($11, $12, $13, $14::jsonb, $15, $16, $17, $18, $19, $20::jsonb, clock_timestamp() + interval '1 microsecond')
       RETURNING ${MESSAGE_COLUMNS}`,
      [...values(user), ...values(assistant)],
    );
    const byRole = (role: string) => rows.find((r) => r.role === role)!;
    return [byRole('user'), byRole('assistant')];
  }

  /** Touches the session and adds to its guardrail counters (`metadata.guardrails.{refusals, redactions}`). */
  async touchSession(id: string, add: { refusals: number; redactions: number }): Promise<void> {
    await this.query(
      `UPDATE chat_sessions SET updated_at = now(), metadata = jsonb_set(metadata, '{guardrails}', jsonb_build_object(
         'refusals', COALESCE((metadata #>> '{guardrails,refusals}')::int, 0) + $2,
         'redactions', COALESCE((metadata #>> '{guardrails,redactions}')::int, 0) + $3))
       WHERE id = $1`,
      [id, add.refusals, add.redactions],
    );
  }
}
