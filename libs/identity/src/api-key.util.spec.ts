import { describe, expect, it } from 'vitest';
import { apiKeyKind, apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key.util.js';

describe('API key format', () => {
  it('generates tnt_<prefix>_<secret> keys whose prefix parses back and whose hash matches only themselves', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^tnt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(apiKeyMatches(a.key, a.hash)).toBe(true);
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
    expect(a.prefix).not.toBe(b.prefix);
  });

  it('rejects anything else (a JWT, a truncated key)', () => {
    expect(apiKeyPrefix('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBeNull();
    expect(apiKeyPrefix(generateApiKey().key.slice(0, -1))).toBeNull();
  });

  it('spells widget keys tnt_pk_<prefix>_<secret>; the spelling names the kind', () => {
    const w = generateApiKey('widget');
    expect(w.key).toMatch(/^tnt_pk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefix(w.key)).toBe(w.prefix);
    expect(apiKeyKind(w.key)).toBe('widget');
    expect(apiKeyKind(generateApiKey().key)).toBe('secret');
    expect(apiKeyPrefix(w.key.replace('tnt_pk_', 'tnt_pk_pk_'))).toBeNull();
  });
});
