import { Controller, Get, Inject, Injectable, Logger } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS } from '../../../../libs/redis/src/index.js';
import { Public } from '../../../../libs/rbac/src/index.js';

const TIMEOUT_MS = 2000;

/**
 * /health/ready is public, so it answers only up or down per dependency: an error's text
 * (host names, user names, driver internals) goes to the log, never to the caller.
 * PostgreSQL: terminus's TypeOrmHealthIndicator (`SELECT 1` on the DataSource). Redis:
 * a PING (terminus has no ioredis indicator).
 */
@Injectable()
export class DependencyIndicators {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    @Inject(REDIS) private readonly redisClient: Redis,
  ) {}

  postgres() {
    return this.statusOnly('postgres', this.typeOrm.pingCheck('postgres', { timeout: TIMEOUT_MS }));
  }

  redis() {
    const ping = this.indicator
      .check('redis')
      .attempt(async () => {
        await this.redisClient.ping();
      })
      .withTimeout(TIMEOUT_MS);
    return this.statusOnly('redis', ping);
  }

  /** The check's status alone: a down check's message goes to the log. */
  private async statusOnly<Key extends string>(key: Key, attempt: PromiseLike<HealthIndicatorResult<Key>>) {
    const { status, message } = (await attempt)[key] as { status: string; message?: unknown };
    const check = this.indicator.check(key);
    if (status === 'up') return check.up();
    this.logger.warn(`readiness: ${key} is down: ${String(message)}`);
    return check.down();
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly deps: DependencyIndicators,
  ) {}

  /** Liveness: the process serves HTTP. */
  @Get()
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Readiness: PostgreSQL and Redis answer. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.deps.postgres(), () => this.deps.redis()]);
  }
}
