// The permission matrix: every route of the API that declares permissions, called over HTTP as
// every kind of caller, against the outcome the catalogue and the CASL abilities predict.
// The route set comes from the API's own module tree and route metadata (what the guards read),
// so a new route is covered without a new test.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppModule } from '../../apps/api/src/app.module.js';
import { loadConfig } from '../../libs/config/src/index.js';
import { type AccessContext, abilityFor, ALL_PERMISSIONS, collectControllers, type DeclaredRoute, grantsAll, listRoutes, type Permission } from '../../libs/rbac/src/index.js';
import { activeTenant, client, createTenant, registerUser, type TestUser, waitForStatus } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

/** The routes of the API as the shared stack's API runs it (same configuration, so the same modules). */
const ROUTES = listRoutes(collectControllers(AppModule.forRoot(loadConfig(stack.env))));
const GUARDED = ROUTES.filter((r) => r.level === 'permissions').sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));

type Target = 'child' | 'parent';
interface Caller {
  name: string;
  /** The tenant the caller acts on. */
  target: Target;
  /** What the tenancy guard should resolve for the caller (null: not a member, not elevated: refused). */
  access: Omit<AccessContext, 'tenantId'> | null;
  /** An API key of the target's owner, made for each route with these scopes. */
  keyScopes?: (route: DeclaredRoute) => Permission[];
}
const apiKey = (name: string, keyScopes: Caller['keyScopes']): Caller => ({ name, target: 'child', access: { role: null, elevated: false, via: 'api_key' }, keyScopes });

const member = (role: 'owner' | 'admin' | 'member' | 'viewer'): Caller['access'] => ({ role, elevated: false, via: 'member' });
const CALLERS: readonly Caller[] = [
  { name: 'owner', target: 'child', access: member('owner') },
  { name: 'admin', target: 'child', access: member('admin') },
  { name: 'member', target: 'child', access: member('member') },
  { name: 'viewer', target: 'child', access: member('viewer') },
  { name: 'non-member', target: 'child', access: null },
  // The owner of the parent tenant, acting on the child.
  { name: 'parent admin', target: 'child', access: { role: null, elevated: true, via: 'ancestor' } },
  // The admin of the child, acting on the parent: administering a child gives nothing upwards.
  { name: 'child admin', target: 'parent', access: null },
  { name: 'platform admin', target: 'child', access: { role: null, elevated: true, via: 'platform' } },
  apiKey('api key with the scope', (route) => [...route.permissions]),
  apiKey('api key without it', (route) => ALL_PERMISSIONS.filter((p) => !route.permissions.includes(p))),
];

/** Whether the caller may call the route, from the catalogue and the same CASL abilities the guard uses. */
function expectedAllowed(route: DeclaredRoute, caller: Caller): boolean {
  const takesTenant = route.tenantScoped || route.path.includes(':tenant');
  if (!takesTenant || !caller.access) return false; // fail closed: no tenant, no permission
  const ability = abilityFor({ tenantId: 'x', ...caller.access, ...(caller.keyScopes ? { scopes: caller.keyScopes(route) } : {}) });
  return ability !== null && grantsAll(ability, route.permissions);
}

let tenants: Record<Target, { id: string }>;
let tokens: Record<string, string>;
let operator: TestUser;

beforeAll(async () => {
  const users = Object.fromEntries(
    await Promise.all(['owner', 'admin', 'member', 'viewer', 'non-member', 'parent admin'].map(async (n) => [n, await registerUser(request, n)] as const)),
  ) as Record<string, TestUser>;
  operator = await registerUser(request, 'Operator');
  await db.query('UPDATE public.users SET is_platform_admin = true WHERE id = $1', [operator.id]);
  const login = await request('POST', '/api/v1/auth/login', { body: { email: operator.email, password: operator.password } });
  expect(login.status).toBe(200);
  operator = { ...operator, token: login.body.access_token };

  const { tenant: parent } = await activeTenant(request, { plan: 'enterprise' }, users['parent admin']);
  // The parent's owner creates the child (and becomes its owner): hand the child to its own owner
  // before anyone calls it, so no API process has a cached role for it; the operator waits for it.
  const created = await createTenant(request, users['parent admin']!.token, { parent_id: parent.id });
  await db.query(`UPDATE public.memberships SET user_id = $2 WHERE tenant_id = $1 AND role = 'owner'`, [created.id, users.owner!.id]);
  await db.query(`UPDATE public.tenants SET owner_id = $2 WHERE id = $1`, [created.id, users.owner!.id]);
  for (const role of ['admin', 'member', 'viewer']) {
    await db.query('INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)', [created.id, users[role]!.id, role]);
  }
  const child = (await waitForStatus(request, operator.token, created.id)) as { id: string };
  // Two keys per route are made on the child.
  await db.query('UPDATE public.tenants SET max_api_keys = 10000 WHERE id = $1', [child.id]);
  tenants = { parent, child };
  tokens = {
    ...Object.fromEntries(Object.entries(users).map(([n, u]) => [n, u.token])),
    'child admin': users.admin!.token,
    'platform admin': operator.token,
  };
});

/** A call may suspend a tenant (DELETE /api/tenants/{tenant}): put it back before the next caller. */
async function restoreTenants(): Promise<void> {
  for (const tenant of Object.values(tenants)) {
    const { rows } = await db.query<{ status: string }>('SELECT status FROM public.tenants WHERE id = $1', [tenant.id]);
    if (rows[0]!.status === 'active') continue;
    const res = await request('POST', `/api/tenants/${tenant.id}/reactivate`, { token: operator.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await waitForStatus(request, operator.token, tenant.id);
  }
}

/** A minimal request: the tenant in its path parameter or X-Tenant-ID, unknown ids for other parameters, an empty JSON body. */
async function call(route: DeclaredRoute, caller: Caller) {
  const tenantId = tenants[caller.target].id;
  let token = tokens[caller.name];
  if (caller.keyScopes) {
    const key = await request('POST', `/api/tenants/${tenantId}/api-keys`, { token: tokens.owner, body: { name: caller.name, scopes: caller.keyScopes(route) } });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    token = key.body.key as string;
  }
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => (name === 'tenant' ? tenantId : randomUUID()));
  const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
  return request(route.method, path, { token, body, headers: route.tenantScoped ? { 'x-tenant-id': tenantId } : {} });
}

const covered = new Set<DeclaredRoute>();

describe('permission matrix: every route with permissions × every caller', () => {
  it('the API declares routes with permissions', () => {
    expect(GUARDED.length).toBeGreaterThan(0);
  });

  for (const route of GUARDED) {
    it(`${route.method} ${route.path} [${route.permissions.join(', ')}]`, async () => {
      const wrong: string[] = [];
      for (const caller of CALLERS) {
        const res = await call(route, caller);
        const allowed = expectedAllowed(route, caller);
        const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
        if (!ok) wrong.push(`${caller.name}: expected ${allowed ? 'allowed' : '403'}, got ${res.status} ${JSON.stringify(res.body)}`);
        await restoreTenants();
      }
      expect(wrong).toEqual([]);
      covered.add(route);
    });
  }

  it('covers every route that declares permissions, as every caller', () => {
    expect(covered.size).toBe(GUARDED.length);
    console.log(`permission matrix: ${GUARDED.length} routes × ${CALLERS.length} callers = ${GUARDED.length * CALLERS.length} calls`);
  });
});
