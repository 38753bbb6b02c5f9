/**
 * Every lib throws DomainErrors (never HttpException); one global filter maps them to
 * HTTP and the CLI maps them to exit codes. `kind` decides the HTTP status.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'payment_required'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'bad_gateway'
  | 'unavailable';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  bad_gateway: 502,
  unavailable: 503,
};

export class DomainError extends Error {
  /** When set, the HTTP answer carries it as `Retry-After` (seconds). */
  retryAfterSeconds?: number;

  constructor(
    readonly kind: ErrorKind,
    /** Stable machine-readable code, e.g. `tenant_not_ready`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends DomainError {
  constructor(message: string, details?: unknown) {
    super('bad_request', 'validation_failed', message, details);
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', 'not_found', `${what} '${id}' not found`);
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'Authentication required') {
    super('unauthorized', 'unauthorized', message);
  }
}

export class Forbidden extends DomainError {
  constructor(message: string, code = 'forbidden') {
    super('forbidden', code, message);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string) {
    super('conflict', code, message);
  }
}

/** 429: too many attempts; the caller may try again after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  constructor(message: string, retryAfterSeconds: number, code = 'rate_limited') {
    super('rate_limited', code, message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/**
 * 503: a server we depend on (PostgreSQL, Redis) cannot be reached right now; nothing was
 * decided about the request, so the caller may simply send it again after `retryAfterSeconds`.
 */
export class DependencyUnavailable extends DomainError {
  constructor(retryAfterSeconds = DEPENDENCY_RETRY_AFTER_S) {
    super('unavailable', 'dependency_unavailable', 'A service this request needs is unavailable right now: try again shortly');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The Retry-After of a dependency outage: a restart of PostgreSQL or Redis takes seconds. */
export const DEPENDENCY_RETRY_AFTER_S = 5;
