import { Controller, Get, Header, Param, Query, Redirect } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '../../../rbac/src/index.js';
import { SsoService, type SsoToken } from './sso.service.js';

const SlugParam = () => ApiParam({ name: 'slug', description: 'the tenant whose identity provider signs the user in' });

@ApiTags('auth')
@Controller('api/v1/auth/sso')
export class SsoController {
  constructor(private readonly sso: SsoService) {}

  @Get(':slug')
  @Public()
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @SlugParam()
  @ApiOperation({ summary: "Begin a single sign-on into the tenant: a redirect to its OpenID Connect provider (state, nonce, PKCE)" })
  @ApiFoundResponse({ description: "Location: the provider's authorization URL. 404 sso_not_configured; 403 tenant_suspended; 503 sso_provider_unavailable" })
  async begin(@Param('slug') slug: string): Promise<{ url: string; statusCode: number }> {
    return { url: await this.sso.begin(slug), statusCode: 302 };
  }

  @Get(':slug/callback')
  @Public()
  @Header('Cache-Control', 'no-store')
  @SlugParam()
  @ApiOperation({ summary: 'The provider returns here: the ID token is verified and the answer is the token a login gives' })
  @ApiOkResponse({
    description:
      '{access_token, token_type, expires_in}. 401 sso_failed (state, code or ID token refused); 403 sso_email_unverified / sso_domain_not_allowed / tenant_suspended; 409 sso_account_exists',
  })
  callback(@Param('slug') slug: string, @Query() query: Record<string, unknown>): Promise<SsoToken> {
    return this.sso.finish(slug, query);
  }
}
