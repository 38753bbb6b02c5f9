import { createHash, randomBytes } from 'node:crypto';

/**
 * An invitation token is `inv_<32 random bytes, base64url>`, mailed once with the invitation;
 * the row keeps its SHA-256. Accepting needs it: registering an email proves nothing about it.
 */
export const INVITATION_TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;

export const hashInvitationToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function generateInvitationToken(): { token: string; hash: Buffer } {
  const token = `inv_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashInvitationToken(token) };
}
