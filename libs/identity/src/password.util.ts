import { hash, verify } from '@node-rs/argon2';

// argon2id with the library defaults (OWASP's second recommended profile: m=19 MiB, t=2, p=1).
export const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against this keeps a login for an unknown email as slow as a wrong password.
const DUMMY_HASH = await hashPassword('tenantry-dummy-password');

/** False for a wrong password and for no hash at all (taking as long either way). */
export async function passwordMatches(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  const ok = await verify(passwordHash ?? DUMMY_HASH, password);
  return ok && Boolean(passwordHash);
}
