import { Controller, Get, Inject, Injectable, Logger } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../../../libs/redis/src/index.js';
import { Public } from '../../../../libs/rbac/src/index.js';

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

/**
 * /health/ready is public, so it answers only up or down per dependency: an error's text
 * (host names, user names, driver internals) goes to the log, never to the caller.
 */
@Injectable()
export class DependencyIndicators {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redisClient: Redis,
  ) {}

  async postgres() {
    const check = this.indicator.check('postgres');
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), 2000);
      return check.up();
    } catch (error) {
      return this.down(check, 'postgres', error);
    }
  }

  async redis() {
    const check = this.indicator.check('redis');
    try {
      await withTimeout(this.redisClient.ping(), 2000);
      return check.up();
    } catch (error) {
      return this.down(check, 'redis', error);
    }
  }

  private down<T>(check: { down(): T }, name: string, error: unknown): T {
    this.logger.warn(`readiness: ${name} is down: ${error instanceof Error ? error.message : String(error)}`);
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
