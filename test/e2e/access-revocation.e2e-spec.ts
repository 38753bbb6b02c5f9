// Changes to a user take effect at once on every API process (API.md): platform admin is
// read from the user's row (cached per process, invalidated over Redis), never from the
// token; a password change or a deletion makes the user's earlier tokens 401. Checked on
// the shared API and on a second API process (same database and Redis prefix), each
// warmed up first so that the test proves the invalidation, not a cold cache.
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CliResult, cliEnv, runCli } from '../support/cli.js';
import { activeTenant, client, registerUser, type Request } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
// Each CLI run starts a Nest application: seconds on a busy machine.
const CLI_TEST_MS = 300_000;
const cliRun = (...args: string[]): Promise<CliResult> => runCli(args, cliEnv(shared.env), 150_000);
const first = client(shared.apiUrl);
let secondStack: Stack;
let second: Request;
let apis: Request[];
let db: pg.Client;

beforeAll(async () => {
  secondStack = await startStack({ ...shared, redisPrefix: shared.env.REDIS_PREFIX, worker: false });
  second = client(secondStack.info.apiUrl);
  apis = [first, second];
  db = new pg.Client({ connectionString: shared.databaseUrl });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await db?.end();
  await secondStack?.stop();
});

/** The status every API process answers for the same request. */
async function statuses(method: string, path: string, token: string): Promise<number[]> {
  return Promise.all(apis.map(async (api) => (await api(method, path, { token })).status));
}

async function login(email: string, password: string) {
  return first('POST', '/api/v1/auth/login', { body: { email, password } });
}

async function tokenVersion(id: string): Promise<number | undefined> {
  return (await db.query<{ v: number }>('SELECT token_version AS v FROM public.users WHERE id = $1', [id])).rows[0]?.v;
}

function expectOk(result: CliResult): void {
  expect(result, result.stderr).toMatchObject({ code: 0 });
}

describe('platform admin comes from the database, at once, on every API process', () => {
  it('set-admin gives and set-admin --revoke takes away admin powers from a token already issued', async () => {
    const { tenant } = await activeTenant(first); // someone else's tenant
    const user = await registerUser(first);
    const path = `/api/tenants/${tenant.id}`;
    expect(await statuses('GET', path, user.token)).toEqual([403, 403]);

    expectOk(await cliRun('users', 'set-admin', user.email));
    // The token from before the grant: its power is the user's row, not a claim in it.
    expect(await statuses('GET', path, user.token)).toEqual([200, 200]);
    const adminToken = (await login(user.email, user.password)).body.access_token as string;
    expect(await statuses('GET', path, adminToken)).toEqual([200, 200]);
    expect(await statuses('GET', path, adminToken)).toEqual([200, 200]); // cached on both now

    expectOk(await cliRun('users', 'set-admin', user.email, '--revoke'));
    expect(await statuses('GET', path, adminToken)).toEqual([403, 403]);
    expect(await statuses('GET', path, user.token)).toEqual([403, 403]);
    const me = await second('GET', '/api/v1/auth/me', { token: adminToken });
    expect(me.status).toBe(200);
    expect(me.body.user.is_platform_admin).toBe(false);
  }, CLI_TEST_MS);
});

describe('password change: earlier tokens stop working at once', () => {
  it('POST /api/v1/auth/password answers a fresh token; the old one is 401 on every API process', async () => {
    const user = await registerUser(first);
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([200, 200]);
    const newPassword = 'a-brand-new-password';

    const changed = await first('POST', '/api/v1/auth/password', { token: user.token, body: { current_password: user.password, new_password: newPassword } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(await tokenVersion(user.id)).toBe(1);

    const old = await second('GET', '/api/v1/auth/me', { token: user.token });
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([401, 401]);
    expect(await statuses('GET', '/api/v1/auth/me', changed.body.access_token)).toEqual([200, 200]);
    expect(await statuses('GET', '/api/tenants', changed.body.access_token)).toEqual([200, 200]);

    expect((await login(user.email, user.password)).status).toBe(401);
    const again = await login(user.email, newPassword);
    expect(again.status).toBe(200);
    expect(await statuses('GET', '/api/v1/auth/me', again.body.access_token)).toEqual([200, 200]);
  });

  it('a wrong current password is 401, bad input 400, and neither changes anything', async () => {
    const user = await registerUser(first);
    const wrong = await first('POST', '/api/v1/auth/password', { token: user.token, body: { current_password: 'not-the-password', new_password: 'another-password-1' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ statusCode: 401, message: expect.stringMatching(/current password/) });
    const short = await first('POST', '/api/v1/auth/password', { token: user.token, body: { current_password: user.password, new_password: 'short' } });
    expect(short.status).toBe(400);
    expect((await first('POST', '/api/v1/auth/password', { body: { current_password: user.password, new_password: 'another-password-1' } })).status).toBe(401);

    expect(await tokenVersion(user.id)).toBe(0);
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([200, 200]);
    expect((await login(user.email, user.password)).status).toBe(200);
    expect((await login(user.email, 'another-password-1')).status).toBe(401);
  });

  it('users set-password (CLI): the old token is 401 on every API process, the new password logs in', async () => {
    const user = await registerUser(first);
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([200, 200]);
    const result = await cliRun('users', 'set-password', '--email', user.email.toUpperCase(), '--password', 'set-by-an-operator');
    expectOk(result);
    expect(result.stdout).toContain(user.email);
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([401, 401]);
    expect((await login(user.email, user.password)).status).toBe(401);
    const fresh = await login(user.email, 'set-by-an-operator');
    expect(fresh.status).toBe(200);
    expect(await statuses('GET', '/api/v1/auth/me', fresh.body.access_token)).toEqual([200, 200]);

    const short = await cliRun('users', 'set-password', '--email', user.email, '--password', 'short');
    const unknown = await cliRun('users', 'set-password', '--email', 'nobody-here@example.com', '--password', 'long-enough-password');
    expect(short.code).toBe(EXIT.badInput);
    expect(short.stderr).toMatch(/password must be 8 to 128 characters/);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toMatch(/not found/);
    expect(await tokenVersion(user.id)).toBe(1);
  }, CLI_TEST_MS);
});

describe('deleting a user', () => {
  it('users delete (CLI): their token is 401 on /me and on a tenant route, on every API process; the row and memberships are gone', async () => {
    const { tenant } = await activeTenant(first);
    const user = await registerUser(first);
    await db.query(`INSERT INTO public.memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [tenant.id, user.id]);
    const path = `/api/tenants/${tenant.id}`;
    expect(await statuses('GET', path, user.token)).toEqual([200, 200]);
    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([200, 200]);

    const result = await cliRun('users', 'delete', '--email', user.email);
    expectOk(result);
    expect(result.stdout).toContain(`deleted user ${user.email}`);

    expect(await statuses('GET', '/api/v1/auth/me', user.token)).toEqual([401, 401]);
    expect(await statuses('GET', path, user.token)).toEqual([401, 401]);
    expect((await db.query('SELECT 1 FROM public.users WHERE id = $1', [user.id])).rowCount).toBe(0);
    expect((await db.query('SELECT 1 FROM public.memberships WHERE user_id = $1', [user.id])).rowCount).toBe(0);
    expect((await login(user.email, user.password)).status).toBe(401);
  }, CLI_TEST_MS);

  it('is refused (a conflict, nothing changed) while the user owns a tenant, and for an unknown email (not found)', async () => {
    const { owner, tenant } = await activeTenant(first);
    const result = await cliRun('users', 'delete', '--email', owner.email);
    const unknown = await cliRun('users', 'delete', '--email', 'nobody-here@example.com');
    expect(result.code).toBe(EXIT.conflict);
    expect(result.stderr).toContain(`owns tenant(s) ${tenant.slug}`);
    expect((await db.query('SELECT 1 FROM public.users WHERE id = $1', [owner.id])).rowCount).toBe(1);
    expect((await db.query('SELECT 1 FROM public.memberships WHERE user_id = $1', [owner.id])).rowCount).toBe(1);
    expect(await statuses('GET', `/api/tenants/${tenant.id}`, owner.token)).toEqual([200, 200]);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toMatch(/not found/);
  }, CLI_TEST_MS);
});
