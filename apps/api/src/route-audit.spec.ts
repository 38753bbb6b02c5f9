import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../libs/config/src/index.js';
import { collectControllers, findUndeclaredRoutes } from '../../../libs/rbac/src/index.js';
import { AppModule } from './app.module.js';

const config = loadConfig({
  NODE_ENV: 'test',
  DATA_DIR: '/nonexistent/tenantry-route-audit',
  DATABASE_URL: 'postgres://x@127.0.0.1/x',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'route-audit-secret-0123456789-abcdefghijklmnop',
});

describe('route audit of the API', () => {
  it('every route of the API declares who may call it', () => {
    const controllers = collectControllers(AppModule.forRoot(config));
    const names = controllers.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['TenantsController', 'DocumentsController', 'AuthController', 'HealthController']));
    expect(findUndeclaredRoutes(controllers)).toEqual([]);
  });
});
