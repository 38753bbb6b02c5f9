import { Injectable, Logger } from '@nestjs/common';
import type pg from 'pg';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import type { MemberRole } from '../../database/src/index.js';

/** An API key as its strategy needs it: the key's row and its creator's email. */
export interface PresentedKeyRow {
  id: string;
  tenant_id: string;
  tenant_scope: string;
  key_hash: Buffer;
  scopes: string[];
  created_by: string | null;
  email: string | null;
  /** When it stops working (null: never); `expired` is the same at the database's clock. */
  expires_at: Date | null;
  expired: boolean;
  revoked: boolean;
  kind: 'secret' | 'widget';
  /** The owning tenant's settings.widget.allowed_origins (widget keys only; else null). */
  allowed_origins: unknown;
}

export interface AcceptedInvitation {
  id: string;
  tenant_id: string;
  role: MemberRole;
}

const KEY_BY_PREFIX_NAME = 'tenantry_api_key_by_prefix';
const KEY_BY_PREFIX = `SELECT k.id, k.tenant_id, k.tenant_scope, k.key_hash, k.scopes, k.created_by, u.email, k.expires_at,
       (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired, k.revoked_at IS NOT NULL AS revoked, k.kind,
       CASE WHEN k.kind = 'widget' THEN (SELECT t.settings -> 'widget' -> 'allowed_origins' FROM public.tenants t WHERE t.id = k.tenant_id) END AS allowed_origins
  FROM public.api_keys k LEFT JOIN public.users u ON u.id = k.created_by
 WHERE k.prefix = $1`;

/**
 * The SQL identity runs on what grants a user access without a login of its own: API keys
 * (read by their visible prefix when a process first sees them) and pending invitations (accepted when their
 * email registers or logs in). The tables are written by libs/tenancy's routes.
 */
@Injectable()
export class AccessGrantsRepository {
  private readonly logger = new Logger(AccessGrantsRepository.name);

  /** False once a connection path proved not to keep prepared statements (see keyByPrefix). */
  private named = true;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * The key's row, read when a process first sees the key, when its cached row expired, and at
   * every use of a widget key (ApiKeyStrategy). A named prepared statement: each pooled connection
   * parses and plans it once, where a plain query was parsed, rewritten with the RLS policy of
   * api_keys and planned again on every read (several hundred microseconds of PostgreSQL CPU). PostgreSQL re-plans it by itself when the table
   * or the role changes. Behind a pooler that does not keep prepared statements per client
   * (PgBouncer in transaction mode before 1.21, or with max_prepared_statements = 0) the first
   * "does not exist" or "already exists" answer switches this process to the plain query for good.
   */
  async keyByPrefix(prefix: string): Promise<PresentedKeyRow | null> {
    if (this.named) {
      try {
        return await this.keyByPrefixNamed(prefix);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== '26000' && code !== '42P05') throw error;
        this.named = false;
        this.logger.warn(`prepared statements do not survive on this database connection path (${String(code)}): API keys are looked up with a plain query from now on`);
      }
    }
    const rows = (await this.dataSource.query(KEY_BY_PREFIX, [prefix])) as PresentedKeyRow[];
    return rows[0] ?? null;
  }

  private async keyByPrefixNamed(prefix: string): Promise<PresentedKeyRow | null> {
    const runner = this.dataSource.createQueryRunner();
    let failure: unknown;
    try {
      const connection = (await runner.connect()) as pg.ClientBase;
      const { rows } = await connection.query<PresentedKeyRow>({ name: KEY_BY_PREFIX_NAME, text: KEY_BY_PREFIX, values: [prefix] });
      return rows[0] ?? null;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // A connection that failed goes back destroyed (with it pg's record of what it prepared there).
      await (runner as QueryRunner & { releasePostgresConnection(err?: unknown): Promise<void> }).releasePostgresConnection(failure);
    }
  }

  /**
   * Asserts now, at the database's clock, that the key is neither revoked (nor gone) nor expired:
   * the same function a unit of work's opening carries (tenantry_assert_api_key), which throws
   * SQLSTATE TK401 naming which (apiKeyRefusalOr turns it into the 401).
   */
  async assertKeyAlive(id: string): Promise<void> {
    await this.dataSource.query(`SELECT public.tenantry_assert_api_key($1)`, [id]);
  }

  async markKeyUsed(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE public.api_keys SET last_used_at = now() WHERE id = $1`, [id]);
  }

  /** Whether the token is a pending invitation of the email. */
  async hasPendingInvitation(email: string, tokenHash: Buffer): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM public.invitations WHERE token_hash = $2 AND lower(email) = lower($1) AND accepted_at IS NULL AND expires_at > now()`,
      [email, tokenHash],
    )) as unknown[];
    return rows.length > 0;
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Marks the token's pending invitation accepted by the user, when it invited the user's email; answers it. */
  async acceptInvitation(m: EntityManager, user: { id: string; email: string }, tokenHash: Buffer): Promise<AcceptedInvitation | null> {
    const [accepted] = (await m.query(
      `UPDATE public.invitations SET accepted_at = now(), accepted_by = $2
        WHERE token_hash = $3 AND lower(email) = lower($1) AND accepted_at IS NULL AND expires_at > now()
        RETURNING id, tenant_id, role`,
      [user.email, user.id, tokenHash],
    )) as [AcceptedInvitation[], number];
    return accepted[0] ?? null;
  }

  /** False when the user was a member already. */
  async addMembership(m: EntityManager, tenantId: string, userId: string, role: MemberRole): Promise<boolean> {
    const inserted = (await m.query(
      `INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING tenant_id`,
      [tenantId, userId, role],
    )) as unknown[];
    return inserted.length > 0;
  }
}
