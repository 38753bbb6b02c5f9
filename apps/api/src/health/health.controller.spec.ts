import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { type ModuleRef, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AllExceptionsFilter } from '../../../../libs/common/src/index.js';
import { REDIS } from '../../../../libs/redis/src/index.js';
import { DependencyIndicators, HealthController } from './health.controller.js';

const SECRET = 'password authentication failed for user "tenantry" at db-internal.corp:5432 (s3cr3t-hunter2)';

/** What TypeOrmHealthIndicator uses of a DataSource. */
const fakeDataSource = (query: () => Promise<unknown>) => ({ options: { type: 'postgres' }, query }) as unknown as DataSource;
const fakeRedis = (ping: () => Promise<unknown>) => ({ ping }) as unknown as Redis;

function indicators(query: () => Promise<unknown>, ping: () => Promise<unknown>): DependencyIndicators {
  const service = new HealthIndicatorService();
  const moduleRef = { get: () => fakeDataSource(query) } as unknown as ModuleRef;
  return new DependencyIndicators(service, new TypeOrmHealthIndicator(moduleRef, service), fakeRedis(ping));
}

describe('DependencyIndicators', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports a failing dependency as down without its error text, which goes to the log', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const deps = indicators(() => Promise.reject(new Error(SECRET)), () => Promise.reject(new Error(SECRET)));
    const results = [await deps.postgres(), await deps.redis()];
    expect(results).toEqual([{ postgres: { status: 'down' } }, { redis: { status: 'down' } }]);
    expect(JSON.stringify(results)).not.toContain('hunter2');
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toContain('hunter2');
  });

  it('reports working dependencies as up', async () => {
    const deps = indicators(() => Promise.resolve([{ '?column?': 1 }]), () => Promise.resolve('PONG'));
    expect([await deps.postgres(), await deps.redis()]).toEqual([{ postgres: { status: 'up' } }, { redis: { status: 'up' } }]);
  });

  it('reports a PostgreSQL that does not answer within 2 s as down', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const deps = indicators(() => new Promise(() => undefined), () => Promise.resolve('PONG'));
    const started = Date.now();
    expect(await deps.postgres()).toEqual({ postgres: { status: 'down' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(String(warn.mock.calls[0]?.[0])).toContain('timeout of 2000ms exceeded');
  });
});

describe('GET /health/ready', () => {
  async function serve(query: () => Promise<unknown>, withFilter = true): Promise<NestFastifyApplication> {
    @Module({
      imports: [TerminusModule],
      controllers: [HealthController],
      providers: [
        DependencyIndicators,
        { provide: DataSource, useValue: fakeDataSource(query) },
        { provide: REDIS, useValue: fakeRedis(() => Promise.resolve('PONG')) },
      ],
    })
    class HealthTestModule {}
    const app = await NestFactory.create<NestFastifyApplication>(HealthTestModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    if (withFilter) app.useGlobalFilters(new AllExceptionsFilter(pino({ level: 'silent' })));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  }

  // The API's exception filter reduces a 503 to its status line; the terminus body the
  // controller hands out (details per dependency) must carry no error text either.
  it.each([
    ['with the API exception filter', true],
    ['as the controller answers it', false],
  ])('answers 503 with no error text when PostgreSQL is unreachable (%s)', async (_, withFilter) => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await serve(() => Promise.reject(new Error(`connect ECONNREFUSED 10.1.2.3:5432; ${SECRET}`)), withFilter);
    try {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.body).not.toMatch(/hunter2|ECONNREFUSED|10\.1\.2\.3|db-internal|tenantry/);
      if (!withFilter) expect(res.json()).toMatchObject({ status: 'error', error: { postgres: { status: 'down' } }, details: { postgres: { status: 'down' }, redis: { status: 'up' } } });
    } finally {
      await app.close();
      vi.restoreAllMocks();
    }
  });

  it('answers 200 with PostgreSQL and Redis up', async () => {
    const app = await serve(() => Promise.resolve([{ '?column?': 1 }]));
    try {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    } finally {
      await app.close();
    }
  });
});
