// Abuse of open sign-up and sign-in (README "Registration and sign-in limits"): failed logins
// are counted per account and per client IP in Redis, successful registrations per IP; a
// refusal is 429 with Retry-After. REGISTRATION=closed|invite refuses self-registration.
// Each API here has its own Redis prefix, so its counters start at zero.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { client, type HttpResponse, type Request, uniqueSlug } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const PASSWORD = 'correct-horse-battery';
const stacks: Stack[] = [];
let limited: Request;
let closed: Request;
let invite: Request;
let db: pg.Client;

const newEmail = (): string => `${uniqueSlug('limits')}@example.com`;
const register = (api: Request, email = newEmail()) => api('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } });

async function api(env: Record<string, string>): Promise<Request> {
  const stack = await startStack({ ...shared, worker: false, env });
  stacks.push(stack);
  return client(stack.info.apiUrl);
}

beforeAll(async () => {
  [limited, closed, invite] = await Promise.all([
    api({ LOGIN_FAILS_PER_ACCOUNT: '3', LOGIN_FAILS_PER_IP: '8', REGISTRATIONS_PER_IP_PER_MINUTE: '4' }),
    api({ REGISTRATION: 'closed' }),
    api({ REGISTRATION: 'invite' }),
  ]);
  db = new pg.Client({ connectionString: shared.databaseUrl });
  await db.connect();
}, 90_000);

afterAll(async () => {
  await db?.end();
  await Promise.all(stacks.map((s) => s.stop()));
});

function expectRateLimited(res: HttpResponse): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'rate_limited', message: expect.any(String) });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
}

async function userCount(email: string): Promise<number> {
  return (await db.query('SELECT 1 FROM public.users WHERE lower(email) = lower($1)', [email])).rowCount ?? 0;
}

// One test, in order: the IP and registration counters are shared by everything this API sees.
describe('throttling (LOGIN_FAILS_PER_ACCOUNT=3, LOGIN_FAILS_PER_IP=8, REGISTRATIONS_PER_IP_PER_MINUTE=4)', () => {
  it('locks an account after 3 failures (even the right password is 429), leaves other accounts alone, resets on success, limits IPs and registrations', async () => {
    const login = (email: string, password: string) => limited('POST', '/api/v1/auth/login', { body: { email, password } });
    const emails = [newEmail(), newEmail(), newEmail()];
    for (const email of emails) expect((await register(limited, email)).status).toBe(201);
    const [victim, bystander, resetter] = emails as [string, string, string];

    // A success resets the account's failures: 2 wrong, right, 2 wrong is never locked.
    for (const password of ['wrong-1', 'wrong-2', PASSWORD, 'wrong-3', 'wrong-4']) await login(resetter, password);
    expect((await login(resetter, PASSWORD)).status).toBe(200);

    for (let i = 0; i < 3; i++) expect((await login(victim, `wrong-${i}`)).status).toBe(401);
    expectRateLimited(await login(victim, 'wrong-again'));
    const locked = await login(victim, PASSWORD);
    expectRateLimited(locked);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    // The same account in other letter case is the same account.
    expectRateLimited(await login(victim.toUpperCase(), PASSWORD));

    // Another account from the same address is unaffected.
    expect((await login(bystander, PASSWORD)).status).toBe(200);

    // 4 failures so far from this IP (resetter) + 3 (victim) = 7 of 8: one more, then the IP is refused.
    expect((await login(bystander, 'wrong-x')).status).toBe(401);
    expectRateLimited(await login(bystander, PASSWORD));

    // Registrations: 3 made above, a 4th is allowed, a 5th is refused and creates nothing.
    // A duplicate email (409) is not a successful registration, so it does not count.
    expect((await register(limited, victim)).status).toBe(409);
    expect((await register(limited)).status).toBe(201);
    const refusedEmail = newEmail();
    const refused = await register(limited, refusedEmail);
    expectRateLimited(refused);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await userCount(refusedEmail)).toBe(0);
  });
});

describe('REGISTRATION', () => {
  it('closed: register is 403 registration_closed and creates no user; login still works', async () => {
    const email = newEmail();
    const res = await register(closed, email);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, code: 'registration_closed', message: expect.stringMatching(/closed/) });
    expect(await userCount(email)).toBe(0);

    const existing = newEmail();
    expect((await register(client(shared.apiUrl), existing)).status).toBe(201);
    expect((await closed('POST', '/api/v1/auth/login', { body: { email: existing, password: PASSWORD } })).status).toBe(200);
  });

  it('invite: register without an invitation is 403 registration_invite_only and creates no user', async () => {
    const email = newEmail();
    const res = await register(invite, email);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, code: 'registration_invite_only', message: expect.stringMatching(/invitation/) });
    expect(await userCount(email)).toBe(0);
  });
});
