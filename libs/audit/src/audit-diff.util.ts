import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../../common/src/index.js';

export const REDACTED = '[redacted]';

/** Words that mark a key as holding a secret (the key split on `_`, `-`, `.`, spaces and camelCase). */
const SECRET_WORDS = new Set(['secret', 'secrets', 'password', 'passwd', 'passphrase', 'token', 'apikey', 'credential', 'credentials', 'privatekey']);

/** Whether a key names a secret: secret, password, token, api_key, client_secret, accessToken, private-key... */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter(Boolean);
  return words.some((w, i) => SECRET_WORDS.has(w) || ((w === 'api' || w === 'private') && words[i + 1] === 'key'));
}

/** The value with every secret-named key, at any depth, replaced by "[redacted]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : redact(v)]));
}

export interface Change {
  before?: unknown;
  after?: unknown;
}

/**
 * The keys that differ between two states, as dotted paths (`settings.theme`) to
 * `{before, after}` (a side absent when the key is absent there), recursing into objects
 * present on both sides; secrets redacted on both sides (a changed secret shows as changed,
 * never its value). `null` stands for "no such thing" (before a create, after a delete).
 */
export function auditDiff(before: unknown, after: unknown): Record<string, Change> {
  const out: Record<string, Change> = {};
  // As JSON: dates become the strings clients see, and compare by value.
  const json = (v: unknown): unknown => (v === null || v === undefined ? {} : JSON.parse(JSON.stringify(v)));
  walk(json(before), json(after), '', false, out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, secret: boolean, out: Record<string, Change>): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      walk(before[key], after[key], path ? `${path}.${key}` : key, secret || isSecretKey(key), out);
    }
    return;
  }
  const shown = (v: unknown): unknown => (v === undefined ? undefined : secret ? REDACTED : redact(v));
  const change: Change = {};
  if (before !== undefined) change.before = shown(before);
  if (after !== undefined) change.after = shown(after);
  out[path] = change;
}
