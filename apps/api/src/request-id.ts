import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID = Symbol('tenantry.requestId');
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify genReqId: the caller's X-Request-ID when it is sane, else a uuid; kept on the raw request for nestjs-cls. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  (req as IncomingMessage & { [REQUEST_ID]: string })[REQUEST_ID] = id;
  return id;
}
