import { isPlainObject } from '../../../common/src/index.js';
import { ssoSettingsProblem } from '../sso/sso-settings.js';

export const MAX_SETTINGS_BYTES = 64 * 1024;

const nonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const str = (max: number) => (v: unknown): boolean => typeof v === 'string' && v.length <= max;
const stringList = (v: unknown): boolean => Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 253);
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
  branding: [(v) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string' && x.length <= 2000), 'an object of strings'],
  custom_domains: [(v) => stringList(v) && (v as string[]).every((h) => HOSTNAME.test(h)), 'a list of lowercase hostnames'],
  // sso is checked by ssoSettingsProblem, below. Secrets inside these (sso.client_secret, providers.<name>.api_key, stripe.account_token,
  // embeddings.api_key) are checked and sealed by libs/secrets before this runs.
  providers: [(v) => isPlainObject(v) && Object.values(v).every(isPlainObject), 'an object of provider objects ({"openai": {"api_key": ...}})'],
  stripe: [isPlainObject, 'an object'],
  embeddings: [isPlainObject, 'an object'],
  billing_mode: [(v) => v === 'consolidated' || v === 'separate', "'consolidated' or 'separate'"],
};

/** Problems with a complete settings object (after a merge patch), as `{field, message}`. */
export function settingsProblems(settings: unknown): Array<{ field: string; message: string }> {
  if (!isPlainObject(settings)) return [{ field: 'settings', message: 'settings must be a JSON object' }];
  const problems: Array<{ field: string; message: string }> = [];
  if (Buffer.byteLength(JSON.stringify(settings)) > MAX_SETTINGS_BYTES) {
    problems.push({ field: 'settings', message: `settings must be at most ${MAX_SETTINGS_BYTES} bytes of JSON` });
  }
  for (const [key, [check, expected]] of Object.entries(KNOWN)) {
    if (key in settings && !check(settings[key])) problems.push({ field: `settings.${key}`, message: `must be ${expected}` });
  }
  const sso = 'sso' in settings ? ssoSettingsProblem(settings.sso) : null;
  if (sso) problems.push(sso);
  return problems;
}
