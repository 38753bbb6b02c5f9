import { DomainError } from '../../common/src/index.js';

// The errors of the identity room with codes of their own (the catalogue clients and the CLI
// rely on); a bad or revoked credential is common's Unauthorized.

export class EmailTaken extends DomainError {
  constructor(email: string) {
    super('conflict', 'email_taken', `A user with email ${email} already exists`);
  }
}

export class RegistrationClosed extends DomainError {
  constructor() {
    super('forbidden', 'registration_closed', 'Registration is closed: an operator creates accounts');
  }
}

export class RegistrationInviteOnly extends DomainError {
  constructor() {
    super('forbidden', 'registration_invite_only', 'Registration needs an invitation: ask a member of your organisation to invite this email address');
  }
}

export class InvitationNotFound extends DomainError {
  constructor() {
    super('not_found', 'invitation_not_found', 'No pending invitation of your email address has this token (unknown, expired, revoked or already used)');
  }
}

export class UserOwnsTenants extends DomainError {
  constructor(email: string, slugs: readonly string[]) {
    super('conflict', 'user_owns_tenants', `${email} owns tenant(s) ${slugs.join(', ')}: delete them or give them another owner first`);
  }
}
