import { describe, expect, it } from 'vitest';
import { countTokens } from './token-counter.js';

describe('countTokens', () => {
  it('counts with cl100k_base', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
  });

  it('stays bounded on one huge word (byte-pair merging is quadratic in a word)', () => {
    countTokens('warm up');
    const t0 = performance.now();
    const n = countTokens('x'.repeat(16_000));
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(n).toBeGreaterThan(16_000 / 16);
  });
});
