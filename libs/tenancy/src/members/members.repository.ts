import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type MemberRole, queryPage } from '../../../database/src/index.js';

/** A membership as the API shows it, with the member's email and name. */
export interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: MemberRole;
  created_at: Date;
  updated_at: Date;
}

/** A pending invitation (an email without an account when it was invited). */
export interface InvitationRow {
  id: string;
  email: string;
  role: MemberRole;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
}

const INVITATION_COLUMNS = `id, email, role, invited_by, created_at, expires_at`;
const PENDING = `accepted_at IS NULL AND expires_at > now()`;

const MEMBER_COLUMNS = `m.user_id, u.email, u.name, m.role, m.created_at, m.updated_at`;

/**
 * Memberships of one tenant. Every change runs on the caller's transaction (with its audit
 * entry) after `lockTenant`: changes to one tenant's members are serialised, so the member
 * count (max_members) and the owner count (the last owner) cannot be raced past.
 */
@Injectable()
export class MembersRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  list(tenantId: string, skip: number, limit: number): Promise<{ rows: MemberRow[]; total: number }> {
    return queryPage<MemberRow>(this.dataSource, {
      columns: MEMBER_COLUMNS,
      from: 'FROM public.memberships m JOIN public.users u ON u.id = m.user_id WHERE m.tenant_id = $1',
      orderBy: 'm.created_at, m.user_id',
      params: [tenantId],
      skip,
      limit,
    });
  }

  /** Pending invitations of the tenant, oldest first (at most max_members of them: they hold seats). */
  async pendingInvitations(tenantId: string): Promise<InvitationRow[]> {
    return (await this.dataSource.query(
      `SELECT ${INVITATION_COLUMNS} FROM public.invitations WHERE tenant_id = $1 AND ${PENDING} ORDER BY created_at, id`,
      [tenantId],
    )) as InvitationRow[];
  }

  /**
   * Locks the tenant's row for the transaction; answers its max_members and its current
   * member, owner and pending invitation counts.
   */
  async lockTenant(
    m: EntityManager,
    tenantId: string,
  ): Promise<{ maxMembers: number; members: number; owners: number; invited: number; ownerId: string } | null> {
    const rows = (await m.query(`SELECT max_members, owner_id FROM public.tenants WHERE id = $1 FOR UPDATE`, [tenantId])) as Array<{
      max_members: number;
      owner_id: string;
    }>;
    if (!rows[0]) return null;
    const [counts] = (await m.query(
      `SELECT count(*)::int AS members, count(*) FILTER (WHERE role = 'owner')::int AS owners,
              (SELECT count(*)::int FROM public.invitations WHERE tenant_id = $1 AND ${PENDING}) AS invited
         FROM public.memberships WHERE tenant_id = $1`,
      [tenantId],
    )) as Array<{ members: number; owners: number; invited: number }>;
    return {
      maxMembers: rows[0].max_members,
      ownerId: rows[0].owner_id,
      members: counts?.members ?? 0,
      owners: counts?.owners ?? 0,
      invited: counts?.invited ?? 0,
    };
  }

  async find(m: EntityManager, tenantId: string, userId: string): Promise<MemberRow | null> {
    const rows = (await m.query(
      `SELECT ${MEMBER_COLUMNS} FROM public.memberships m JOIN public.users u ON u.id = m.user_id WHERE m.tenant_id = $1 AND m.user_id = $2`,
      [tenantId, userId],
    )) as MemberRow[];
    return rows[0] ?? null;
  }

  async userIdByEmail(m: EntityManager, email: string): Promise<string | null> {
    const rows = (await m.query(`SELECT id FROM public.users WHERE lower(email) = lower($1)`, [email])) as Array<{ id: string }>;
    return rows[0]?.id ?? null;
  }

  async pendingInvitation(m: EntityManager, tenantId: string, email: string): Promise<InvitationRow | null> {
    const rows = (await m.query(
      `SELECT ${INVITATION_COLUMNS} FROM public.invitations WHERE tenant_id = $1 AND lower(email) = lower($2) AND ${PENDING}`,
      [tenantId, email],
    )) as InvitationRow[];
    return rows[0] ?? null;
  }

  /** Invites the email (again: a pending invitation gets the new role and a fresh expiry; an expired one is replaced). */
  async invite(m: EntityManager, tenantId: string, email: string, role: MemberRole, invitedBy: string | null, ttlHours: number, tokenHash: Buffer): Promise<InvitationRow> {
    await m.query(`DELETE FROM public.invitations WHERE tenant_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND expires_at <= now()`, [
      tenantId,
      email,
    ]);
    const rows = (await m.query(
      `INSERT INTO public.invitations (tenant_id, email, role, invited_by, expires_at, token_hash)
       VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5), $6)
       ON CONFLICT (tenant_id, lower(email)) WHERE accepted_at IS NULL
       DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by, expires_at = EXCLUDED.expires_at, token_hash = EXCLUDED.token_hash
       RETURNING ${INVITATION_COLUMNS}`,
      [tenantId, email, role, invitedBy, ttlHours, tokenHash],
    )) as InvitationRow[];
    return rows[0]!;
  }

  /** Deletes the tenant's pending invitation; answers it (null: none such in this tenant). */
  async revokeInvitation(m: EntityManager, tenantId: string, id: string): Promise<InvitationRow | null> {
    const [rows] = (await m.query(
      `DELETE FROM public.invitations WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL RETURNING ${INVITATION_COLUMNS}`,
      [tenantId, id],
    )) as [InvitationRow[], number];
    return rows[0] ?? null;
  }

  /** null: already a member. */
  async insert(m: EntityManager, tenantId: string, userId: string, role: MemberRole): Promise<MemberRow | null> {
    const rows = (await m.query(
      `INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id`,
      [tenantId, userId, role],
    )) as unknown[];
    return rows.length > 0 ? this.find(m, tenantId, userId) : null;
  }

  async setRole(m: EntityManager, tenantId: string, userId: string, role: MemberRole): Promise<MemberRow | null> {
    await m.query(`UPDATE public.memberships SET role = $3, updated_at = now() WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId, role]);
    return this.find(m, tenantId, userId);
  }

  async delete(m: EntityManager, tenantId: string, userId: string): Promise<void> {
    await m.query(`DELETE FROM public.memberships WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  }

  /**
   * Keeps tenants.owner_id naming an owner: when the user it names is no longer one, the
   * longest-standing remaining owner (the last owner is never removed, so there is one).
   */
  async repointOwner(m: EntityManager, tenantId: string): Promise<void> {
    await m.query(
      `UPDATE public.tenants t SET owner_id = o.user_id, updated_at = now()
         FROM (SELECT user_id FROM public.memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY created_at, user_id LIMIT 1) o
        WHERE t.id = $1 AND NOT EXISTS (SELECT 1 FROM public.memberships WHERE tenant_id = $1 AND user_id = t.owner_id AND role = 'owner')`,
      [tenantId],
    );
  }

  async setOwnerId(m: EntityManager, tenantId: string, userId: string): Promise<void> {
    await m.query(`UPDATE public.tenants SET owner_id = $2, updated_at = now() WHERE id = $1`, [tenantId, userId]);
  }
}
