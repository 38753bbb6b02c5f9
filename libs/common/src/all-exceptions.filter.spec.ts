import { pino } from 'pino';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from './all-exceptions.filter.js';

const SQL = 'UPDATE "public"."tenants" SET "settings" = $1 WHERE "id" = $2';

function queryFailed(code: string): QueryFailedError {
  const driverError = Object.assign(new Error(`pg says no (${code})`), { code, detail: 'Key (email)=(secret@example.com)' });
  return new QueryFailedError(SQL, ['{"api_key":"sk_live_123"}', 'id'], driverError);
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('toErrorBody: PostgreSQL refusing a value', () => {
  it.each(['22P02', '22003', '22021', '22P05', '22001', '22007', '22012', '54001'])('SQLSTATE %s is 400 invalid_input without the SQL, logged at warn', (code) => {
    const { logger, lines } = capture();
    const body = toErrorBody(queryFailed(code), logger);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String), code: 'invalid_input' });
    expect(body.message).not.toMatch(/UPDATE|tenants|sk_live|pg says/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'input refused by PostgreSQL' });
  });

  it.each(['23505', '42P01', '40001', '57014'])('SQLSTATE %s stays a 500, logged at error', (code) => {
    const { logger, lines } = capture();
    expect(toErrorBody(queryFailed(code), logger)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
    expect(lines[0]).toMatchObject({ level: 50 });
  });
});
