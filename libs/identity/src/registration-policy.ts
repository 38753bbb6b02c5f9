import { Inject, Injectable } from '@nestjs/common';
import { RegistrationClosed, RegistrationInviteOnly } from './identity.errors.js';
import { AppConfig } from '../../config/src/index.js';

/** Port: whether a token is a pending invitation of an email (REGISTRATION=invite lets only those register). */
export interface InvitationLookup {
  hasPendingInvitation(email: string, token: string | undefined): Promise<boolean>;
}

export const INVITATION_LOOKUP = Symbol('INVITATION_LOOKUP');

/** REGISTRATION=open|invite|closed: who may call POST /api/v1/auth/register. */
@Injectable()
export class RegistrationPolicy {
  constructor(
    private readonly config: AppConfig,
    @Inject(INVITATION_LOOKUP) private readonly invitations: InvitationLookup,
  ) {}

  async assertMayRegister(email: string, invitationToken?: string): Promise<void> {
    const mode = this.config.registrationMode;
    if (mode === 'open') return;
    if (mode === 'invite') {
      if (await this.invitations.hasPendingInvitation(email, invitationToken)) return;
      throw new RegistrationInviteOnly();
    }
    throw new RegistrationClosed();
  }
}
