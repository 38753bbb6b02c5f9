import { ValidationFailed } from '../../../libs/common/src/index.js';

/** What every command prints goes through here: stdout is the command's output only. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A plain left-aligned table (no colours, so it pipes well). */
export function printTable(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): void {
  const cells = [columns.map(String), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const row of cells) printLine(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** A whole positive number from an option value, within bounds. */
export function positiveInt(option: string, value: string | number | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ValidationFailed(`${option} must be a whole number from 1 to ${max}, got '${value}'`);
  return n;
}
