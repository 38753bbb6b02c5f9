import { isPlainObject } from '../../../common/src/index.js';

/**
 * The assistant's settings (API.md "Tenant settings"): `guardrails` and the providers' non-secret
 * fields. Tenancy validates them on every PATCH; libs/assistant reads them through the same parser,
 * so what was accepted is exactly what runs.
 *
 * Blocked rules are word patterns, never regular expressions: a tenant's regex runs on every
 * message of every user, and a backtracking one is a denial of service (`/a+a+b/` took 30 s on
 * 2,000 characters on our loaded machine). A rule is 1-10 words matched case-insensitively as whole
 * words (any run of whitespace between them, NFKC-normalised text); a word may end in `*`
 * (any ending: `weapon*` blocks "weapons"). Compiled, each rule is literal text anchored at a word
 * start, so matching is linear in the message.
 */
export interface GuardrailRule {
  /** The rule as the tenant wrote it: what a refusal names. */
  rule: string;
  matcher: RegExp;
}

export interface Guardrails {
  blocked: GuardrailRule[];
  redactPii: boolean;
}

export const MAX_GUARDRAIL_RULES = 100;
export const MAX_GUARDRAIL_RULE_CHARS = 200;
const MAX_RULE_WORDS = 10;
const WORD = /^[\p{L}\p{N}](?:[\p{L}\p{N}'.&-]*[\p{L}\p{N}])?\*?$/u;
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

type Problem = { field: string; message: string };

function compileRule(rule: string): RegExp | string {
  const words = rule.normalize('NFKC').trim().split(/\s+/u);
  if (rule.trim() === '' || words.length > MAX_RULE_WORDS) return `1-${MAX_RULE_WORDS} words`;
  const bad = words.find((w) => !WORD.test(w));
  if (bad !== undefined) return `words of letters and digits (inner ' . & - allowed, * only at a word's end); not '${bad.slice(0, 40)}'`;
  const body = words.map((w) => (w.endsWith('*') ? `${escapeRegExp(w.slice(0, -1))}[\\p{L}\\p{N}]*` : escapeRegExp(w))).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'iu');
}

/** `settings.guardrails` parsed, or the problems that make it invalid. Absent: no rules, no redaction. */
export function parseGuardrails(value: unknown): { guardrails: Guardrails; problems: Problem[] } {
  const guardrails: Guardrails = { blocked: [], redactPii: false };
  if (value === undefined || value === null) return { guardrails, problems: [] };
  if (!isPlainObject(value)) return { guardrails, problems: [{ field: 'settings.guardrails', message: 'must be an object {blocked: [word patterns], redact_pii: boolean}' }] };
  const problems: Problem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'blocked' && key !== 'redact_pii') problems.push({ field: `settings.guardrails.${key}`, message: 'is not a guardrails setting (blocked, redact_pii)' });
  }
  if (value.redact_pii !== undefined && typeof value.redact_pii !== 'boolean') problems.push({ field: 'settings.guardrails.redact_pii', message: 'must be a boolean' });
  guardrails.redactPii = value.redact_pii === true;
  const blocked = value.blocked ?? [];
  if (!Array.isArray(blocked) || blocked.length > MAX_GUARDRAIL_RULES) {
    problems.push({ field: 'settings.guardrails.blocked', message: `must be a list of at most ${MAX_GUARDRAIL_RULES} word patterns` });
    return { guardrails, problems };
  }
  blocked.forEach((rule: unknown, i) => {
    const field = `settings.guardrails.blocked[${i}]`;
    if (typeof rule !== 'string' || rule.length > MAX_GUARDRAIL_RULE_CHARS) {
      problems.push({ field, message: `must be a string of at most ${MAX_GUARDRAIL_RULE_CHARS} characters` });
      return;
    }
    const compiled = compileRule(rule);
    if (typeof compiled === 'string') problems.push({ field, message: `must be ${compiled}` });
    else guardrails.blocked.push({ rule, matcher: compiled });
  });
  return { guardrails, problems };
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,49}$/;

/** `settings.providers.<name>`: `base_url` (http or https), `timeout_ms`; `api_key` is a secret checked by libs/secrets. */
export function providerSettingsProblems(providers: unknown): Problem[] {
  if (!isPlainObject(providers)) return [];
  const problems: Problem[] = [];
  for (const [name, config] of Object.entries(providers)) {
    const at = `settings.providers.${name}`;
    if (!PROVIDER_NAME.test(name)) problems.push({ field: at, message: 'provider names are 1-50 of a-z, 0-9, _ and -' });
    if (!isPlainObject(config)) continue;
    if (config.base_url !== undefined && !isHttpUrl(config.base_url)) problems.push({ field: `${at}.base_url`, message: 'must be an http(s) URL of at most 2000 characters' });
    if (config.timeout_ms !== undefined && !(Number.isInteger(config.timeout_ms) && (config.timeout_ms as number) >= 100 && (config.timeout_ms as number) <= 600_000)) {
      problems.push({ field: `${at}.timeout_ms`, message: 'must be an integer from 100 to 600000' });
    }
  }
  return problems;
}

/** `allowed_providers`: provider names. */
export function allowedProvidersProblems(value: unknown): Problem[] {
  // Not a list of non-empty strings: the shape check of tenant-settings.util already names it.
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) return [];
  return value.some((v) => !PROVIDER_NAME.test(v as string))
    ? [{ field: 'settings.allowed_providers', message: 'must list provider names (1-50 of a-z, 0-9, _ and -)' }]
    : [];
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
