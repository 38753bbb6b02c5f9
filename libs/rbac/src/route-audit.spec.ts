import 'reflect-metadata';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- the audit is about the real API's route table
import { AppModule } from '../../../apps/api/src/app.module.js';
import { loadConfig } from '../../config/src/index.js';
import { Authenticated, Public, RequirePermissions } from './access.decorators.js';
import { P } from './permissions.js';
import { collectControllers, findUndeclaredRoutes } from './route-audit.util.js';

const config = loadConfig({
  NODE_ENV: 'test',
  DATA_DIR: '/nonexistent/tenantry-route-audit',
  DATABASE_URL: 'postgres://x@127.0.0.1/x',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'route-audit-secret-0123456789-abcdefghijklmnop',
});

@Controller('fake')
class FakeController {
  @Get('open')
  @Public()
  open(): string {
    return 'ok';
  }

  @Get('forgotten')
  forgotten(): string {
    return 'oops';
  }

  notARoute(): string {
    return 'helper';
  }
}

@Authenticated()
@Controller('class-level')
class ClassLevelController {
  @Get()
  list(): string[] {
    return [];
  }

  @Post()
  @RequirePermissions(P.CorpusWrite)
  create(): string {
    return 'created';
  }
}

@Module({ controllers: [FakeController] })
class FakeChildModule {}

@Module({ imports: [FakeChildModule, { module: class DynamicHolder {}, controllers: [ClassLevelController] }] })
class FakeRootModule {}

describe('route audit', () => {
  it('every route of the API declares who may call it', () => {
    const controllers = collectControllers(AppModule.forRoot(config));
    const names = controllers.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['TenantsController', 'DocumentsController', 'AuthController', 'HealthController']));
    expect(findUndeclaredRoutes(controllers)).toEqual([]);
  });

  it('reports a route without @Public/@Authenticated/@RequirePermissions, and only that one', () => {
    expect(findUndeclaredRoutes([FakeController])).toEqual(['FakeController.forgotten (forgotten)']);
  });

  it('a class-level declaration covers every route of the controller', () => {
    expect(findUndeclaredRoutes([ClassLevelController])).toEqual([]);
  });

  it('collects controllers through static and dynamic imports, once each', () => {
    const controllers = collectControllers(FakeRootModule);
    expect(controllers).toHaveLength(2);
    expect(new Set(controllers)).toEqual(new Set([FakeController, ClassLevelController]));
    expect(findUndeclaredRoutes(controllers)).toEqual(['FakeController.forgotten (forgotten)']);
  });
});
