import 'reflect-metadata';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { Authenticated, Public, RequirePermissions } from './access.decorators.js';
import { P } from './permissions.js';
import { collectControllers, findUndeclaredRoutes, listRoutes } from './route-audit.util.js';

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

// The audit of the real API's route table is apps/api/src/route-audit.spec.ts (a lib never imports an app).
describe('route audit', () => {
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

  it('lists every route with method, full path and the rule the guards read (handler over class)', () => {
    const routes = listRoutes(collectControllers(FakeRootModule));
    expect(routes.map(({ name, method, path, level, permissions, tenantScoped }) => ({ name, method, path, level, permissions, tenantScoped }))).toEqual(
      expect.arrayContaining([
        { name: 'FakeController.open', method: 'GET', path: '/fake/open', level: 'public', permissions: [], tenantScoped: false },
        { name: 'FakeController.forgotten', method: 'GET', path: '/fake/forgotten', level: undefined, permissions: [], tenantScoped: false },
        { name: 'ClassLevelController.list', method: 'GET', path: '/class-level', level: 'authenticated', permissions: [], tenantScoped: false },
        { name: 'ClassLevelController.create', method: 'POST', path: '/class-level', level: 'permissions', permissions: [P.CorpusWrite], tenantScoped: false },
      ]),
    );
    expect(routes).toHaveLength(4);
  });
});
