// Medium tier: the tenant access guard and the ancestor query, built in process against a
// database of their own (rows made by factories), with a real Redis for the directory.
import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ClsService } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDataSource } from '../../libs/database/src/index.js';
import { TENANT_SCOPED_KEY } from '../../libs/rbac/src/index.js';
import { NotAMember, TenantAccessGuard, TenantConflict, TenantContext, TenantDirectory, TenantsRepository } from '../../libs/tenancy/src/index.js';
import { insertMembership, insertTenant, insertUser, type TenantFactoryRow, type UserRow } from '../support/factories.js';
import { type MediumDatabase, mediumDatabase } from '../support/medium.js';

const shared = inject('stack');
let medium: MediumDatabase;
let runtime: DataSource;
let redis: Redis;
let repo: TenantsRepository;
let directory: TenantDirectory;
let guard: TenantAccessGuard;
let context: TenantContext;
const cls = new ClsService(new AsyncLocalStorage());

// A grandparent > parent > child chain; `admin` administers the grandparent only, `member` is a member of the child.
let owner: UserRow, admin: UserRow, member: UserRow, stranger: UserRow;
let grandparent: TenantFactoryRow, parent: TenantFactoryRow, child: TenantFactoryRow, other: TenantFactoryRow;

class ScopedRoute {
  route(): void {}
}
Reflect.defineMetadata(TENANT_SCOPED_KEY, true, ScopedRoute);
class PathRoute {
  route(): void {}
}

function executionContext(route: typeof ScopedRoute | typeof PathRoute, request: Record<string, unknown>): ExecutionContext {
  return {
    getHandler: () => route.prototype.route,
    getClass: () => route,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

/** The guard on a tenant-scoped route for `user`, with these headers; the scope it wrote, or what it threw. */
async function scopedAs(user: UserRow, headers: Record<string, string>) {
  return cls.run(async () => {
    const req = { user: { id: user.id, email: user.email, isPlatformAdmin: false }, params: {}, raw: { headers, url: '/api/v1/corpus/documents' } };
    await guard.canActivate(executionContext(ScopedRoute, req));
    return context.scope;
  });
}

beforeAll(async () => {
  medium = await mediumDatabase(shared, 'guard');
  runtime = await createDataSource(medium.config, 'medium-guard', [], 2).initialize();
  redis = new Redis(shared.redisUrl, { maxRetriesPerRequest: 2 });
  repo = new TenantsRepository(runtime);
  directory = new TenantDirectory(repo, medium.config, redis);
  await directory.onModuleInit();
  context = new TenantContext(cls);
  guard = new TenantAccessGuard(directory, repo, medium.config, context);
  [owner, admin, member, stranger] = await Promise.all([insertUser(medium.db), insertUser(medium.db), insertUser(medium.db), insertUser(medium.db)]);
  grandparent = await insertTenant(medium.db, { ownerId: owner.id, status: 'active' });
  parent = await insertTenant(medium.db, { ownerId: owner.id, parentId: grandparent.id, status: 'active' });
  child = await insertTenant(medium.db, { ownerId: owner.id, parentId: parent.id, status: 'active' });
  other = await insertTenant(medium.db, { ownerId: owner.id, status: 'active' });
  await insertMembership(medium.db, grandparent.id, admin.id, 'admin');
  await insertMembership(medium.db, child.id, member.id, 'member');
});

afterAll(async () => {
  await directory?.onApplicationShutdown();
  redis?.disconnect();
  await runtime?.destroy();
  await medium?.drop();
});

describe('the ancestor query (TenantsRepository.lineage)', () => {
  it('walks from the tenant to the root, nearest first, with the caller’s role at each level', async () => {
    const lineage = await repo.lineage(child.id, admin.id);
    expect(lineage.map((t) => [t.slug, t.caller_role])).toEqual([
      [child.slug, null],
      [parent.slug, null],
      [grandparent.slug, 'admin'],
    ]);
    expect((await repo.lineage(child.id, null)).map((t) => t.caller_role)).toEqual([null, null, null]);
  });
});

describe('the tenant access guard (in process)', () => {
  it('a member acts with their role; the scope holds the tenant and the access, written once', async () => {
    const scope = await scopedAs(member, { 'x-tenant-id': child.id });
    expect(scope).toMatchObject({ tenantId: child.id, role: 'member', elevated: false, via: 'member', tenant: { slug: child.slug } });
  });

  it('an admin of an ancestor two levels up acts as one, naming that ancestor', async () => {
    const scope = await scopedAs(admin, { 'x-tenant-slug': child.slug });
    expect(scope).toMatchObject({ tenantId: child.id, role: null, elevated: true, via: 'ancestor', ancestorId: grandparent.id });
  });

  it('a stranger, and the ancestor admin on an unrelated tenant, are not members', async () => {
    await expect(scopedAs(stranger, { 'x-tenant-id': child.id })).rejects.toBeInstanceOf(NotAMember);
    await expect(scopedAs(admin, { 'x-tenant-id': other.id })).rejects.toBeInstanceOf(NotAMember);
  });

  it('one tenant by uuid (any case) and slug is fine; two tenants named at once is a conflict', async () => {
    const scope = await scopedAs(member, { 'x-tenant-id': child.id.toUpperCase(), 'x-tenant-slug': child.slug });
    expect(scope.tenantId).toBe(child.id);
    await expect(scopedAs(owner, { 'x-tenant-id': child.id, 'x-tenant-slug': other.slug })).rejects.toBeInstanceOf(TenantConflict);
  });

  it('a management route takes the tenant from the path parameter', async () => {
    const scope = await cls.run(async () => {
      const req = { user: { id: admin.id, email: admin.email, isPlatformAdmin: false }, params: { tenant: parent.slug }, raw: { headers: {} } };
      await guard.canActivate(executionContext(PathRoute, req));
      return context.scope;
    });
    expect(scope).toMatchObject({ tenantId: parent.id, via: 'ancestor', ancestorId: grandparent.id });
  });
});
