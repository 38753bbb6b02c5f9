import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key is `tnt_<prefix>_<secret>`: `prefix` (12 hex characters, stored and shown) finds
 * the key's row, `secret` (32 random bytes, base64url) is never stored. The row holds the
 * SHA-256 of the whole key: 256 bits of entropy need no slow hash.
 */
const KEY = /^tnt_(pk_)?([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * `secret`: an ordinary key. `widget`: a publishable key for the embeddable chat widget, spelled
 * `tnt_pk_<prefix>_<secret>` so that nobody mistakes it for a secret one (it sits in web pages).
 */
export type ApiKeyKind = 'secret' | 'widget';

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function generateApiKey(kind: ApiKeyKind = 'secret'): NewApiKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `tnt_${kind === 'widget' ? 'pk_' : ''}${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a well-formed key, else null (a JWT or anything else is not an API key). */
export function apiKeyPrefix(key: string): string | null {
  return KEY.exec(key)?.[2] ?? null;
}

/** The kind a well-formed key's spelling claims (its row must agree). */
export function apiKeyKind(key: string): ApiKeyKind {
  return key.startsWith('tnt_pk_') ? 'widget' : 'secret';
}

/** Whether `key` hashes to `hash`, compared in constant time. */
export function apiKeyMatches(key: string, hash: Buffer): boolean {
  const actual = hashApiKey(key);
  return actual.length === hash.length && timingSafeEqual(actual, hash);
}
