import { getQueueToken } from '@nestjs/bullmq';
import { Controller, Get, Header, Injectable, type OnModuleInit, Req } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { AppConfig } from '../../config/src/index.js';
import { LATEST_TENANT_VERSION, TENANT_STATUSES } from '../../database/src/index.js';
import { QUEUE } from '../../jobs/src/index.js';
import { metricsRegistry } from '../../metrics/src/index.js';
import { Public } from '../../rbac/src/index.js';
import { assertOperator, type OperatorRequest } from './operator-access.js';
import { OperationsRepository } from './operations.repository.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;
const OUTCOMES = ['completed', 'failed'] as const;

/**
 * The gauges read at scrape time from PostgreSQL and Redis (so every API replica reports the
 * same platform-wide figures): tenants by status, tenants behind the latest tenant migration,
 * queue depth by state and job outcomes per queue (BullMQ's own counters, which the workers
 * keep). Labels: status, queue, state, outcome: all from fixed lists.
 */
@Injectable()
export class PlatformGauges implements OnModuleInit {
  private queues: Array<{ name: string; queue: Queue }> = [];

  constructor(
    private readonly repo: OperationsRepository,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.queues = Object.values(QUEUE).map((name) => ({ name, queue: this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }) }));
    const repo = this.repo;
    const queues = this.queues;
    for (const name of ['tenantry_tenants', 'tenantry_tenant_migrations_behind', 'tenantry_tenant_migrations_latest_version', 'tenantry_queue_jobs', 'tenantry_queue_jobs_finished']) {
      metricsRegistry.removeSingleMetric(name);
    }
    new Gauge({
      name: 'tenantry_tenants',
      help: 'tenants by status',
      labelNames: ['status'] as const,
      registers: [metricsRegistry],
      async collect() {
        const counts = new Map((await repo.tenantsByStatus()).map((r) => [r.status, r.n]));
        for (const status of TENANT_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'tenantry_tenant_migrations_behind',
      help: 'active or suspended tenants whose schema is behind the latest tenant migration (0 when a fan-out is done)',
      registers: [metricsRegistry],
      async collect() {
        this.set(await repo.tenantsBehind(LATEST_TENANT_VERSION));
      },
    });
    new Gauge({
      name: 'tenantry_tenant_migrations_latest_version',
      help: 'the latest tenant migration this process knows',
      registers: [metricsRegistry],
      collect() {
        this.set(LATEST_TENANT_VERSION);
      },
    });
    new Gauge({
      name: 'tenantry_queue_jobs',
      help: 'jobs in each queue by state',
      labelNames: ['queue', 'state'] as const,
      registers: [metricsRegistry],
      async collect() {
        await Promise.all(
          queues.map(async ({ name, queue }) => {
            const counts = await queue.getJobCounts(...QUEUE_STATES);
            for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    new Gauge({
      name: 'tenantry_queue_jobs_finished',
      help: 'jobs finished per queue by outcome since the queue began (kept by the workers in Redis)',
      labelNames: ['queue', 'outcome'] as const,
      registers: [metricsRegistry],
      async collect() {
        await Promise.all(
          queues.flatMap(({ name, queue }) =>
            OUTCOMES.map(async (outcome) => this.set({ queue: name, outcome }, (await queue.getMetrics(outcome, 0, 0)).meta.count)),
          ),
        );
      },
    });
  }
}

/** GET /metrics: Prometheus text. METRICS_TOKEN as a bearer token, or loopback only without one. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @Public()
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  async metrics(@Req() req: OperatorRequest): Promise<string> {
    assertOperator(req, this.config.METRICS_TOKEN);
    return metricsRegistry.metrics();
  }
}
