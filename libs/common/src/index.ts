// Shared building blocks with no domain of their own: the error model, the error shape,
// pagination, JSON merge patch and the JSON logger. Depends on nothing of ours.
export { Conflict, DEPENDENCY_RETRY_AFTER_S, DependencyUnavailable, DomainError, Forbidden, NotFound, RateLimited, STATUS_BY_KIND, Unauthorized, ValidationFailed } from './domain-error.js';
export type { ErrorKind } from './domain-error.js';
export { AllExceptionsFilter, asDependencyUnavailable, toErrorBody } from './all-exceptions.filter.js';
export { errorBody } from './error-body.js';
export { CLIENT_ERROR_LINGER_MS, lingeringClientErrorHandler } from './client-error.util.js';
export { isDependencyFailure, isUnavailableSqlState } from './dependency-failure.js';
export { createValidationPipe, INT4_MAX, INT4_MIN, IsSafeInt, Optional } from './validation.pipe.js';
export type { ErrorBody } from './error-body.js';
export { MAX_PAGE_SIZE, PageQueryDto } from './pagination.dto.js';
export { isPlainObject, jsonMergePatch } from './json-merge-patch.util.js';
export { createLogger, CTX_SCOPE, PinoNestLogger } from './logger.js';
export {
  containsLoneSurrogate,
  containsNul,
  depthLimitedJsonParser,
  JsonTooDeep,
  jsonNestingExceeds,
  LoneSurrogate,
  MAX_JSON_DEPTH,
  NulCharacter,
  rejectUnstorableCharacters,
} from './hostile-input.util.js';
export { addressAllowed, outboundUrlProblem } from './outbound-url.util.js';
