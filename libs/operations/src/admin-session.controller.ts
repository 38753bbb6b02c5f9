import { Controller, Delete, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import type { AuthUser } from '../../identity/src/index.js';
import { Authenticated } from '../../rbac/src/index.js';
import { ADMIN_SESSION_COOKIE, dashboardToken, QUEUE_DASHBOARD_PATH } from './queue-dashboard.js';

const SESSION_MAX_AGE_S = 8 * 3600;

/**
 * The dashboard's session: a platform admin's own JWT in an httpOnly, SameSite=Strict cookie
 * scoped to /admin (so no API route ever reads it: no CSRF surface). It is checked like a bearer
 * token on every dashboard request, so a revoked token or a withdrawn admin flag ends it at once.
 */
@ApiTags('auth')
@Controller('api/v1/auth/session')
export class AdminSessionController {
  constructor(private readonly config: AppConfig) {}

  @Post()
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Platform admins: set the /admin session cookie (httpOnly, SameSite=Strict) from the bearer token' })
  @ApiNoContentResponse()
  open(@Req() req: FastifyRequest & { user: AuthUser }, @Res({ passthrough: true }) reply: FastifyReply): void {
    const token = dashboardToken({ headers: { authorization: req.headers.authorization } });
    if (!token || !req.user.isPlatformAdmin) throw new Forbidden('Only a platform admin signed in with a token (not an API key) gets a dashboard session', 'not_platform_admin');
    void reply.header('set-cookie', this.cookie(encodeURIComponent(token), SESSION_MAX_AGE_S));
  }

  @Delete()
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Clear the /admin session cookie' })
  @ApiNoContentResponse()
  close(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.cookie('', 0));
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.config.NODE_ENV === 'production' ? '; Secure' : '';
    return `${ADMIN_SESSION_COOKIE}=${value}; Path=${QUEUE_DASHBOARD_PATH.split('/').slice(0, 2).join('/')}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }
}
