import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../audit/src/index.js';
import { AccessGrantsRepository } from './access-grants.repository.js';
import { InvitationNotFound } from './identity.errors.js';
import { UserEvents } from './user-events.js';
import { hashInvitationToken, INVITATION_TOKEN } from './invitation-token.util.js';
import type { InvitationLookup } from './registration-policy.js';

/**
 * Pending invitations (public.invitations, written by the members routes of libs/tenancy).
 * Accepting one needs its token (mailed to the invited address, stored hashed, single use):
 * registering or signing in as the email proves nothing (registration does not verify it),
 * so the token goes with register/login (`invitation_token`) or POST /api/v1/auth/invitations/accept,
 * and the user's email must be the invited one. REGISTRATION=invite lets an email register
 * with its token. Seats were reserved when the invitation was made (pending invitations
 * count towards max_members), so accepting never checks the limit again. (An SSO login of
 * the inviting tenant accepts too: libs/tenancy sso.)
 */
@Injectable()
export class PendingInvitations implements InvitationLookup {
  private readonly logger = new Logger(PendingInvitations.name);

  constructor(
    private readonly grants: AccessGrantsRepository,
    private readonly audit: AuditLog,
    private readonly events: UserEvents,
  ) {}

  async hasPendingInvitation(email: string, token: string | undefined): Promise<boolean> {
    return token !== undefined && INVITATION_TOKEN.test(token) && (await this.grants.hasPendingInvitation(email, hashInvitationToken(token)));
  }

  /** Accepts the token's invitation for the user (404 invitation_not_found: unknown, spent, expired or another email's). */
  async accept(user: { id: string; email: string }, token: string): Promise<{ tenant_id: string; role: string }> {
    if (!INVITATION_TOKEN.test(token)) throw new InvitationNotFound();
    const joined = await this.grants.transaction(async (m) => {
      const invitation = await this.grants.acceptInvitation(m, user, hashInvitationToken(token));
      if (!invitation) throw new InvitationNotFound();
      // Already a member: the invitation is spent all the same.
      if (await this.grants.addMembership(m, invitation.tenant_id, user.id, invitation.role)) {
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
      return { tenant_id: invitation.tenant_id, role: invitation.role };
    });
    this.logger.log(`user ${user.id} accepted an invitation into tenant ${joined.tenant_id}`);
    // After the commit: every API process drops the user's cached roles (a 'no role' cached before).
    await this.events.changed({ id: user.id });
    return joined;
  }
}
