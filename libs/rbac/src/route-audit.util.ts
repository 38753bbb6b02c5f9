import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ACCESS_KEY } from './access.decorators.js';

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

/**
 * Routes that declare neither @Public(), @Authenticated() nor @RequirePermissions(...)
 * (on the handler or its controller). The API refuses to start while any exist.
 */
export function findUndeclaredRoutes(controllers: Ctor[]): string[] {
  const undeclared: string[] = [];
  for (const controller of controllers) {
    const classLevel = Reflect.getMetadata(ACCESS_KEY, controller) as string | undefined;
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const handler = proto[name];
      if (typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue; // not a route
      const level = (Reflect.getMetadata(ACCESS_KEY, handler) as string | undefined) ?? classLevel;
      if (!level) {
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        undeclared.push(`${controller.name}.${name} (${path ?? ''})`);
      }
    }
  }
  return undeclared;
}
