/**
 * Whether an error means a server we depend on could not be reached or went away, as opposed
 * to a fault of ours or the caller's: PostgreSQL connection-class failures, Redis connection
 * and timeout failures, pool connection timeouts. The API answers those 503, never 500.
 * Errors are walked through their wrappers (TypeORM's `driverError`, `cause`, AggregateError).
 */
export function isDependencyFailure(error: unknown): boolean {
  return someInChain(error, (e) => isUnavailableSqlState(e.code) || NETWORK_CODES.has(String(e.code)) || e.name === 'MaxRetriesPerRequestError' || matchesMessage(e.message));
}

/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception) and 57P01,
 * 57P02, 57P03 (admin shutdown, crash shutdown, cannot connect now: starting up, recovering).
 */
export function isUnavailableSqlState(code: unknown): boolean {
  return typeof code === 'string' && /^(08...|57P0[123])$/.test(code);
}

/** Socket errors of a server that is down or unreachable (pg and ioredis pass them on as they are). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Drivers' own errors for a lost or unobtainable connection, which carry no code. */
const MESSAGES: readonly RegExp[] = [
  /^Connection terminated/, // pg: unexpectedly, due to connection timeout, or by end() mid-query
  /^timeout exceeded when trying to connect$/, // pg-pool: connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable$/, // pg
  /^Connection is closed\.$/, // ioredis
  /^Stream isn't writeable and enableOfflineQueue options is false$/, // ioredis
  /^Command timed out$/, // ioredis commandTimeout
];

function matchesMessage(message: unknown): boolean {
  return typeof message === 'string' && MESSAGES.some((re) => re.test(message));
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function someInChain(error: unknown, test: (e: ErrorLike) => boolean, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  if (test(e)) return true;
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return inner.some((next) => next !== error && someInChain(next, test, depth + 1));
}
