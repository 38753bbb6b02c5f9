import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../libs/config/src/index.js';
import { collectControllers, findUndeclaredRoutes, listRoutes } from '../../../libs/rbac/src/index.js';
import { AppModule } from './app.module.js';

const ENV = {
  NODE_ENV: 'test',
  DATA_DIR: '/nonexistent/tenantry-route-audit',
  DATABASE_URL: 'postgres://x@127.0.0.1/x',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'route-audit-secret-0123456789-abcdefghijklmnop',
};
const config = loadConfig(ENV);

/** Routes that act in a tenant yet are @Public(): no caller is checked there. */
const publicTenantScoped = (routes: ReturnType<typeof listRoutes>) => routes.filter((r) => r.level === 'public' && r.tenantScoped).map((r) => `${r.method} ${r.path}`);

describe('route audit of the API', () => {
  it('every route of the API declares who may call it', () => {
    const controllers = collectControllers(AppModule.forRoot(config));
    const names = controllers.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['TenantsController', 'DocumentsController', 'AuthController', 'HealthController']));
    expect(findUndeclaredRoutes(controllers)).toEqual([]);
  });

  it('no tenant-scoped route is public; with BENCH_ROUTES only the bench no-auth baseline is', () => {
    expect(publicTenantScoped(listRoutes(collectControllers(AppModule.forRoot(config))))).toEqual([]);
    const bench = collectControllers(AppModule.forRoot(loadConfig({ ...ENV, BENCH_ROUTES: 'true' })));
    expect(findUndeclaredRoutes(bench)).toEqual([]);
    expect(publicTenantScoped(listRoutes(bench))).toEqual(['GET /bench/no-auth/documents']);
  });
});
