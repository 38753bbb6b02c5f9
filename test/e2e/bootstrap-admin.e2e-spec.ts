// BOOTSTRAP_ADMIN_EMAIL + BOOTSTRAP_ADMIN_PASSWORD make the first platform admin at start
// (API.md); a platform admin may act on any tenant, an ordinary user may not. Bootstrap only
// ever creates that user: an existing one (registered by anyone, or revoked since) is left alone.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv, runCli } from '../support/cli.js';
import { activeTenant, client, registerUser, uniqueSlug } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const email = `${uniqueSlug('root')}@example.com`;
const password = 'bootstrap-admin-password';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    ...shared,
    redisPrefix: shared.env.REDIS_PREFIX,
    worker: false,
    env: { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('bootstrap platform admin', () => {
  it('exists after start, logs in, and may read and suspend any tenant; others may not', async () => {
    const request = client(stack.info.apiUrl);
    const login = await request('POST', '/api/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    const me = await request('GET', '/api/v1/auth/me', { token: login.body.access_token });
    expect(me.body.user.is_platform_admin).toBe(true);

    const { tenant } = await activeTenant(request);
    const stranger = await registerUser(request);
    expect((await request('GET', `/api/tenants/${tenant.slug}`, { token: stranger.token })).status).toBe(403);

    const asAdmin = await request('GET', `/api/tenants/${tenant.slug}`, { token: login.body.access_token });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.id).toBe(tenant.id);
    const listed = await request('GET', `/api/tenants?limit=100&status=active`, { token: login.body.access_token });
    expect(listed.body.total).toBeGreaterThanOrEqual(1);
    const suspended = await request('DELETE', `/api/tenants/${tenant.id}`, { token: login.body.access_token });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
  });

  it('a second start with the same variables changes nothing and does not fail', async () => {
    const again = await startStack({ ...shared, redisPrefix: shared.env.REDIS_PREFIX, worker: false, env: { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: 'another-password' } });
    try {
      const request = client(again.info.apiUrl);
      expect((await request('POST', '/api/v1/auth/login', { body: { email, password } })).status).toBe(200);
      expect((await request('POST', '/api/v1/auth/login', { body: { email, password: 'another-password' } })).status).toBe(401);
    } finally {
      await again.stop();
    }
  });

  it('an address someone registered first is not made admin (and keeps its own password)', async () => {
    const request = client(shared.apiUrl);
    const squatter = await registerUser(request);
    const again = await startStack({ ...shared, redisPrefix: shared.env.REDIS_PREFIX, worker: false, env: { BOOTSTRAP_ADMIN_EMAIL: squatter.email, BOOTSTRAP_ADMIN_PASSWORD: password } });
    try {
      const api = client(again.info.apiUrl);
      const me = await api('GET', '/api/v1/auth/me', { token: squatter.token });
      expect(me.status).toBe(200);
      expect(me.body.user.is_platform_admin).toBe(false);
      expect((await api('POST', '/api/v1/auth/login', { body: { email: squatter.email, password } })).status).toBe(401);
      const { tenant } = await activeTenant(api);
      expect((await api('GET', `/api/tenants/${tenant.id}`, { token: squatter.token })).status).toBe(403);
    } finally {
      await again.stop();
    }
  });

  it('an admin revoked with the CLI stays revoked when an API starts again with the same variables', async () => {
    const revoked = await runCli(['users', 'set-admin', email, '--revoke'], cliEnv(shared.env), 150_000);
    expect(revoked, revoked.stderr).toMatchObject({ code: 0 });
    const again = await startStack({ ...shared, redisPrefix: shared.env.REDIS_PREFIX, worker: false, env: { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } });
    try {
      const api = client(again.info.apiUrl);
      const login = await api('POST', '/api/v1/auth/login', { body: { email, password } });
      expect(login.status).toBe(200);
      const me = await api('GET', '/api/v1/auth/me', { token: login.body.access_token });
      expect(me.body.user.is_platform_admin).toBe(false);
    } finally {
      await again.stop();
    }
  }, 300_000);
});
