import { isPlainObject } from '../../../common/src/index.js';
import type { MemberRole } from '../../../database/src/index.js';

/** `settings.sso` once validated (the client secret is read from libs/secrets, sealed). */
export interface SsoSettings {
  issuer: string;
  client_id: string;
  allowed_domains: string[];
  default_role: Exclude<MemberRole, 'owner'>;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ROLES = ['admin', 'member', 'viewer'] as const;
const KEYS = new Set(['issuer', 'client_id', 'client_secret', 'allowed_domains', 'default_role']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An http issuer is accepted on loopback only (a test or a local provider); anything else must be https. */
export const isLoopbackUrl = (url: URL): boolean => LOOPBACK.has(url.hostname);

function issuerProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000) return 'sso.issuer must be an https URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'sso.issuer must be an https URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) return 'sso.issuer must be an https URL (http only on loopback)';
  if (url.search || url.hash || url.username || url.password) return 'sso.issuer must have no query, fragment or credentials';
  return null;
}

/**
 * The problem with a `settings.sso` value (after the secret was sealed), or null. Each field is
 * checked when present; an incomplete configuration may be stored (merge patches build it up)
 * but signs nobody in (ssoSettingsOf: null).
 */
export function ssoSettingsProblem(value: unknown, complete = false): { field: string; message: string } | null {
  const problem = (message: string) => ({ field: 'settings.sso', message });
  if (!isPlainObject(value)) return problem('must be an object {issuer, client_id, client_secret, allowed_domains, default_role?}');
  const unknown = Object.keys(value).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) return problem(`sso has unknown keys: ${unknown.slice(0, 5).join(', ')}`);
  const issuer = value.issuer === undefined && !complete ? null : issuerProblem(value.issuer);
  if (issuer) return problem(issuer);
  if ((value.client_id !== undefined || complete) && (typeof value.client_id !== 'string' || value.client_id.length < 1 || value.client_id.length > 255 || /\p{Cc}/u.test(value.client_id))) {
    return problem('sso.client_id must be a string of 1-255 printable characters');
  }
  if (value.client_secret === undefined && complete) return problem('sso.client_secret is required');
  const domains = value.allowed_domains;
  if ((domains !== undefined || complete) && (!Array.isArray(domains) || domains.length < 1 || domains.length > 100 || !domains.every((d) => typeof d === 'string' && DOMAIN.test(d)))) {
    return problem('sso.allowed_domains must be a list of 1-100 lowercase domain names');
  }
  if (value.default_role !== undefined && !ROLES.includes(value.default_role as (typeof ROLES)[number])) {
    return problem(`sso.default_role must be one of ${ROLES.join(', ')}`);
  }
  return null;
}

/** The tenant's SSO settings, or null when it has none (or they are not valid: never trusted half-way). */
export function ssoSettingsOf(settings: Record<string, unknown>): SsoSettings | null {
  const sso = settings.sso;
  if (!isPlainObject(sso) || ssoSettingsProblem(sso, true)) return null;
  return {
    issuer: sso.issuer as string,
    client_id: sso.client_id as string,
    allowed_domains: sso.allowed_domains as string[],
    default_role: (sso.default_role as SsoSettings['default_role'] | undefined) ?? 'member',
  };
}
