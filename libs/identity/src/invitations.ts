import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../audit/src/index.js';
import { AccessGrantsRepository } from './access-grants.repository.js';
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
    private readonly grants: AccessGrantsRepository,
    private readonly audit: AuditLog,
  ) {}

  hasPendingInvitation(email: string): Promise<boolean> {
    return this.grants.hasPendingInvitation(email);
  }

  async acceptFor(user: { id: string; email: string }): Promise<string[]> {
    const joined = await this.grants.transaction(async (m) => {
      const tenants: string[] = [];
      for (const invitation of await this.grants.acceptInvitations(m, user)) {
        // Already a member: the invitation is spent all the same.
        if (!(await this.grants.addMembership(m, invitation.tenant_id, user.id, invitation.role))) continue;
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
