import { createHmac } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { client, createTenant, registerUser, uniqueSlug } from '../support/http.js';

const request = client(inject('stack').apiUrl);
const PASSWORD = 'correct-horse-battery';

const newEmail = (): string => `${uniqueSlug('auth')}@example.com`;

function expectErrorShape(body: unknown, status: number): void {
  expect(body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
}

/** An HS256 JWT signed with `secret` (to forge tokens the API must refuse). */
function signJwt(claims: Record<string, unknown>, secret: string): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

async function login(email: string, password: string) {
  return request('POST', '/api/v1/auth/login', { body: { email, password } });
}

describe('auth: register', () => {
  it('answers 201 with the user and a token that works, and never shows the password', async () => {
    const email = newEmail();
    const res = await request('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, name: 'Ada Lovelace' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email,
      name: 'Ada Lovelace',
      is_platform_admin: false,
      created_at: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(res.body.user.created_at))).toBe(false);
    expect(typeof res.body.access_token).toBe('string');
    const raw = JSON.stringify(res.body).toLowerCase();
    expect(raw).not.toContain('password');
    expect(raw).not.toContain('hash');
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain('$argon2');

    const me = await request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);
  });

  it('name is optional', async () => {
    const res = await request('POST', '/api/v1/auth/register', { body: { email: newEmail(), password: PASSWORD } });
    expect(res.status).toBe(201);
    expect(res.body.user.name).toBeNull();
  });

  it('refuses a duplicate email with 409, also in another case, and keeps the first password', async () => {
    const email = newEmail();
    expect((await request('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
    const again = await request('POST', '/api/v1/auth/register', { body: { email, password: 'another-password-1' } });
    expect(again.status).toBe(409);
    expectErrorShape(again.body, 409);
    const upper = await request('POST', '/api/v1/auth/register', { body: { email: email.toUpperCase(), password: 'another-password-2' } });
    expect(upper.status).toBe(409);
    expectErrorShape(upper.body, 409);
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect((await login(email, 'another-password-1')).status).toBe(401);
    expect((await login(email, 'another-password-2')).status).toBe(401);
  });

  it.each([
    ['a bad email', (email: string) => ({ email: email.replace('@', ' at '), password: PASSWORD })],
    ['an empty email', () => ({ email: '', password: PASSWORD })],
    ['a short password', (email: string) => ({ email, password: 'short' })],
    ['a password that is not a string', (email: string) => ({ email, password: 12345678 })],
    ['an unknown field', (email: string) => ({ email, password: PASSWORD, is_platform_admin: true })],
    ['a missing password', (email: string) => ({ email })],
  ])('refuses %s with 400 naming the field, and creates no user', async (_what, makeBody) => {
    const email = newEmail();
    const body = makeBody(email);
    const res = await request('POST', '/api/v1/auth/register', { body });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 400);
    expect(Array.isArray(res.body.details)).toBe(true);
    expect(res.body.details.length).toBeGreaterThan(0);
    for (const d of res.body.details) expect(d).toEqual({ field: expect.any(String), message: expect.any(String) });
    // No user came of it: logging in with what was sent fails, and the email is still free.
    expect((await login(email, PASSWORD)).status).toBe(401);
    expect((await request('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
  });

  it('refuses a missing or malformed body with 400', async () => {
    const none = await request('POST', '/api/v1/auth/register');
    expect(none.status).toBe(400);
    expectErrorShape(none.body, 400);
    const empty = await request('POST', '/api/v1/auth/register', { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['email', 'password']));
    const malformed = await request('POST', '/api/v1/auth/register', {
      rawBody: '{"email": "x@example.com", "password":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body, 400);
    expect((await login('x@example.com', PASSWORD)).status).toBe(401);
  });

  it('cannot make a platform admin through registration', async () => {
    const email = newEmail();
    const res = await request('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, is_platform_admin: true } });
    expect(res.status).toBe(400);
    const ok = await request('POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } });
    expect(ok.body.user.is_platform_admin).toBe(false);
  });
});

describe('auth: login', () => {
  it('answers 200 with a bearer token that expires', async () => {
    const user = await registerUser(request);
    const res = await login(user.email, user.password);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(res.body.expires_in).toBeGreaterThan(0);
    const me = await request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(user.email);
  });

  it('accepts the email in another case', async () => {
    const user = await registerUser(request);
    expect((await login(user.email.toUpperCase(), user.password)).status).toBe(200);
  });

  it('answers 401 for a wrong password and for an unknown email, the same way', async () => {
    const user = await registerUser(request);
    const wrong = await login(user.email, 'not-the-password');
    const unknown = await login(newEmail(), user.password);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expectErrorShape(wrong.body, 401);
    expect(wrong.body.access_token).toBeUndefined();
    // No hint which one was wrong.
    expect(unknown.body.message).toBe(wrong.body.message);
  });

  it('refuses a malformed login with 400', async () => {
    const res = await request('POST', '/api/v1/auth/login', { body: { email: 'nobody' } });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 400);
  });
});

describe('auth: me', () => {
  it('shows the caller and their memberships, with role owner after creating a tenant', async () => {
    const user = await registerUser(request, 'Grace Hopper');
    const before = await request('GET', '/api/v1/auth/me', { token: user.token });
    expect(before.status).toBe(200);
    expect(before.body.user).toMatchObject({ id: user.id, email: user.email, name: 'Grace Hopper', is_platform_admin: false });
    expect(before.body.memberships).toEqual([]);
    expect(JSON.stringify(before.body).toLowerCase()).not.toContain('password');

    const tenant = await createTenant(request, user.token, { name: 'Hopper Labs' });
    const after = await request('GET', '/api/v1/auth/me', { token: user.token });
    expect(after.status).toBe(200);
    expect(after.body.memberships).toEqual([
      expect.objectContaining({ tenant_id: tenant.id, slug: tenant.slug, name: 'Hopper Labs', role: 'owner', status: expect.any(String) }),
    ]);
  });

  it('does not show other users’ memberships', async () => {
    const other = await registerUser(request);
    await createTenant(request, other.token);
    const user = await registerUser(request);
    const me = await request('GET', '/api/v1/auth/me', { token: user.token });
    expect(me.body.memberships).toEqual([]);
  });

  it.each([
    ['no token', undefined],
    ['a garbage token', 'garbage'],
    ['a token with a bad signature', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA'],
  ])('answers 401 with %s', async (_what, token) => {
    const res = await request('GET', '/api/v1/auth/me', { token });
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 401);
  });

  it('answers 401 for a token signed with another secret, an expired token, and alg none', async () => {
    const user = await registerUser(request);
    const now = Math.floor(Date.now() / 1000);
    const forged = signJwt({ sub: user.id, email: user.email, adm: true, iat: now, exp: now + 3600 }, 'some-other-secret-that-is-long-enough-0123456789');
    expect((await request('GET', '/api/v1/auth/me', { token: forged })).status).toBe(401);
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user.id, email: user.email, iat: now, exp: now + 3600 })}.`;
    expect((await request('GET', '/api/v1/auth/me', { token: none })).status).toBe(401);
    // The test stack's own secret proves the forgery check is the signature, not the shape.
    const secret = inject('stack').env.JWT_SECRET!;
    const expired = signJwt({ sub: user.id, email: user.email, iat: now - 7200, exp: now - 3600 }, secret);
    expect((await request('GET', '/api/v1/auth/me', { token: expired })).status).toBe(401);
    const valid = signJwt({ sub: user.id, email: user.email, iat: now, exp: now + 3600 }, secret);
    expect((await request('GET', '/api/v1/auth/me', { token: valid })).status).toBe(200);
  });

  it('the Authorization header needs the Bearer scheme', async () => {
    const user = await registerUser(request);
    const res = await request('GET', '/api/v1/auth/me', { headers: { authorization: `Basic ${user.token}` } });
    expect(res.status).toBe(401);
  });
});
