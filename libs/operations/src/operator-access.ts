import { createHash, timingSafeEqual } from 'node:crypto';
import { Forbidden, Unauthorized } from '../../common/src/index.js';

/** The parts of a request the check reads (Fastify's request has them). */
export interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: unknown;
  raw: { socket: { remoteAddress?: string } };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Machine endpoints for operators (/metrics, the edge's domain check): with a token configured,
 * the caller must present it (`Authorization: Bearer`, or `?token=` for callers that cannot set
 * a header, like Caddy's `ask`); without one, only a loopback connection is served. The socket's
 * address is read, never X-Forwarded-For, which anyone can write.
 */
export function assertOperator(request: OperatorRequest, token: string | undefined): void {
  if (token === undefined) {
    if (!LOOPBACK.has(request.raw.socket.remoteAddress ?? '')) throw new Forbidden('Served on loopback only (set a token to serve it remotely)', 'loopback_only');
    return;
  }
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const q = request.query as Record<string, unknown> | undefined;
  const presented = bearer ?? (typeof q?.token === 'string' ? q.token : undefined);
  if (presented === undefined || !timingSafeEqual(digest(presented), digest(token))) throw new Unauthorized('A valid operator token is required');
}
