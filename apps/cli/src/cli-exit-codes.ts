import { DomainError, type ErrorKind } from '../../../libs/common/src/index.js';

/**
 * The CLI's exit codes: 0 only on success; each kind of domain error its own code, so a script
 * can tell "you asked wrong" from "not there" from "refused" without parsing the message.
 * Anything else (a failed migration run, a crash) is 1.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  badInput: 2,
  notFound: 3,
  conflict: 4,
  refused: 5,
  unavailable: 6,
} as const;

const BY_KIND: Record<ErrorKind, number> = {
  bad_request: EXIT.badInput,
  payload_too_large: EXIT.badInput,
  unsupported_media_type: EXIT.badInput,
  unprocessable: EXIT.refused,
  not_found: EXIT.notFound,
  conflict: EXIT.conflict,
  unauthorized: EXIT.refused,
  forbidden: EXIT.refused,
  payment_required: EXIT.refused,
  rate_limited: EXIT.refused,
  unavailable: EXIT.unavailable,
  bad_gateway: EXIT.unavailable,
};

export function exitCodeOf(error: unknown): number {
  return error instanceof DomainError ? BY_KIND[error.kind] : EXIT.failure;
}
