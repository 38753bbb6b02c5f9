import { Inject, Injectable } from '@nestjs/common';
import { RegistrationClosed, RegistrationInviteOnly } from './identity.errors.js';
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
      throw new RegistrationInviteOnly();
    }
    throw new RegistrationClosed();
  }
}
