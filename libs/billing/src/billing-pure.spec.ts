import { describe, expect, it } from 'vitest';
import type { BillingTenant } from './billing.repository.js';
import { estimate, planOfLookupKey } from './price-catalogue.js';
import { meterIdentifier, StripeBilling } from './stripe-billing.service.js';
import { signatureHeader, verifySignature } from './webhook-signature.util.js';
import { stripeEndpoint } from './stripe.gateway.js';

const tenant = (id: string, parent: string | null, mode: 'consolidated' | 'separate' = 'consolidated'): BillingTenant => ({
  id,
  slug: id,
  name: id,
  plan: 'growth',
  parent_id: parent,
  status: 'active',
  billing_mode: mode,
  has_stripe_account: false,
});

describe('billing arithmetic', () => {
  it('bills a consolidated child to its nearest separate ancestor or the root', () => {
    const all = [tenant('root', null), tenant('mid', 'root', 'separate'), tenant('leaf', 'mid'), tenant('other', 'root')];
    const byId = new Map(all.map((t) => [t.id, t]));
    expect(StripeBilling.payerOf(byId.get('leaf')!, byId).id).toBe('mid');
    expect(StripeBilling.payerOf(byId.get('mid')!, byId).id).toBe('mid');
    expect(StripeBilling.payerOf(byId.get('other')!, byId).id).toBe('root');
    expect(StripeBilling.payerOf(byId.get('root')!, byId).id).toBe('root');
  });

  it('estimates the plan fee plus quantity times unit price, to the cent', () => {
    const e = estimate('growth', { api_call: 1000, message: 10, llm_token: 500_000, rag_query: 0, storage_mb: 0 });
    expect(e).toEqual({ currency: 'usd', plan_cents: 4900, usage_cents: { api_call: 10, message: 2, llm_token: 100, rag_query: 0, storage_mb: 0 }, total_cents: 5012 });
  });

  it('names identifiers and plan prices deterministically', () => {
    expect(meterIdentifier('t1', 'api_call', '2026-11-27', 2)).toBe('t1:api_call:2026-11-27:2');
    expect(planOfLookupKey('tenantry-plan-enterprise')).toBe('enterprise');
    expect(planOfLookupKey('tenantry-usage-api_call')).toBeUndefined();
    expect(planOfLookupKey(null)).toBeUndefined();
  });

  it('reads the SDK endpoint from STRIPE_API_BASE', () => {
    expect(stripeEndpoint('https://api.stripe.com')).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(stripeEndpoint('http://127.0.0.1:12111/')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
  });
});

describe('outgoing webhook signatures', () => {
  it('verifies its own signature and refuses another body, secret, or a stale timestamp', () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const header = signatureHeader('secret-abcdefghijkl', '{"a":1}', t);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('secret-abcdefghijkl', '{"a":1}', header, 300, now)).toBe(true);
    expect(verifySignature('secret-abcdefghijkl', '{"a":2}', header, 300, now)).toBe(false);
    expect(verifySignature('other-secret-abcdef', '{"a":1}', header, 300, now)).toBe(false);
    expect(verifySignature('secret-abcdefghijkl', '{"a":1}', header, 300, now + 3_600_000)).toBe(false);
    expect(verifySignature('secret-abcdefghijkl', '{"a":1}', 'garbage', 300, now)).toBe(false);
  });
});
