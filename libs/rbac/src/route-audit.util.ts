import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ACCESS_KEY } from './access.decorators.js';
import { declaredRule, type RouteRule } from './route-rules.js';

type Ctor = abstract new (...args: never[]) => unknown;

/** Every controller reachable from a module class through its (static or dynamic) imports. */
export function collectControllers(root: unknown): Ctor[] {
  const seen = new Set<unknown>();
  const controllers = new Set<Ctor>();
  const visit = (mod: unknown): void => {
    if (!mod || seen.has(mod)) return;
    seen.add(mod);
    const isDynamic = typeof mod === 'object' && 'module' in (mod as object);
    const cls = isDynamic ? (mod as { module: unknown }).module : mod;
    const dyn = isDynamic ? (mod as { controllers?: Ctor[]; imports?: unknown[] }) : {};
    for (const c of [...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls as object) as Ctor[] | undefined) ?? []), ...(dyn.controllers ?? [])]) {
      controllers.add(c);
    }
    for (const m of [...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls as object) as unknown[] | undefined) ?? []), ...(dyn.imports ?? [])]) visit(m);
  };
  visit(root);
  return [...controllers];
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handlers
type Handler = Function;

/** Each route handler of the controllers (methods carrying Nest's route metadata). */
function* routeHandlers(controllers: Ctor[]): Generator<{ controller: Ctor; name: string; handler: Handler }> {
  for (const controller of controllers) {
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue; // not a route
      yield { controller, name, handler };
    }
  }
}

/** One route of a controller, with the rule its decorators declare. */
export interface DeclaredRoute extends RouteRule {
  /** `Controller.handler`. */
  name: string;
  method: string;
  /** Nest's path syntax (`/api/tenants/:tenant`); one entry per path when a decorator lists several. */
  path: string;
}

const joinPath = (...parts: string[]): string => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;
const paths = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : [typeof value === 'string' ? value : '']);

/** Every route of the controllers, with method, full path and declared rule: what the guards will read. */
export function listRoutes(controllers: Ctor[]): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const { controller, name, handler } of routeHandlers(controllers)) {
    const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
    const rule = declaredRule(handler, controller);
    for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const sub of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
        routes.push({ name: `${controller.name}.${name}`, method, path: joinPath(base, sub), ...rule });
      }
    }
  }
  return routes;
}

/**
 * Routes that declare neither @Public(), @Authenticated() nor @RequirePermissions(...)
 * (on the handler or its controller). The API refuses to start while any exist.
 */
export function findUndeclaredRoutes(controllers: Ctor[]): string[] {
  const undeclared: string[] = [];
  for (const { controller, name, handler } of routeHandlers(controllers)) {
    const classLevel = Reflect.getMetadata(ACCESS_KEY, controller) as string | undefined;
    const level = (Reflect.getMetadata(ACCESS_KEY, handler) as string | undefined) ?? classLevel;
    if (!level) {
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      undeclared.push(`${controller.name}.${name} (${path ?? ''})`);
    }
  }
  return undeclared;
}
