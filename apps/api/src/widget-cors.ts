import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthUser, widgetCorsHeaders } from '../../../libs/identity/src/index.js';

/**
 * CORS for the embeddable chat widget, which calls the tenant-scoped API from other sites' pages
 * with a publishable widget key (X-API-Key: tnt_pk_...).
 *
 * - A preflight (it carries no key) for /api/v1/... shaped like the widget's (GET or POST, asking
 *   to send X-API-Key and at most Content-Type and Accept besides: no Authorization, no tenant
 *   header) is answered for any origin: it reveals nothing, and the real request is judged with
 *   its key. Any other preflight, and any from CORS_ORIGINS, is left to @fastify/cors.
 * - The real request's key is checked by the api-key strategy against the tenant's
 *   settings.widget.allowed_origins (another origin: 403 widget_origin_refused). Only an answer to
 *   a request whose widget key was accepted for its Origin carries Access-Control-Allow-Origin, so
 *   a page of any other origin cannot read anything, even an error.
 * No credentials (cookies) are ever allowed.
 */
const WIDGET_HEADERS = new Set(['x-api-key', 'content-type', 'accept']);

function isWidgetPreflight(request: FastifyRequest, corsOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (request.method !== 'OPTIONS' || typeof origin !== 'string' || !request.url.startsWith('/api/v1/')) return false;
  if (corsOrigins.includes('*') || corsOrigins.includes(origin)) return false;
  const method = String(request.headers['access-control-request-method'] ?? '').toUpperCase();
  const asked = String(request.headers['access-control-request-headers'] ?? '')
    .toLowerCase()
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return (method === 'GET' || method === 'POST') && asked.includes('x-api-key') && asked.every((h) => WIDGET_HEADERS.has(h));
}

export function registerWidgetCors(fastify: FastifyInstance, corsOrigins: readonly string[]): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const origin = request.headers.origin;
    if (!isWidgetPreflight(request, corsOrigins) || typeof origin !== 'string') {
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
    void reply.headers(widgetCorsHeaders((request as FastifyRequest & { user?: AuthUser }).user, request.headers.origin));
    done(null, payload);
  });
}
