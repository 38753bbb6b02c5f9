import { STATUS_CODES } from 'node:http';

/** The one error shape of the API: `{statusCode, error, message, code?, details?}`. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
}

export function errorBody(statusCode: number, message: string, code?: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (code) body.code = code;
  if (details !== undefined) body.details = details;
  return body;
}
