import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DependencyIndicators } from './health.controller.js';

const SECRET = 'password authentication failed for user "tenantry" at db-internal.corp:5432 (s3cr3t-hunter2)';

function indicators(query: () => Promise<unknown>, ping: () => Promise<unknown>): DependencyIndicators {
  return new DependencyIndicators(new HealthIndicatorService(), { query } as unknown as DataSource, { ping } as unknown as Redis);
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
});
