import { isDeepStrictEqual } from 'node:util';
import { isPlainObject, outboundUrlProblem } from '../../../common/src/index.js';
import { TENANT_EVENT_TYPES } from '../../../jobs/src/index.js';
import { allowedProvidersProblems, parseGuardrails, providerSettingsProblems } from './assistant-settings.util.js';
import { ssoSettingsProblem } from '../sso/sso-settings.js';

export const MAX_SETTINGS_BYTES = 64 * 1024;

const nonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const str = (max: number) => (v: unknown): boolean => typeof v === 'string' && v.length <= max;
const stringList = (v: unknown): boolean => Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 253);
const httpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string' || v.length > 2000) return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Known settings keys and what their values must be; any other key is free-form. */
const KNOWN: Record<string, [(v: unknown) => boolean, string]> = {
  allowed_providers: [stringList, 'a list of provider names'],
  default_model: [str(200), 'a string'],
  max_tokens_per_request: [positiveInt, 'a positive integer'],
  custom_system_prompt: [str(20_000), 'a string of at most 20000 characters'],
  rate_limit_per_minute: [nonNegativeInt, 'a non-negative integer'],
  token_budget_monthly: [nonNegativeInt, 'a non-negative integer'],
  max_documents: [nonNegativeInt, 'a non-negative integer'],
  max_storage_mb: [nonNegativeInt, 'a non-negative integer'],
  max_concurrent_sessions: [nonNegativeInt, 'a non-negative integer'],
  max_child_tenants: [nonNegativeInt, 'a non-negative integer'],
  messages_per_month: [nonNegativeInt, 'a non-negative integer'],
  feature_flags: [(v) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'boolean'), 'an object of booleans'],
  // branding: see BRANDING below.
  custom_domains: [(v) => stringList(v) && (v as string[]).every((h) => HOSTNAME.test(h)) && new Set(v as string[]).size === (v as string[]).length, 'a list of distinct hostnames'],
  // Secrets inside these (sso.client_secret, providers.<name>.api_key, stripe.account_token,
  // embeddings.api_key) are checked and sealed by libs/secrets before this runs.
  providers: [(v) => isPlainObject(v) && Object.values(v).every(isPlainObject), 'an object of provider objects ({"openai": {"api_key": ...}})'],
  stripe: [isPlainObject, 'an object'],
  // A secret setting: checked as given (a string), then stored sealed ({"$enc": ...}).
  stripe_account: [(v) => (typeof v === 'string' && /^acct_[A-Za-z0-9_]{1,64}$/.test(v)) || isPlainObject(v), 'a Stripe Connect account id (acct_...)'],
  embeddings: [
    (v) => isPlainObject(v) && httpUrl(v.base_url) && typeof v.model === 'string' && v.model.length > 0 && v.model.length <= 200,
    'an object with base_url (an http(s) URL) and model (a string), and api_key',
  ],
  // A name of pg_ts_config in pg_catalog (checked against the database by TenantsService).
  search_language: [(v) => typeof v === 'string' && /^[a-z][a-z_]{0,62}$/.test(v), 'a text search configuration name, e.g. simple or english'],
  billing_mode: [(v) => v === 'consolidated' || v === 'separate', "'consolidated' or 'separate'"],
  guardrails: [isPlainObject, 'an object {blocked: [word patterns], redact_pii: boolean}'],
};

/** seed 001's white-label fields; each optional, no others. */
// eslint-disable-next-line no-control-regex -- control characters are what these refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
const BRANDING: Record<string, (v: string) => boolean> = {
  // Shown as text (escaped where it lands in HTML), so any printable character.
  display_name: (v) => v.length >= 1 && v.length <= 100 && !CONTROL.test(v),
  logo_url: (v) => outboundUrlProblem(v, false) === undefined,
  favicon_url: (v) => outboundUrlProblem(v, false) === undefined,
  primary_color: (v) => /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v),
  font: (v) => /^[A-Za-z0-9 ,'-]{1,100}$/.test(v),
  // A display name in a From header: no line breaks, quotes or angle brackets (header injection).
  email_from_name: (v) => v.length >= 1 && v.length <= 100 && !CONTROL.test(v) && !/["<>\\]/.test(v),
};
const BRANDING_EXPECTED: Record<string, string> = {
  display_name: 'a name of 1-100 characters',
  logo_url: 'an https URL',
  favicon_url: 'an https URL',
  primary_color: 'a hex colour (#rgb or #rrggbb)',
  font: 'a font family (letters, digits, spaces, commas, quotes, hyphens; at most 100)',
  email_from_name: 'a name of 1-100 characters without quotes, angle brackets or line breaks',
};

export const MAX_WEBHOOKS = 10;

export interface SettingsContext {
  /** Outgoing webhooks may target loopback (http://localhost) outside production. */
  allowLoopbackWebhooks?: boolean;
  /** Custom domains may not be BASE_DOMAIN or under it (those are the tenants' subdomains). */
  baseDomain?: string;
}

function brandingProblems(v: unknown): Array<{ field: string; message: string }> {
  const field = 'settings.branding';
  if (!isPlainObject(v)) return [{ field, message: `must be an object of ${Object.keys(BRANDING).join(', ')}` }];
  return Object.entries(v).flatMap(([key, value]) => {
    const check = BRANDING[key];
    if (!check) return [{ field, message: `must be an object of ${Object.keys(BRANDING).join(', ')} ('${key.slice(0, 64)}' is none of them)` }];
    return typeof value === 'string' && check(value) ? [] : [{ field, message: `must be an object whose ${key} is ${BRANDING_EXPECTED[key]}` }];
  });
}

function webhookProblems(v: unknown, allowLoopback: boolean): Array<{ field: string; message: string }> {
  if (!Array.isArray(v) || v.length > MAX_WEBHOOKS) return [{ field: 'settings.webhooks', message: `must be a list of at most ${MAX_WEBHOOKS} {url, events, secret}` }];
  return v.flatMap((hook: unknown, i) => {
    const at = `settings.webhooks.${i}`;
    if (!isPlainObject(hook)) return [{ field: at, message: 'must be an object {url, events, secret}' }];
    const problems: Array<{ field: string; message: string }> = [];
    const unknown = Object.keys(hook).filter((k) => !['url', 'events', 'secret'].includes(k));
    if (unknown.length > 0) problems.push({ field: at, message: `unknown keys: ${unknown.join(', ')}` });
    const urlProblem = outboundUrlProblem(hook.url, allowLoopback);
    if (urlProblem) problems.push({ field: `${at}.url`, message: urlProblem });
    const events = hook.events;
    if (!Array.isArray(events) || events.length === 0 || !events.every((e) => (TENANT_EVENT_TYPES as readonly unknown[]).includes(e)) || new Set(events).size !== events.length) {
      problems.push({ field: `${at}.events`, message: `must be a non-empty list of distinct events from ${TENANT_EVENT_TYPES.join(', ')}` });
    }
    // A string here is sealed by libs/secrets before it is stored; stored, it is {"$enc": ...}.
    if (hook.secret === undefined || hook.secret === null) problems.push({ field: `${at}.secret`, message: 'is required (the key deliveries are signed with)' });
    else if (typeof hook.secret === 'string' && hook.secret.length < 16) problems.push({ field: `${at}.secret`, message: 'must be at least 16 characters' });
    return problems;
  });
}

function domainProblems(v: unknown, baseDomain: string | undefined): Array<{ field: string; message: string }> {
  if (!Array.isArray(v) || baseDomain === undefined) return [];
  const base = baseDomain.toLowerCase();
  return (v as unknown[])
    .filter((d): d is string => typeof d === 'string' && (d === base || d.endsWith(`.${base}`)))
    .map((d) => ({ field: 'settings.custom_domains', message: `'${d}' is under BASE_DOMAIN (${base}): tenants have their subdomain there already` }));
}

/** custom_domains as stored: lower case (hostnames are case-insensitive). */
export function normalizeSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const domains = settings.custom_domains;
  if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) return settings;
  return { ...settings, custom_domains: (domains as string[]).map((d) => d.toLowerCase().replace(/\.$/, '')) };
}

/** Problems with a complete settings object (after a merge patch), as `{field, message}`. */
export function settingsProblems(settings: unknown, context: SettingsContext = {}): Array<{ field: string; message: string }> {
  if (!isPlainObject(settings)) return [{ field: 'settings', message: 'settings must be a JSON object' }];
  const problems: Array<{ field: string; message: string }> = [];
  if (Buffer.byteLength(JSON.stringify(settings)) > MAX_SETTINGS_BYTES) {
    problems.push({ field: 'settings', message: `settings must be at most ${MAX_SETTINGS_BYTES} bytes of JSON` });
  }
  for (const [key, [check, expected]] of Object.entries(KNOWN)) {
    if (key in settings && !check(settings[key])) problems.push({ field: `settings.${key}`, message: `must be ${expected}` });
  }
  if ('branding' in settings) problems.push(...brandingProblems(settings.branding));
  if ('webhooks' in settings) problems.push(...webhookProblems(settings.webhooks, context.allowLoopbackWebhooks ?? false));
  problems.push(...domainProblems(settings.custom_domains, context.baseDomain));
  // The assistant's keys, deeper than their shape (assistant-settings.util.ts).
  if (isPlainObject(settings.guardrails)) problems.push(...parseGuardrails(settings.guardrails).problems);
  problems.push(...providerSettingsProblems(settings.providers), ...allowedProvidersProblems(settings.allowed_providers));
  const sso = 'sso' in settings ? ssoSettingsProblem(settings.sso) : null;
  if (sso) problems.push(sso);
  return problems;
}

/** Settings the corpus index follows: a change of one of them re-indexes (the worker's sync-corpus-index job). */
export function corpusIndexSettingsChanged(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  return !isDeepStrictEqual(before.search_language, after.search_language) || !isDeepStrictEqual(before.embeddings, after.embeddings);
}
