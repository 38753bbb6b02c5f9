import type { LoggerService } from '@nestjs/common';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

// Nest's boot failure: main() prints it once, as the command's one error line.
const PRINTED_BY_MAIN = new Set(['ExceptionHandler']);

/**
 * The CLI's logger: plain one-line messages on stderr (never stdout, which carries the
 * command's output, e.g. JSON), no stack traces, and quiet below warn unless LOG_LEVEL
 * asks for debug or trace.
 */
export class CliLogger implements LoggerService {
  private readonly threshold: number;

  constructor(logLevel: string) {
    const wanted = logLevel === 'silent' ? LEVELS.length : LEVELS.indexOf(logLevel as Level);
    const warn = LEVELS.indexOf('warn');
    this.threshold = wanted < 0 ? warn : wanted <= LEVELS.indexOf('debug') ? wanted : Math.max(wanted, warn);
  }

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, _trace?: string, context?: string): void {
    this.write('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: Level, message: unknown, context?: string): void {
    if (LEVELS.indexOf(level) < this.threshold) return;
    if (context && PRINTED_BY_MAIN.has(context)) return;
    const text = message instanceof Error ? message.message : String(message);
    process.stderr.write(`${level}${context ? ` [${context}]` : ''}: ${oneLine(text)}\n`);
  }
}

/** A message as one line (SQL errors and validation lists can span several). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
