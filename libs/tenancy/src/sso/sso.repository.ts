import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { MemberRole } from '../../../database/src/index.js';

export interface SsoInvitation {
  id: string;
  role: MemberRole;
}

/**
 * The SQL of single sign-on: OpenID Connect identities (public.user_identities, global:
 * one issuer's subject is one person), the users SSO creates (no password) and the
 * invitations an SSO login of the inviting tenant accepts.
 */
@Injectable()
export class SsoRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The user this identity signed in as before (touching its last login), or null. */
  async userOfIdentity(m: EntityManager, issuer: string, subject: string): Promise<string | null> {
    const rows = (await m.query(
      `UPDATE public.user_identities SET last_login_at = now() WHERE issuer = $1 AND subject = $2 RETURNING user_id`,
      [issuer, subject],
    )) as [Array<{ user_id: string }>, number];
    return rows[0][0]?.user_id ?? null;
  }

  /** A user without a password (they sign in through their provider); null when the email is taken. */
  async createUser(m: EntityManager, email: string, name: string | null): Promise<string | null> {
    const rows = (await m.query(
      `INSERT INTO public.users (email, password_hash, name) VALUES ($1, NULL, $2) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
      [email, name],
    )) as Array<{ id: string }>;
    return rows[0]?.id ?? null;
  }

  /** False when another sign-in linked the identity first (the transaction then rolls back). */
  async linkIdentity(m: EntityManager, issuer: string, subject: string, userId: string): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO public.user_identities (issuer, subject, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id`,
      [issuer, subject, userId],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Marks the email's pending invitation into this tenant accepted by the user; answers it. */
  async acceptInvitation(m: EntityManager, tenantId: string, email: string, userId: string): Promise<SsoInvitation | null> {
    const [rows] = (await m.query(
      `UPDATE public.invitations SET accepted_at = now(), accepted_by = $3
        WHERE tenant_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND expires_at > now()
        RETURNING id, role`,
      [tenantId, email, userId],
    )) as [SsoInvitation[], number];
    return rows[0] ?? null;
  }
}
