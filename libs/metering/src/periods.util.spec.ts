import { describe, expect, it } from 'vitest';
import { crossedThresholds, monthOf, percentOf, periodRange } from './periods.util.js';

describe('usage periods and quota arithmetic', () => {
  it('maps 7d/30d/90d to [now - N days, now] and refuses anything else', () => {
    const now = new Date('2026-04-09T10:00:00Z');
    expect(periodRange('30d', now)).toEqual({ start: new Date('2026-03-10T10:00:00Z'), end: now });
    expect(periodRange(undefined, now).start).toEqual(new Date('2026-03-10T10:00:00Z'));
    expect(periodRange('7d', now).start).toEqual(new Date('2026-04-02T10:00:00Z'));
    for (const bad of ['1d', '7', '30D', '', '7d ', '999999999999d']) expect(() => periodRange(bad, now)).toThrow(/period must be one of/);
  });

  it('months reset on the first of the next month, UTC, across a year end', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59Z'))).toEqual({ key: '2026-12', firstDay: '2026-12-01', resetsAt: new Date('2027-01-01T00:00:00Z') });
    expect(monthOf(new Date('2026-01-01T00:00:00Z')).key).toBe('2026-01');
  });

  it('percent and thresholds', () => {
    expect(percentOf(310_000, 500_000)).toBe(62);
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(0, 0)).toBe(0);
    expect(crossedThresholds(79, 80, 100)).toEqual([80]);
    expect(crossedThresholds(0, 150, 100)).toEqual([80, 100]);
    expect(crossedThresholds(80, 99, 100)).toEqual([]);
    expect(crossedThresholds(99, 100, 100)).toEqual([100]);
    expect(crossedThresholds(0, 5, 0)).toEqual([]);
  });
});
