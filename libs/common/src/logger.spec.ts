import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
const SETTING = 'sk_live_do_not_log_me';

function loggedLines(log: (logger: ReturnType<typeof createLogger>) => void): string {
  let out = '';
  const logger = createLogger('info', 'test', { write: (line: string) => void (out += line) });
  log(logger);
  return out;
}

describe('createLogger: errors', () => {
  it('a QueryFailedError is logged without its parameters or the detail that echoes values', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: `Key (password_hash)=(${HASH}) already exists.`,
    });
    const error = new QueryFailedError('INSERT INTO "public"."users"("email", "password_hash") VALUES ($1, $2)', ['a@example.com', HASH, { key: SETTING }], driverError);
    // QueryFailedError copies the driver error's fields onto itself, `detail` included.
    expect((error as unknown as { detail?: string }).detail).toContain(HASH);
    const out = loggedLines((logger) => logger.error({ err: error }, 'unhandled error'));
    expect(out).not.toContain(HASH);
    expect(out).not.toContain('argon2');
    expect(out).not.toContain(SETTING);
    expect(out).not.toContain('a@example.com');
    const line = JSON.parse(out) as { err: Record<string, unknown> & { driverError: Record<string, unknown> } };
    expect(line.err).toMatchObject({ type: 'QueryFailedError', code: '23505', query: expect.stringContaining('INSERT INTO') });
    expect(line.err.message).toContain('users_email_key');
    expect(line.err).not.toHaveProperty('parameters');
    expect(line.err).not.toHaveProperty('detail');
    expect(line.err.driverError).toMatchObject({ code: '23505' });
    expect(line.err.driverError).not.toHaveProperty('detail');
  });

  it('other errors keep their fields and stack', () => {
    const out = loggedLines((logger) => logger.error({ err: Object.assign(new Error('boom'), { code: 'E_X' }) }, 'failed'));
    expect(JSON.parse(out)).toMatchObject({ msg: 'failed', err: { type: 'Error', message: 'boom', code: 'E_X', stack: expect.stringContaining('boom') } });
  });
});
