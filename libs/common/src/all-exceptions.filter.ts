import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { isDependencyFailure } from './dependency-failure.js';
import { DependencyUnavailable, DomainError, STATUS_BY_KIND } from './domain-error.js';
import { errorBody, type ErrorBody } from './error-body.js';

/** Fastify's own errors (body parsing, limits) that are the caller's fault, by code. */
const FASTIFY_CLIENT_ERRORS: Record<string, number> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_TYPE: 400,
  FST_ERR_VALIDATION: 400,
};

/**
 * SQLSTATEs that mean PostgreSQL refused a value the caller sent: class 22 (data exception:
 * bad text representation, out of range, bad encoding, NUL in jsonb, too long, ...) and
 * 54001 (statement too complex). Validation should refuse such input first; this is the net.
 */
export function isInvalidInputSqlState(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('22') || code === '54001');
}

/**
 * A PostgreSQL or Redis that cannot be reached (isDependencyFailure) becomes 503
 * `dependency_unavailable` with a Retry-After, logged at warn; anything else is returned as is.
 */
export function asDependencyUnavailable(exception: unknown, logger: Logger): unknown {
  if (exception instanceof DomainError || exception instanceof HttpException || !isDependencyFailure(exception)) return exception;
  logger.warn({ err: exception }, 'dependency unavailable');
  return new DependencyUnavailable();
}

/** Maps anything thrown to the one error shape. Never a stack trace; 5xx only for our own faults. */
export function toErrorBody(thrown: unknown, logger: Logger): ErrorBody {
  const exception = asDependencyUnavailable(thrown, logger);
  if (exception instanceof DomainError) {
    return errorBody(STATUS_BY_KIND[exception.kind], exception.message, exception.code, exception.details);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; '))
          : String((response as { message?: unknown }).message ?? exception.message);
    if (status >= 500) logger.error({ err: exception }, 'http exception');
    return errorBody(status, message);
  }
  if (exception instanceof QueryFailedError && isInvalidInputSqlState((exception.driverError as { code?: unknown }).code)) {
    logger.warn({ err: exception }, 'input refused by PostgreSQL');
    return errorBody(400, 'The request contains a value that cannot be stored or compared', 'invalid_input');
  }
  const err = exception as { statusCode?: number; code?: string; message?: string };
  const fastifyStatus = err?.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
  if (fastifyStatus) return errorBody(fastifyStatus, err.message ?? 'Bad request', err.code?.toLowerCase());
  if (typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return errorBody(err.statusCode, err.message ?? 'Bad request');
  }
  logger.error({ err: exception }, 'unhandled error');
  return errorBody(500, 'Internal server error');
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const exception = asDependencyUnavailable(thrown, this.logger);
    const body = toErrorBody(exception, this.logger);
    if (reply.sent) return;
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) void reply.header('retry-after', String(exception.retryAfterSeconds));
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
