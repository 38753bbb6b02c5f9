import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
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

/**
 * The SQL identity runs on what grants a user access without a login of its own: API keys
 * (read by their visible prefix at every use) and pending invitations (accepted when their
 * email registers or logs in). The tables are written by libs/tenancy's routes.
 */
@Injectable()
export class AccessGrantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async keyByPrefix(prefix: string): Promise<PresentedKeyRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT k.id, k.tenant_id, k.tenant_scope, k.key_hash, k.scopes, k.created_by, u.email,
              (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired, k.revoked_at IS NOT NULL AS revoked, k.kind,
              CASE WHEN k.kind = 'widget' THEN (SELECT t.settings -> 'widget' -> 'allowed_origins' FROM public.tenants t WHERE t.id = k.tenant_id) END AS allowed_origins
         FROM public.api_keys k LEFT JOIN public.users u ON u.id = k.created_by
        WHERE k.prefix = $1`,
      [prefix],
    )) as PresentedKeyRow[];
    return rows[0] ?? null;
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
