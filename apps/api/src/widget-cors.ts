import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../../libs/identity/src/index.js';

/**
 * CORS for the embeddable chat widget, which calls the tenant-scoped API from other sites' pages
 * with a publishable widget key (X-API-Key: tnt_pk_...).
 *
 * - A preflight (it carries no key) for /api/v1/... that asks to send X-API-Key is answered for
 *   any origin: it reveals nothing, and the real request is judged with its key.
 * - The real request's key is checked by the api-key strategy against the tenant's
 *   settings.widget.allowed_origins (another origin: 403 widget_origin_refused). Only an answer to
 *   a request whose widget key was accepted for its Origin carries Access-Control-Allow-Origin, so
 *   a page of any other origin cannot read anything, even an error.
 * No credentials (cookies) are ever allowed.
 */
export function registerWidgetCors(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const origin = request.headers.origin;
    const asked = String(request.headers['access-control-request-headers'] ?? '').toLowerCase();
    if (request.method !== 'OPTIONS' || typeof origin !== 'string' || !request.url.startsWith('/api/v1/') || !asked.split(/\s*,\s*/).includes('x-api-key')) {
      done();
      return;
    }
    void reply
      .status(204)
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'X-API-Key, Content-Type, Accept')
      .header('access-control-max-age', '600')
      .header('vary', 'Origin')
      .send();
  });
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
    const grant = (request as FastifyRequest & { user?: AuthUser }).user?.apiKey;
    if (grant?.kind === 'widget' && grant.origin && grant.origin === request.headers.origin) {
      void reply.header('access-control-allow-origin', grant.origin).header('access-control-expose-headers', 'X-Request-ID, Retry-After').header('vary', 'Origin');
    }
    done(null, payload);
  });
}
