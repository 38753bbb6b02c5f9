import { describe, expect, it } from 'vitest';
import { MAX_SETTINGS_BYTES, settingsProblems } from './tenant-settings.util.js';

describe('settingsProblems', () => {
  it('accepts an empty object and free-form unknown keys', () => {
    expect(settingsProblems({})).toEqual([]);
    expect(settingsProblems({ anything: { nested: [1, 'two', null] }, colour: 'blue' })).toEqual([]);
  });

  it('accepts valid values for every known key', () => {
    expect(
      settingsProblems({
        allowed_providers: ['openai', 'anthropic'],
        default_model: 'gpt-4o-mini',
        max_tokens_per_request: 2000,
        custom_system_prompt: "You are Acme's internal assistant.",
        rate_limit_per_minute: 0,
        token_budget_monthly: 1_000_000,
        max_documents: 10,
        max_storage_mb: 512,
        max_concurrent_sessions: 5,
        max_child_tenants: 3,
        messages_per_month: 1000,
        feature_flags: { beta: true, chat: false },
        branding: { display_name: 'Acme', primary_color: '#ff0000' },
        custom_domains: ['chat.acme.com', 'acme.example.org'],
        sso: { issuer: 'https://idp.example.com' },
        billing_mode: 'separate',
      }),
    ).toEqual([]);
    expect(settingsProblems({ billing_mode: 'consolidated' })).toEqual([]);
  });

  it.each([null, [], ['a'], 'settings', 42, true, undefined])('rejects the non-object %j', (value) => {
    expect(settingsProblems(value)).toEqual([{ field: 'settings', message: 'settings must be a JSON object' }]);
  });

  it.each([
    ['max_tokens_per_request', -1],
    ['max_tokens_per_request', 0],
    ['max_tokens_per_request', 1.5],
    ['max_tokens_per_request', '2000'],
    ['rate_limit_per_minute', -1],
    ['token_budget_monthly', 'lots'],
    ['max_documents', null],
    ['allowed_providers', 'openai'],
    ['allowed_providers', [1]],
    ['allowed_providers', ['']],
    ['default_model', 42],
    ['custom_system_prompt', 'x'.repeat(20_001)],
    ['feature_flags', { a: 'yes' }],
    ['feature_flags', [true]],
    ['branding', { display_name: 1 }],
    ['custom_domains', ['Not A Host']],
    ['custom_domains', ['localhost']],
    ['sso', 'https://idp'],
    ['billing_mode', 'per-child'],
  ])('rejects %s = %j, naming the field', (key, value) => {
    const problems = settingsProblems({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe(`settings.${key}`);
    expect(problems[0]!.message).toMatch(/^must be /);
  });

  it('reports every bad key, not just the first', () => {
    const fields = settingsProblems({ max_tokens_per_request: -1, feature_flags: { a: 'yes' }, fine: 1 }).map((p) => p.field);
    expect(fields.sort()).toEqual(['settings.feature_flags', 'settings.max_tokens_per_request']);
  });

  it('limits the serialised size to 64 KiB', () => {
    expect(MAX_SETTINGS_BYTES).toBe(64 * 1024);
    const overhead = JSON.stringify({ blob: '' }).length;
    expect(settingsProblems({ blob: 'x'.repeat(MAX_SETTINGS_BYTES - overhead) })).toEqual([]);
    const tooBig = settingsProblems({ blob: 'x'.repeat(MAX_SETTINGS_BYTES - overhead + 1) });
    expect(tooBig).toHaveLength(1);
    expect(tooBig[0]!.field).toBe('settings');
    // Bytes, not characters: multi-byte text counts for what it weighs.
    expect(settingsProblems({ blob: 'é'.repeat(MAX_SETTINGS_BYTES / 2) })).toHaveLength(1);
  });
});

describe('settingsProblems: branding, webhooks, custom domains', () => {
  const hook = { url: 'https://hooks.example.com/x', events: ['tenant.suspended'], secret: 'a-secret-of-16-chars' };
  it('accepts valid branding, webhooks and domains', () => {
    expect(settingsProblems({ branding: { display_name: 'Acme', favicon_url: 'https://cdn.example.com/f.ico', font: "'Inter', sans-serif" }, webhooks: [hook], custom_domains: ['chat.acme.com'] }, { baseDomain: 'tenantry.test' })).toEqual([]);
    expect(settingsProblems({ webhooks: [{ ...hook, url: 'http://localhost:9000/x' }] }, { allowLoopbackWebhooks: true })).toEqual([]);
    expect(settingsProblems({ webhooks: [{ ...hook, secret: { $enc: 'sealed' } }] })).toEqual([]);
  });
  it.each([
    [{ branding: { primary_color: 'red' } }, 'settings.branding'],
    [{ branding: { email_from_name: 'a\nBcc: x' } }, 'settings.branding'],
    [{ branding: { extra: 'x' } }, 'settings.branding'],
    [{ webhooks: [{ ...hook, url: 'http://localhost:9000/x' }] }, 'settings.webhooks.0.url'],
    [{ webhooks: [{ ...hook, events: ['nope'] }] }, 'settings.webhooks.0.events'],
    [{ webhooks: [{ ...hook, secret: undefined }] }, 'settings.webhooks.0.secret'],
    [{ webhooks: Array.from({ length: 11 }, () => hook) }, 'settings.webhooks'],
    [{ custom_domains: ['a.tenantry.test'] }, 'settings.custom_domains'],
    [{ custom_domains: ['x.com', 'x.com'] }, 'settings.custom_domains'],
  ])('refuses %j', (settings, field) => {
    expect(settingsProblems(settings, { baseDomain: 'tenantry.test' }).map((p) => p.field)).toContain(field);
  });
});
