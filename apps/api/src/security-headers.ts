import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { AppConfig } from '../../../libs/config/src/index.js';
import { APP_PREFIX, WIDGET_PATH } from './web-app.js';
import { registerWidgetCors } from './widget-cors.js';

/** Where setupOpenApi serves the Swagger UI (HTML, its JS/CSS and swagger-ui-init.js). */
const DOCS_PREFIX = '/docs';

/**
 * Helmet's headers for every answer: the defaults (HSTS, nosniff, Referrer-Policy: no-referrer,
 * Cross-Origin-Opener/Resource-Policy: same-origin, ...), no framing at all, and for JSON a CSP
 * that allows nothing: an answer opened in a browser runs no script and loads nothing.
 */
const API_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
  },
  frameguard: { action: 'deny' },
};

/**
 * The Swagger UI page (@nestjs/swagger's HTML): its scripts are files of our own origin, but the
 * page has inline <style> blocks and style attributes, and swagger-ui's CSS inlines its icons as
 * data: URIs. No upgrade-insecure-requests: over plain http (a laptop, an internal host) it would
 * send the browser to https for the page's own assets.
 */
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
} satisfies FastifyHelmetOptions['contentSecurityPolicy'];

/**
 * The web dashboard (/app): scripts and styles are files of our own origin (no inline script);
 * Mantine writes its theme variables in a <style> element at run time, hence 'unsafe-inline' for
 * styles only. A tenant's logo (branding preview) may come from any https host. The API it calls
 * is this origin (connect-src 'self'). No upgrade-insecure-requests, as for the docs.
 */
const APP_CSP: FastifyHelmetOptions['contentSecurityPolicy'] = {
  useDefaults: false,
  directives: {
    ...DOCS_CSP.directives,
    imgSrc: ["'self'", 'data:', 'https:'],
  },
};

/** What browser clients send and may read (API.md's headers). */
const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Tenant-ID', 'X-Tenant-Slug', 'X-API-Key', 'X-Request-ID'];
const CORS_EXPOSED_HEADERS = ['X-Request-ID', 'Retry-After'];

function isDocsRoute(url: string): boolean {
  return url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`);
}

function isAppRoute(url: string): boolean {
  return url === APP_PREFIX || url.startsWith(`${APP_PREFIX}/`);
}

/**
 * Security headers (@fastify/helmet) and CORS (@fastify/cors, from CORS_ORIGINS) on every answer.
 * Call after the X-Request-ID hook and before setupOpenApi (the docs routes get their CSP as they
 * are added).
 *
 * Both are onRequest hooks, ahead of body parsing, guards (the route's access rule) and tenant
 * resolution: a preflight, which carries no token, is answered 204 there, and every error answer
 * carries the headers. CORS is registered here, after helmet, rather than with app.enableCors():
 * Nest runs the hook of enableCors() ahead of every hook the application adds, so preflights
 * (which end the request in that hook) would go out without helmet's headers and X-Request-ID.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // The Swagger UI's own CSP: a route's `helmet` options, which @fastify/helmet's onRoute hook
  // (added after this one) takes up.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (isDocsRoute(route.url)) route.helmet = { contentSecurityPolicy: DOCS_CSP };
    if (isAppRoute(route.url)) route.helmet = { contentSecurityPolicy: APP_CSP };
    // Other sites' pages load the widget with a <script> tag: a cross-origin (no-cors) load.
    if (route.url === WIDGET_PATH) route.helmet = { crossOriginResourcePolicy: { policy: 'cross-origin' } };
  });
  await app.register(fastifyHelmet, API_HEADERS);
  // Ahead of @fastify/cors: the widget's preflights are answered for any origin (widget-cors.ts).
  registerWidgetCors(fastify, config.CORS_ORIGINS);
  if (config.CORS_ORIGINS.length > 0) {
    const options: FastifyCorsOptions = {
      origin: config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      // Bearer tokens and API keys, no cookies: credentialed requests are not allowed.
      credentials: false,
      maxAge: 600,
    };
    await app.register(fastifyCors, options);
  }
}

/**
 * Helmet's headers for the answers Fastify gives before any hook runs (frameworkErrors: a
 * malformed URL, an over-long parameter).
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  apiHeaders(request.raw, reply.raw, () => undefined);
}
// The same options: @fastify/helmet's types name helmet's CommonJS declarations, this module its ESM ones.
const apiHeaders = helmet(API_HEADERS as HelmetOptions);
