import { describe, expect, it } from 'vitest';
import { auditDiff, isSecretKey, redact } from './audit-diff.util.js';

describe('isSecretKey', () => {
  it.each(['secret', 'password', 'token', 'api_key', 'apiKey', 'client_secret', 'webhookSecret', 'access-token', 'PRIVATE_KEY', 'db.password', 'credentials'])(
    'treats %s as a secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each(['name', 'max_tokens', 'tokens_per_day', 'theme', 'keyboard', 'api', 'secretary_name'])('leaves %s alone', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('redact', () => {
  it('replaces secret-named keys at any depth, arrays included', () => {
    expect(redact({ a: 1, password: 'p', nested: { deep: [{ api_key: 'k', ok: 2 }] } })).toEqual({
      a: 1,
      password: '[redacted]',
      nested: { deep: [{ api_key: '[redacted]', ok: 2 }] },
    });
  });
});

describe('auditDiff', () => {
  it('keeps only changed keys, as dotted paths into objects present on both sides', () => {
    expect(auditDiff({ name: 'a', plan: 'starter', settings: { theme: 'dark', x: 1 } }, { name: 'b', plan: 'starter', settings: { theme: 'light', x: 1 } })).toEqual({
      name: { before: 'a', after: 'b' },
      'settings.theme': { before: 'dark', after: 'light' },
    });
  });

  it('shows a changed secret as changed, never its value, on both sides', () => {
    expect(auditDiff({ settings: { webhook: { client_secret: 'old' } } }, { settings: { webhook: { client_secret: 'new' } } })).toEqual({
      'settings.webhook.client_secret': { before: '[redacted]', after: '[redacted]' },
    });
    expect(auditDiff({ settings: {} }, { settings: { sso: { token: 't', url: 'u' } } })).toEqual({
      'settings.sso': { after: { token: '[redacted]', url: 'u' } },
    });
  });

  it('a create has only after values, a removal only before values; dates compare as JSON', () => {
    expect(auditDiff(null, { name: 'n', at: new Date(0) })).toEqual({ name: { after: 'n' }, at: { after: '1970-01-01T00:00:00.000Z' } });
    expect(auditDiff({ name: 'n' }, null)).toEqual({ name: { before: 'n' } });
    expect(auditDiff({ at: new Date(0) }, { at: new Date(0) })).toEqual({});
    expect(auditDiff({ at: new Date(0) }, { at: new Date(1) })).toEqual({ at: { before: '1970-01-01T00:00:00.000Z', after: '1970-01-01T00:00:00.001Z' } });
  });
});
