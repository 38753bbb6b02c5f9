import { describe, expect, it } from 'vitest';
import { isSecretPath, maskSecrets, secretEntries } from './secret-paths.js';

const sealed = { $enc: 'tnk1.v1.x.y' };

describe('secret settings paths', () => {
  it('finds every secret, with a provider name for the wildcard, and nothing else', () => {
    const settings = {
      sso: { issuer: 'https://idp', client_secret: sealed },
      providers: { openai: { api_key: 'plain', model: 'm' }, anthropic: { base_url: 'u' }, broken: 'x' },
      stripe: { account_token: null },
      embeddings: 'not an object',
      branding: { api_key: 'not a secret path' },
    };
    expect(secretEntries(settings).map((e) => e.path.join('.'))).toEqual(['sso.client_secret', 'providers.openai.api_key', 'stripe.account_token']);
    expect(isSecretPath(['providers', 'any-name', 'api_key'])).toBe(true);
    expect(isSecretPath(['providers', 'api_key'])).toBe(false);
    expect(isSecretPath(['branding', 'api_key'])).toBe(false);
  });

  it('answers a stored secret as {"set": true}, leaving everything else (and the input) as it was', () => {
    const settings = { sso: { client_id: 'c', client_secret: sealed }, providers: { openai: { api_key: sealed } }, feature_flags: { a: true } };
    const copy = structuredClone(settings);
    expect(maskSecrets(settings)).toEqual({ sso: { client_id: 'c', client_secret: { set: true } }, providers: { openai: { api_key: { set: true } } }, feature_flags: { a: true } });
    expect(settings).toEqual(copy);
  });
});

describe('secrets inside lists (webhooks)', () => {
  it('finds each webhook secret by index, masks it, and keeps the list a list', () => {
    const settings = { webhooks: [{ url: 'https://a.example.com', secret: sealed }, { url: 'https://b.example.com', secret: 'plain' }], stripe_account: sealed };
    expect(secretEntries(settings).map((e) => e.path.join('.'))).toEqual(['stripe_account', 'webhooks.0.secret', 'webhooks.1.secret']);
    expect(isSecretPath(['webhooks', '3', 'secret'])).toBe(true);
    const masked = maskSecrets(settings);
    expect(Array.isArray(masked.webhooks)).toBe(true);
    expect(masked).toEqual({ webhooks: [{ url: 'https://a.example.com', secret: { set: true } }, { url: 'https://b.example.com', secret: 'plain' }], stripe_account: { set: true } });
  });
});
