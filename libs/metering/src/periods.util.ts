import { ValidationFailed } from '../../common/src/index.js';

/** The periods the usage endpoints accept (seed 002). */
export const USAGE_PERIODS = ['7d', '30d', '90d'] as const;
export type UsagePeriod = (typeof USAGE_PERIODS)[number];
const DAY_MS = 86_400_000;

/** [now - N days, now] for a period name; anything else is a 400 naming the accepted values. */
export function periodRange(period: string | undefined, now = new Date()): { start: Date; end: Date } {
  const p = period ?? '30d';
  if (!(USAGE_PERIODS as readonly string[]).includes(p)) {
    throw new ValidationFailed(`period must be one of ${USAGE_PERIODS.join(', ')}`, [{ field: 'period', message: `must be one of ${USAGE_PERIODS.join(', ')}` }]);
  }
  return { start: new Date(now.getTime() - Number.parseInt(p, 10) * DAY_MS), end: now };
}

/** The UTC date (YYYY-MM-DD) of an instant. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The monthly quota period an instant falls in: its key (YYYY-MM), first day, and when it resets (UTC). */
export function monthOf(at: Date): { key: string; firstDay: string; resetsAt: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  return { key: utcDay(start).slice(0, 7), firstDay: utcDay(start), resetsAt: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)) };
}

/** Percent of a limit used, one decimal; a limit of 0 is 100% used by anything, 0% by nothing. */
export function percentOf(used: number, limit: number): number {
  if (limit <= 0) return used > 0 ? 100 : 0;
  return Math.round((used / limit) * 1000) / 10;
}

/** The alert thresholds (percent) a change from `before` to `after` of a limit crossed. */
export function crossedThresholds(before: number, after: number, limit: number): Array<80 | 100> {
  const crossed: Array<80 | 100> = [];
  for (const t of [80, 100] as const) {
    const at = (limit * t) / 100;
    if (limit > 0 && before < at && after >= at) crossed.push(t);
  }
  return crossed;
}
