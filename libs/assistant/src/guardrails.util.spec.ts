import { describe, expect, it } from 'vitest';
import { parseGuardrails } from '../../tenancy/src/index.js';
import { blockedBy, luhnValid, redactPii, StreamingRedactor } from './guardrails.util.js';

describe('guardrails', () => {
  it('blocks whole words case-insensitively, with * endings, and never inside a word', () => {
    const { guardrails, problems } = parseGuardrails({ blocked: ['crypto wallet', 'weapon*'], redact_pii: true });
    expect(problems).toEqual([]);
    expect(blockedBy(guardrails, 'how do I open a Crypto   Wallet?')).toBe('crypto wallet');
    expect(blockedBy(guardrails, 'selling WEAPONS here')).toBe('weapon*');
    expect(blockedBy(guardrails, 'cryptowallet or noweapon')).toBeUndefined();
    expect(blockedBy(guardrails, 'ｗｅａｐｏｎ')).toBe('weapon*'); // fullwidth, NFKC-normalised
  });

  it('refuses regular expressions and other shapes', () => {
    expect(parseGuardrails({ blocked: ['(a+)+$'] }).problems).toHaveLength(1);
    expect(parseGuardrails({ blocked: ['a*b'] }).problems).toHaveLength(1);
    expect(parseGuardrails({ blocked: [''] }).problems).toHaveLength(1);
    expect(parseGuardrails({ blocked: 'x' }).problems).toHaveLength(1);
    expect(parseGuardrails({ redact_pii: 'yes' }).problems).toHaveLength(1);
    expect(parseGuardrails({ other: 1 }).problems).toHaveLength(1);
  });

  it('stays linear on hostile text', () => {
    const { guardrails } = parseGuardrails({ blocked: ['a*', 'a a a a a a a a a b'] });
    const t0 = performance.now();
    blockedBy(guardrails, 'a '.repeat(50_000) + 'a'.repeat(50_000));
    redactPii('1'.repeat(100_000) + 'a@'.repeat(50_000) + '+1 '.repeat(30_000));
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('redacts emails, phones and Luhn-valid cards only', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const { text, counts } = redactPii('mail ada@example.com or +44 20 7946 0958 or (555) 123-4567, card 4111 1111 1111 1111, not 4111 1111 1111 1112 nor 2026-11-27');
    expect(text).toBe('mail [REDACTED_EMAIL] or [REDACTED_PHONE] or [REDACTED_PHONE], card [REDACTED_CARD], not 4111 1111 1111 1112 nor 2026-11-27');
    expect(counts).toEqual({ email: 1, phone: 2, card: 1 });
  });

  it('streams redaction piece by piece to the same text as the whole', () => {
    const whole = 'Reach me at ada@example.com or 555-123-4567 and pay with 4111-1111-1111-1111 today, thanks.';
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const r = new StreamingRedactor(true);
      let out = '';
      for (let i = 0; i < whole.length; i += size) out += r.push(whole.slice(i, i + size));
      out += r.flush();
      expect(out).toBe(redactPii(whole).text);
      expect(r.counts).toEqual({ email: 1, phone: 1, card: 1 });
    }
  });
});
