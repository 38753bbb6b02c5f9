import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorBody } from '../../../libs/common/src/index.js';

/** Where scripts/build-dashboard.mjs puts the dashboard and the widget: dist/dashboard, dist/widget. */
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DASHBOARD_DIR = join(DIST, 'dashboard');
export const WIDGET_DIR = join(DIST, 'widget');

/** The URL prefix of the dashboard; security-headers.ts gives its routes their own CSP. */
export const APP_PREFIX = '/app';
export const WIDGET_PATH = '/widget.js';

function notBuilt(reply: FastifyReply, what: string): FastifyReply {
  return reply.status(503).send(errorBody(503, `The ${what} is not built: run \`npm run build\``, 'not_built'));
}

/**
 * The web dashboard and the embeddable widget, served by the API process (no private endpoint:
 * the app talks to the public API like any client).
 * - /app/assets/*: Vite's content-hashed files, cached for a year as immutable;
 * - /app and every other /app/* path: index.html (the SPA routes in the browser), never cached,
 *   so a new build is picked up at the next load;
 * - /widget.js: the widget, cached 5 minutes (its name is stable: pages embed it);
 * - /: a redirect to /app/.
 */
export async function registerWebApp(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(fastifyStatic, {
    root: join(DASHBOARD_DIR, 'assets'),
    prefix: `${APP_PREFIX}/assets/`,
    index: false,
    immutable: true,
    maxAge: '365d',
    // Files are looked up at request time, so a rebuild while the API runs is served.
    wildcard: true,
  });
  const index = (_request: unknown, reply: FastifyReply) => {
    if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) return notBuilt(reply, 'dashboard');
    return reply.header('cache-control', 'no-cache').sendFile('index.html', DASHBOARD_DIR, { cacheControl: false });
  };
  fastify.get(APP_PREFIX, index);
  fastify.get(`${APP_PREFIX}/*`, index);
  fastify.get(WIDGET_PATH, (_request, reply) => {
    if (!existsSync(join(WIDGET_DIR, 'widget.js'))) return notBuilt(reply, 'widget');
    return reply.header('cache-control', 'public, max-age=300').sendFile('widget.js', WIDGET_DIR, { cacheControl: false });
  });
  fastify.get('/', (_request, reply) => reply.redirect(`${APP_PREFIX}/`, 302));
}
