import { Inject, Injectable } from '@nestjs/common';
import { RegistrationClosed, RegistrationInviteOnly } from './identity.errors.js';
import { AppConfig } from '../../config/src/index.js';

/** Port: whether an email holds a pending invitation (REGISTRATION=invite lets only those register). */
export interface InvitationLookup {
  hasPendingInvitation(email: string): Promise<boolean>;
}

/** The invitations of an email turn into memberships when it registers or logs in (libs/identity invitations.ts). */
export interface InvitationAcceptance {
  /** Accepts every pending invitation of the user's email; answers the tenants joined. */
  acceptFor(user: { id: string; email: string }): Promise<string[]>;
}

export const INVITATION_LOOKUP = Symbol('INVITATION_LOOKUP');

/** REGISTRATION=open|invite|closed: who may call POST /api/v1/auth/register. */
@Injectable()
export class RegistrationPolicy {
  constructor(
    private readonly config: AppConfig,
    @Inject(INVITATION_LOOKUP) private readonly invitations: InvitationLookup,
  ) {}

  async assertMayRegister(email: string): Promise<void> {
    const mode = this.config.registrationMode;
    if (mode === 'open') return;
    if (mode === 'invite') {
      if (await this.invitations.hasPendingInvitation(email)) return;
      throw new RegistrationInviteOnly();
    }
    throw new RegistrationClosed();
  }
}
