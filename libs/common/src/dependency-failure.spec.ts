import { pino } from 'pino';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isDependencyFailure } from './dependency-failure.js';
import { toErrorBody } from './all-exceptions.filter.js';
import { DomainError } from './domain-error.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDependencyFailure', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['both addresses of localhost refused', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
    ['pg: connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['pg: connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['57P01 admin shutdown (TypeORM-wrapped)', queryFailed(withCode('terminating connection due to administrator command', '57P01'))],
    ['57P02 crash shutdown', withCode('terminating connection because of crash of another server process', '57P02')],
    ['57P03 cannot connect now', withCode('the database system is starting up', '57P03')],
    ['08006 connection failure', queryFailed(withCode('connection failure', '08006'))],
    // ioredis does not export the class from its entry point; what counts is its name.
    ['ioredis: max retries per request', Object.assign(new Error('Reached the max retries per request limit (which is 1)'), { name: 'MaxRetriesPerRequestError' })],
    ['ioredis: command timeout', new Error('Command timed out')],
    ['ioredis: closed connection', new Error('Connection is closed.')],
    ['ioredis: no offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a cause', new Error('login failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') })],
  ])('recognises %s', (_, error) => {
    expect(isDependencyFailure(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a unique violation', queryFailed(withCode('duplicate key', '23505'))],
    ['a statement timeout', queryFailed(withCode('canceling statement due to statement timeout', '57014'))],
    ['a serialisation failure', queryFailed(withCode('could not serialize access', '40001'))],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('does not take %s for one', (_, error) => {
    expect(isDependencyFailure(error)).toBe(false);
  });

  it('ends on a cycle of causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(isDependencyFailure(a)).toBe(false);
  });
});

describe('toErrorBody: an unreachable dependency', () => {
  it('is 503 dependency_unavailable, without the driver text, logged at warn', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const body = toErrorBody(queryFailed(withCode('terminating connection due to administrator command at db-internal:5432', '57P01')), logger);
    expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String), code: 'dependency_unavailable' });
    expect(body.message).not.toMatch(/db-internal|administrator/);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'dependency unavailable' })]);
  });

  it('leaves our own errors alone, even with a network-looking cause', () => {
    const own = new DomainError('conflict', 'slug_taken', 'taken');
    (own as Error & { cause?: unknown }).cause = withCode('connect ECONNREFUSED', 'ECONNREFUSED');
    expect(toErrorBody(own, pino({ level: 'silent' }))).toMatchObject({ statusCode: 409, code: 'slug_taken' });
  });
});
