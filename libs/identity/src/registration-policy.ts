import { Inject, Injectable } from '@nestjs/common';
import { Forbidden } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';

/** Port: whether an email holds a pending invitation (REGISTRATION=invite lets only those register). */
export interface InvitationLookup {
  hasPendingInvitation(email: string): Promise<boolean>;
}

export const INVITATION_LOOKUP = Symbol('INVITATION_LOOKUP');

/** Until invitations exist nobody holds one, so `invite` refuses everyone (with its own code). */
@Injectable()
export class NoInvitations implements InvitationLookup {
  hasPendingInvitation(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

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
      throw new Forbidden('Registration needs an invitation: ask a member of your organisation to invite this email address', 'registration_invite_only');
    }
    throw new Forbidden('Registration is closed: an operator creates accounts', 'registration_closed');
  }
}
