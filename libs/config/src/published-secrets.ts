/**
 * JWT secrets that anyone can read: every value this repository ever printed (compose's old
 * default, the test and bench secrets) and the usual placeholders. Production refuses them,
 * since whoever knows the secret can mint a token for any user.
 */
export const PUBLISHED_JWT_SECRETS: ReadonlySet<string> = new Set([
  'insecure-dev-jwt-secret-change-me-before-production',
  'tenantry-test-jwt-secret-0123456789-abcdefghijklmnop',
  'tenantry-bench-jwt-secret-0123456789-abcdefghijklmnop',
  'route-audit-secret-0123456789-abcdefghijklmnop',
  'changeme',
  'change-me',
  'secret',
  'jwt-secret',
  'your-secret-key',
  'your-256-bit-secret',
  'supersecret',
]);

/** Fewer distinct characters than this is a typed pattern (`xxxx...`, `abcabc...`), not a random secret. */
export const MIN_DISTINCT_SECRET_CHARS = 10;

/** Why `secret` must not sign production tokens, or undefined when it may. */
export function weakJwtSecretReason(secret: string): string | undefined {
  if (secret.length < 32) return 'it is shorter than 32 characters';
  if (PUBLISHED_JWT_SECRETS.has(secret) || PUBLISHED_JWT_SECRETS.has(secret.toLowerCase())) return 'it is published (an example or default value)';
  if (new Set(secret).size < MIN_DISTINCT_SECRET_CHARS) return `it has fewer than ${MIN_DISTINCT_SECRET_CHARS} distinct characters`;
  return undefined;
}
