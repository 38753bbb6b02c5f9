import { Controller, Get, HttpCode, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NotFound } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { Public } from '../../rbac/src/index.js';
import { assertOperator, type OperatorRequest } from './operator-access.js';
import { OperationsRepository } from './operations.repository.js';

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * For on-demand TLS at the edge (Caddy's `ask`): 200 only when an active tenant claims the
 * hostname in settings.custom_domains, else 404, and the answer never says which tenant.
 * Loopback or DOMAIN_CHECK_TOKEN only (README "TLS for custom domains").
 */
@ApiExcludeController()
@Controller('api/internal')
export class DomainAllowedController {
  constructor(
    private readonly repo: OperationsRepository,
    private readonly config: AppConfig,
  ) {}

  @Get('domain-allowed')
  @Public()
  @HttpCode(200)
  async allowed(@Req() req: OperatorRequest, @Query('domain') domain: unknown): Promise<{ allowed: true }> {
    assertOperator(req, this.config.DOMAIN_CHECK_TOKEN);
    const host = typeof domain === 'string' ? domain.trim().toLowerCase().replace(/\.$/, '') : '';
    // Anything that is not a plain hostname (an IP, a port, a wildcard, a NUL) is simply not allowed.
    if (!HOSTNAME.test(host) || !(await this.repo.domainClaimed(host))) throw new NotFound('Domain', host.slice(0, 253));
    return { allowed: true };
  }
}
