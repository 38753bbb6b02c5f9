import { randomBytes } from 'node:crypto';
import { Controller, Get, Header, HttpCode, Param, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../common/src/index.js';
import { AppConfig } from '../../../config/src/index.js';
import { Public } from '../../../rbac/src/index.js';
import { SsoTargetRefused } from '../tenancy.errors.js';
import { readCookie, SSO_BROWSER_COOKIE, SSO_HANDOFF_COOKIE, SSO_HANDOFF_PATH, SSO_PATH, ssoCookie } from './sso-cookies.util.js';
import { SSO_HANDOFF_TTL_S, SSO_STATE_TTL_S } from './sso-state.store.js';
import { type SsoOutcome, SsoService, type SsoToken } from './sso.service.js';

const SlugParam = () => ApiParam({ name: 'slug', description: 'the tenant whose identity provider signs the user in' });

/** Where a dashboard login lands: the dashboard, which claims the handoff at once. */
export const SSO_APP_LANDING = '/app/?sso=done';
/** Where a refused dashboard login lands: the login page, which claims the refusal and shows its message. */
export const ssoAppRefusal = (code: string): string => `/app/login?sso_error=${encodeURIComponent(code)}`;

@ApiTags('auth')
@Controller('api/v1/auth/sso')
export class SsoController {
  constructor(
    private readonly sso: SsoService,
    private readonly config: AppConfig,
  ) {}

  private cookie(name: string, value: string, path: string, maxAgeS: number, sameSite: 'Lax' | 'Strict'): string {
    return ssoCookie(name, value, { path, maxAgeS, sameSite, secure: this.config.NODE_ENV === 'production' });
  }

  @Post('handoff')
  @Public()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'The dashboard claims the SSO login it began (`?to=app`), once: the callback left a one-time code in an httpOnly cookie of this path',
  })
  @ApiOkResponse({
    description: '{access_token, token_type, expires_in}. 401 sso_handoff_missing (no login waiting for this browser); else the refusal the callback met (sso_failed, sso_domain_not_allowed, ...)',
  })
  async handoff(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SsoToken> {
    void reply.header('set-cookie', this.cookie(SSO_HANDOFF_COOKIE, '', SSO_HANDOFF_PATH, 0, 'Strict'));
    return this.sso.claim(readCookie(req.headers.cookie, SSO_HANDOFF_COOKIE));
  }

  @Get(':slug')
  @Public()
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @SlugParam()
  @ApiQuery({
    name: 'to',
    required: false,
    enum: ['app'],
    description: "'app': the dashboard begins the login; the callback sets its session and redirects to /app/ instead of answering JSON. 400 invalid_sso_target for any other value",
  })
  @ApiOperation({ summary: "Begin a single sign-on into the tenant: a redirect to its OpenID Connect provider (state, nonce, PKCE)" })
  @ApiFoundResponse({ description: "Location: the provider's authorization URL. 400 invalid_sso_target; 404 sso_not_configured; 403 tenant_suspended; 503 sso_provider_unavailable" })
  async begin(@Param('slug') slug: string, @Query('to') to: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ url: string; statusCode: number }> {
    if (to !== undefined && to !== 'app') throw new SsoTargetRefused();
    if (to !== 'app') return { url: await this.sso.begin(slug), statusCode: 302 };
    const browser = randomBytes(32).toString('base64url');
    const url = await this.sso.begin(slug, { browser });
    void reply.header('set-cookie', this.cookie(SSO_BROWSER_COOKIE, browser, SSO_PATH, SSO_STATE_TTL_S, 'Lax'));
    return { url, statusCode: 302 };
  }

  @Get(':slug/callback')
  @Public()
  @Header('Cache-Control', 'no-store')
  @SlugParam()
  @ApiOperation({
    summary:
      'The provider returns here: the ID token is verified and the answer is the token a login gives; a login the dashboard began redirects to the dashboard instead',
  })
  @ApiOkResponse({
    description:
      '{access_token, token_type, expires_in}. 401 sso_failed (state, code or ID token refused); 403 sso_email_unverified / sso_domain_not_allowed / tenant_suspended; 409 sso_account_exists. ' +
      'A dashboard login (`?to=app`): 302 to /app/ with a one-time handoff cookie, or 302 to /app/login?sso_error=<code>',
  })
  async callback(@Param('slug') slug: string, @Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const browser = readCookie(req.headers.cookie, SSO_BROWSER_COOKIE);
    let outcome: SsoOutcome;
    try {
      outcome = await this.sso.finish(slug, query, browser);
    } catch (error) {
      // A browser that began a dashboard login goes back to the dashboard, even when the state is gone.
      if (!browser || !(error instanceof DomainError)) throw error;
      outcome = { to: 'app', error };
    }
    if (outcome.to === 'api') {
      void reply.send(outcome.token);
      return;
    }
    const code = await this.sso.handOff(outcome);
    void reply
      .status(302)
      .header('set-cookie', [
        this.cookie(SSO_BROWSER_COOKIE, '', SSO_PATH, 0, 'Lax'),
        this.cookie(SSO_HANDOFF_COOKIE, code, SSO_HANDOFF_PATH, SSO_HANDOFF_TTL_S, 'Strict'),
      ])
      .header('location', 'error' in outcome ? ssoAppRefusal(outcome.error.code) : SSO_APP_LANDING)
      .send();
  }
}
