import { describe, expect, it } from 'vitest';
import { emissionIntervalUs, gcra, gcraGroup } from './gcra.util.js';

const MINUTE_US = 60_000_000;

/** Sends `n` requests at `now` (µs) against `tat`; answers the allowed count and the final TAT. */
function burst(tat: number | undefined, now: number, limit: number, n: number): { allowed: number; tat: number | undefined } {
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const r = gcra(tat, now, limit, 1);
    if (r.allowed) {
      allowed++;
      tat = r.tat;
    }
  }
  return { allowed, tat };
}

describe('GCRA (the per-tenant rate limit)', () => {
  const t0 = 1_800_000_000_000_123; // µs

  it('a quiet tenant may send L at once, with remaining counting down to 0; the next is refused with retry after T', () => {
    let tat: number | undefined;
    const remaining: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = gcra(tat, t0, 6, 1);
      expect(r.allowed).toBe(true);
      remaining.push(r.remaining);
      tat = r.tat;
    }
    expect(remaining).toEqual([5, 4, 3, 2, 1, 0]);
    expect(gcra(tat, t0, 6, 1)).toEqual({ allowed: false, remaining: 0, retryAfterUs: 10_000_000, resetAfterUs: MINUTE_US, tat });
  });

  it('after a burst, exactly one more passes every T (no new window of L), for limits that do and do not divide a minute', () => {
    for (const limit of [1, 6, 7, 100, 100_000, 7_000_000]) {
      const T = emissionIntervalUs(limit);
      let { allowed, tat } = burst(undefined, t0, limit, limit + 5);
      expect(allowed).toBe(limit);
      for (let k = 1; k <= 5; k++) {
        ({ allowed, tat } = burst(tat, t0 + k * T, limit, 3));
        expect(allowed, `limit ${limit}, step ${k}`).toBe(1);
      }
      expect(gcra(tat, t0 + 6 * T - 1, limit, 1).allowed, `limit ${limit}: 1 µs early`).toBe(false);
    }
  });

  it('never lets more than L + t/T through in any span t (a fixed window lets 2L through at its boundary)', () => {
    const limit = 10;
    const T = emissionIntervalUs(limit);
    let tat: number | undefined;
    let passed = 0;
    // A greedy client trying 5 requests every 100 ms for two minutes.
    for (let now = t0; now < t0 + 2 * MINUTE_US; now += 100_000) {
      const r = burst(tat, now, limit, 5);
      passed += r.allowed;
      tat = r.tat;
      expect(passed).toBeLessThanOrEqual(limit + Math.floor((now - t0) / T));
    }
    expect(passed).toBe(limit + Math.floor((2 * MINUTE_US - 100_000) / T));
  });

  it('drains: the bucket is full again L*T after the last request, and peeking counts nothing', () => {
    const limit = 4;
    const { tat } = burst(undefined, t0, limit, limit);
    expect(gcra(tat, t0 + 15_000_000, limit, 0)).toEqual({ allowed: true, remaining: 1, retryAfterUs: 0, resetAfterUs: 45_000_000, tat });
    expect(gcra(tat, t0 + 15_000_000 - 1, limit, 0).remaining).toBe(0);
    expect(gcra(tat, t0 + MINUTE_US, limit, 0)).toMatchObject({ remaining: limit, resetAfterUs: 0 });
    expect(burst(tat, t0 + MINUTE_US, limit, limit + 1).allowed).toBe(limit);
  });

  it('a lowered limit applies at once; a stored value that is not a time is a full bucket', () => {
    const { tat } = burst(undefined, t0, 100, 100);
    expect(gcra(tat, t0, 10, 1)).toMatchObject({ allowed: false, remaining: 0 });
    expect(gcra(Number.NaN, t0, 10, 1)).toMatchObject({ allowed: true, remaining: 9 });
    expect(gcra(undefined, t0, 10, 0)).toMatchObject({ remaining: 10, resetAfterUs: 0 });
  });

  it('a group of n (one script call for n waiting requests) decides exactly as n requests one after another', () => {
    for (const limit of [1, 6, 7, 100, 100_000]) {
      const T = emissionIntervalUs(limit);
      const W = limit * T;
      // Empty, drained, partly and fully used buckets, each side of a step of T, and one from a higher limit.
      const stored = [undefined, Number.NaN, t0 - 5_000_000, t0, t0 + 1, t0 + T - 1, t0 + T, t0 + 3 * T + 7, t0 + W - T, t0 + W - T + 1, t0 + W - 1, t0 + W, t0 + 2 * W];
      for (const s of stored) {
        // One request after another: after the n-th, what a group of n must answer.
        let tat = s;
        let granted = 0;
        let firstRetry = 0;
        const remainingOfAllowed: number[] = [];
        for (let n = 1; n <= limit + 5; n++) {
          const one = gcra(tat, t0, limit, 1);
          if (one.allowed) {
            granted++;
            remainingOfAllowed.push(one.remaining);
          } else if (!firstRetry) firstRetry = one.retryAfterUs;
          tat = one.tat;
          const group = gcraGroup(s, t0, limit, n);
          // expect() only on a difference: this runs over a million times (limit 100,000).
          const label = `limit ${limit}, stored ${s === undefined ? s : s - t0}, n ${n}`;
          if (group.granted !== granted || group.tat !== tat || group.remaining !== one.remaining || group.resetAfterUs !== one.resetAfterUs || group.retryAfterUs !== firstRetry) {
            expect(group, label).toEqual({ granted, remaining: one.remaining, retryAfterUs: firstRetry, resetAfterUs: one.resetAfterUs, tat });
          }
          // The i-th allowed request was told remaining = group.remaining + (granted - 1 - i).
          if (n === limit + 5) expect(remainingOfAllowed, label).toEqual(remainingOfAllowed.map((_, i) => group.remaining + granted - 1 - i));
        }
      }
    }
    expect(gcraGroup(undefined, t0, 10, 0)).toEqual({ granted: 0, remaining: 10, retryAfterUs: 0, resetAfterUs: 0, tat: t0 });
  });
});
