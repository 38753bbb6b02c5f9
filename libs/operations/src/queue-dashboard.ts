import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../../common/src/index.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
/** The dashboard's session cookie (POST /api/v1/auth/session), sent only to /admin. */
export const ADMIN_SESSION_COOKIE = 'tenantry_admin_session';

/** A platform admin's JWT from `Authorization: Bearer` or the session cookie; API keys never open the dashboard. */
export function dashboardToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const cookie = (request.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([name]) => name === ADMIN_SESSION_COOKIE)?.[1];
  const token = bearer || (cookie ? decodeURIComponent(cookie) : undefined);
  return token && !token.startsWith('tnt_') ? token : undefined;
}

/**
 * Mounts @bull-board at /admin/queues for platform admins only. Who the caller is comes from the
 * API's own authentication (an injected GET /api/v1/auth/me with the caller's JWT: signature,
 * expiry, token version and the user's admin flag, as for every other route), so the dashboard
 * has no second notion of a session.
 */
export async function mountQueueDashboard(fastify: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const board = new BoardAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board, options: { uiConfig: { boardTitle: 'Tenantry queues' } } });
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = dashboardToken(request);
      const deny = (status: 401 | 403, message: string) => reply.status(status).header('cache-control', 'no-store').send(errorBody(status, message));
      if (!token) return deny(401, 'Sign in as a platform admin (bearer token or the dashboard session cookie)');
      const me = await fastify.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
      if (me.statusCode !== 200) return deny(401, 'Sign in as a platform admin (bearer token or the dashboard session cookie)');
      if ((me.json() as { user?: { is_platform_admin?: unknown } }).user?.is_platform_admin !== true) return deny(403, 'The queue dashboard is for platform admins');
      return undefined;
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
