import { isPlainObject } from '../../common/src/index.js';

/**
 * The settings that are secrets: stored encrypted (`{"$enc": envelope}`), answered as
 * `{"set": true}`, readable in plain text only through TenantSecrets.read. `*` is any key
 * (a provider's name).
 */
export const SECRET_PATHS: ReadonlyArray<readonly string[]> = [
  ['sso', 'client_secret'],
  ['providers', '*', 'api_key'],
  ['stripe', 'account_token'],
  ['embeddings', 'api_key'],
  // The Stripe Connect account a separately billed child is charged on, and the signing
  // secret of each outgoing webhook (`webhooks` is a list: `*` is its index).
  ['stripe_account'],
  ['webhooks', '*', 'secret'],
];

/** An object or a list: secrets live in both (a list's keys are its indexes). */
const isContainer = (node: unknown): node is Record<string, unknown> => isPlainObject(node) || Array.isArray(node);

/** How a secret is stored in settings. */
export interface SealedSecret {
  $enc: string;
}

/** What answers show instead of a stored secret. */
export const SECRET_SET = Object.freeze({ set: true as const });

export const MAX_SECRET_LENGTH = 8192;

export function isSealed(value: unknown): value is SealedSecret {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.$enc === 'string';
}

/** Every secret location present in `settings`, as its concrete path (`providers.openai.api_key`) and value. */
export function secretEntries(settings: unknown): Array<{ path: string[]; value: unknown }> {
  const found: Array<{ path: string[]; value: unknown }> = [];
  const walk = (node: unknown, pattern: readonly string[], at: string[]): void => {
    if (!isContainer(node)) return;
    const [head, ...rest] = pattern as [string, ...string[]];
    const keys = head === '*' ? Object.keys(node) : Object.hasOwn(node, head) ? [head] : [];
    for (const key of keys) {
      if (rest.length === 0) found.push({ path: [...at, key], value: node[key] });
      else walk(node[key], rest, [...at, key]);
    }
  };
  for (const pattern of SECRET_PATHS) walk(settings, pattern, []);
  return found;
}

/** Whether `path` (dotted or split) names a secret setting. */
export function isSecretPath(path: readonly string[]): boolean {
  return SECRET_PATHS.some((p) => p.length === path.length && p.every((part, i) => part === '*' || part === path[i]));
}

export function getPath(settings: unknown, path: readonly string[]): unknown {
  let node: unknown = settings;
  for (const key of path) {
    if (!isContainer(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** A copy of `settings` with `value` at `path` (the parents exist: the path came from secretEntries). */
export function withPath(settings: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  const next = rest.length === 0 ? value : withPath(settings[head] as Record<string, unknown>, rest, value);
  if (Array.isArray(settings)) {
    const copy: unknown[] = [...(settings as unknown[])];
    copy[Number(head)] = next;
    return copy as unknown as Record<string, unknown>;
  }
  return { ...settings, [head]: next };
}

/** Settings as answers show them: every stored secret is `{"set": true}`. Anything else at a secret path is shown as is. */
export function maskSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  let masked = settings;
  for (const { path, value } of secretEntries(settings)) {
    if (isSealed(value)) masked = withPath(masked, path, SECRET_SET);
  }
  return masked;
}
