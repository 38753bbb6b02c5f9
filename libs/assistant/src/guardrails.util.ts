import type { Guardrails } from '../../tenancy/src/index.js';

/** What redaction replaced, by kind. */
export type PiiKind = 'email' | 'phone' | 'card';
export type RedactionCounts = Record<PiiKind, number>;

export const noRedactions = (): RedactionCounts => ({ email: 0, phone: 0, card: 0 });
export const totalRedactions = (c: RedactionCounts): number => c.email + c.phone + c.card;

/** The first blocked rule `text` matches, or undefined. Rules are linear-time word patterns (tenancy's parseGuardrails). */
export function blockedBy(guardrails: Guardrails, text: string): string | undefined {
  const normalized = text.normalize('NFKC');
  return guardrails.blocked.find((r) => r.matcher.test(normalized))?.rule;
}

/** Luhn's checksum over the digits of a candidate card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Every pattern starts only where a token starts (lookbehind) and has bounded repetitions, so the
// scan is linear in the text whatever a user sends.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
const PHONE = /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,4}){1,4}|\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4}|\d{10,15})(?![\w])/g;
const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g;

export const REDACTED: Record<PiiKind, string> = { email: '[REDACTED_EMAIL]', phone: '[REDACTED_PHONE]', card: '[REDACTED_CARD]' };

/**
 * Emails, phone numbers and card numbers (13-19 digits passing Luhn's check; a number that fails
 * it is left alone, or taken as a phone number when it looks like one) replaced by a marker.
 */
export function redactPii(text: string, counts: RedactionCounts = noRedactions()): { text: string; counts: RedactionCounts } {
  let out = text.replace(CARD, (m) => {
    const digits = m.replace(/\D/g, '');
    if (!luhnValid(digits)) return m;
    counts.card++;
    return REDACTED.card;
  });
  out = out.replace(EMAIL, () => {
    counts.email++;
    return REDACTED.email;
  });
  out = out.replace(PHONE, (m) => {
    const digits = m.replace(/\D/g, '').length;
    if (digits < 7 || digits > 15) return m;
    counts.phone++;
    return REDACTED.phone;
  });
  return { text: out, counts };
}

/**
 * Redaction of a reply that arrives in pieces (streaming): text is released only up to a cut no
 * PII match can straddle, a whitespace after a word with no digit, `+` or `(` in it (every
 * pattern is a single token or starts with one of those), so the released pieces, redacted one by
 * one, join into exactly `redactPii(whole reply)`. What has no such cut yet is held back until more
 * arrives or the reply ends.
 */
export class StreamingRedactor {
  private pending = '';
  readonly counts = noRedactions();

  constructor(private readonly enabled: boolean) {}

  /** The redacted text that may be released after `piece`. */
  push(piece: string): string {
    if (!this.enabled) return piece;
    this.pending += piece;
    const cut = safeCut(this.pending);
    if (cut <= 0) return '';
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return redactPii(ready, this.counts).text;
  }

  /** The rest, at the end of the reply. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return this.enabled && rest ? redactPii(rest, this.counts).text : rest;
  }
}

/** The end of the longest prefix of `text` that ends in whitespace following a token without digits, `+` or `(`. */
export function safeCut(text: string): number {
  for (let i = text.length - 1; i > 0; i--) {
    if (!/\s/.test(text[i]!) || /\s/.test(text[i - 1]!)) continue;
    let start = i - 1;
    while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
    if (!/[\d+(]/.test(text.slice(start, i))) return i + 1;
  }
  return 0;
}
