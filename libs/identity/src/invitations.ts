import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../audit/src/index.js';
import type { MemberRole } from '../../database/src/index.js';
import type { InvitationAcceptance, InvitationLookup } from './registration-policy.js';

/**
 * Pending invitations (public.invitations, written by the members routes of libs/tenancy):
 * REGISTRATION=invite lets an invited email register, and an invited email that registers
 * or logs in becomes a member of each tenant that invited it. Seats were reserved when the
 * invitation was made (pending invitations count towards max_members), so accepting never
 * checks the limit again.
 */
@Injectable()
export class PendingInvitations implements InvitationLookup, InvitationAcceptance {
  private readonly logger = new Logger(PendingInvitations.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async hasPendingInvitation(email: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM public.invitations WHERE lower(email) = lower($1) AND accepted_at IS NULL AND expires_at > now() LIMIT 1`,
      [email],
    )) as unknown[];
    return rows.length > 0;
  }

  async acceptFor(user: { id: string; email: string }): Promise<string[]> {
    const joined = await this.dataSource.transaction(async (m) => {
      const [accepted] = (await m.query(
        `UPDATE public.invitations SET accepted_at = now(), accepted_by = $2
          WHERE lower(email) = lower($1) AND accepted_at IS NULL AND expires_at > now()
          RETURNING id, tenant_id, role`,
        [user.email, user.id],
      )) as [Array<{ id: string; tenant_id: string; role: MemberRole }>, number];
      const tenants: string[] = [];
      for (const invitation of accepted) {
        const inserted = (await m.query(
          `INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING tenant_id`,
          [invitation.tenant_id, user.id, invitation.role],
        )) as unknown[];
        if (inserted.length === 0) continue; // already a member: the invitation is spent all the same
        tenants.push(invitation.tenant_id);
        await this.audit.record(
          {
            tenantId: invitation.tenant_id,
            action: 'member.added',
            target: { type: 'user', id: user.id },
            before: null,
            after: { role: invitation.role, email: user.email, invitation_id: invitation.id },
            actor: { type: 'user', id: user.id },
          },
          m,
        );
      }
      return tenants;
    });
    if (joined.length > 0) this.logger.log(`user ${user.id} accepted invitations into ${joined.length} tenant(s)`);
    return joined;
  }
}
