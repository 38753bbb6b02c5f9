// Per-tenant single sign-on with OpenID Connect (issue 15, seed 001), against real oidc-provider
// servers on loopback: the redirect (state, nonce, PKCE), the callback's checks of the ID token
// (signature against the provider's JWKS, issuer, audience, expiry, nonce), state single use,
// allowed_domains, email_verified, the membership it creates (audited), suspended tenants and
// tenants without SSO. The API runs with the default PUBLIC_URL (http://localhost:3000): the
// provider redirects there, and the test replays the callback on the API's real address.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, registerUser, type TestUser, uniqueSlug } from '../support/http.js';
import { type OidcClient, randomSecret, signInAtProvider, startProvider, type TestProvider } from '../support/oidc-provider.js';

const shared = inject('stack');
const request = client(shared.apiUrl);
const PUBLIC_URL = 'http://localhost:3000';
const callbackPath = (slug: string) => `/api/v1/auth/sso/${slug}/callback`;

interface SsoTenant {
  slug: string;
  id: string;
  owner: TestUser;
  client: OidcClient;
}

let db: pg.Client;
const providers: TestProvider[] = [];
let good: TestProvider;
let forged: TestProvider;
let late: TestProvider;
// Tenants: main (happy path and most cases), other (a second tenant on the same provider),
// suspended, forgedT (provider publishes another key), lateT (provider's clock two hours behind:
// its ID tokens live an hour, so they arrive an hour expired).
let main: SsoTenant;
let other: SsoTenant;
let suspended: SsoTenant;
let forgedT: SsoTenant;
let lateT: SsoTenant;
let plain: { slug: string; owner: TestUser };

async function ssoTenant(): Promise<SsoTenant> {
  const slug = uniqueSlug('sso');
  const { owner, tenant } = await activeTenant(request, { slug });
  return { slug, id: tenant.id, owner, client: { client_id: `tenantry-${slug}`, client_secret: randomSecret(), redirect_uris: [`${PUBLIC_URL}${callbackPath(slug)}`] } };
}

async function configure(t: SsoTenant, issuer: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await request('PATCH', `/api/tenants/${t.slug}`, {
    token: t.owner.token,
    body: { settings: { sso: { issuer, client_id: t.client.client_id, client_secret: t.client.client_secret, allowed_domains: ['example.org'], ...extra } } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** GET /api/v1/auth/sso/{slug} without following the redirect. */
async function begin(slug: string): Promise<Response> {
  return fetch(`${shared.apiUrl}/api/v1/auth/sso/${slug}`, { redirect: 'manual' });
}

/** Begins a login at the tenant, signs in at the provider as `account`: the callback URL the provider sends the browser to. */
async function reachCallback(t: SsoTenant, provider: TestProvider, account: { sub: string; email: string; email_verified: boolean }): Promise<URL> {
  const res = await begin(t.slug);
  expect(res.status, await res.clone().text()).toBe(302);
  await provider.nextLogin(account);
  return signInAtProvider(res.headers.get('location')!, callbackPath(t.slug));
}

const callback = (url: URL) => request('GET', `${url.pathname}${url.search}`);

const person = (domain = 'example.org', verified = true) => {
  const name = `p${randomBytes(5).toString('hex')}`;
  return { sub: `sub-${name}`, email: `${name}@${domain}`, email_verified: verified };
};

async function userByEmail(email: string): Promise<{ id: string; password_hash: string | null } | undefined> {
  const { rows } = await db.query(`SELECT id, password_hash FROM public.users WHERE lower(email) = lower($1)`, [email]);
  return rows[0];
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: shared.databaseUrl });
  await db.connect();
  [main, other, suspended, forgedT, lateT] = await Promise.all([ssoTenant(), ssoTenant(), ssoTenant(), ssoTenant(), ssoTenant()]);
  const p = await activeTenant(request);
  plain = { slug: p.tenant.slug, owner: p.owner };
  [good, forged, late] = await Promise.all([
    startProvider([main.client, other.client, suspended.client]),
    startProvider([forgedT.client], { forge: true }),
    startProvider([lateT.client], { clockSkewS: 7200 }),
  ]);
  providers.push(good, forged, late);
  await Promise.all([configure(main, good.issuer), configure(other, good.issuer), configure(suspended, good.issuer), configure(forgedT, forged.issuer), configure(lateT, late.issuer)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(providers.map((p) => p.stop()));
  await db?.end();
});

describe('SSO settings', () => {
  it('seals the client secret: answers show {"set": true}, the database holds no plain text', async () => {
    const res = await request('GET', `/api/tenants/${main.slug}`, { token: main.owner.token });
    expect(res.status).toBe(200);
    expect(res.body.settings.sso).toEqual({ issuer: good.issuer, client_id: main.client.client_id, client_secret: { set: true }, allowed_domains: ['example.org'] });
    const { rows } = await db.query(`SELECT settings::text AS s FROM public.tenants WHERE id = $1`, [main.id]);
    expect(rows[0].s).not.toContain(main.client.client_secret);
    expect(rows[0].s).toContain('$enc');
  });

  it.each([
    ['an http issuer off loopback', { issuer: 'http://idp.example.org' }],
    ['an issuer that is not a URL', { issuer: 'not a url' }],
    ['no allowed_domains', { allowed_domains: [] }],
    ['an allowed domain that is not a domain', { allowed_domains: ['Example.ORG'] }],
    ['the owner as default role', { default_role: 'owner' }],
    ['an unknown key', { scopes: 'openid' }],
    ['a client_id with a NUL byte', { client_id: 'a\u0000b' }],
  ])('refuses %s (400, nothing changed)', async (_what, change) => {
    const t = await activeTenant(request);
    const sso = { issuer: 'https://idp.example.org', client_id: 'c', client_secret: 's', allowed_domains: ['example.org'], ...change };
    const res = await request('PATCH', `/api/tenants/${t.tenant.slug}`, { token: t.owner.token, body: { settings: { sso } } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    const after = await request('GET', `/api/tenants/${t.tenant.slug}`, { token: t.owner.token });
    expect(after.body.settings.sso).toBeUndefined();
  });

  it('stores an incomplete configuration (merge patches build it up) but signs nobody in with it', async () => {
    const t = await activeTenant(request);
    const res = await request('PATCH', `/api/tenants/${t.tenant.slug}`, {
      token: t.owner.token,
      body: { settings: { sso: { issuer: good.issuer, client_id: 'c', allowed_domains: ['example.org'] } } },
    });
    expect(res.status).toBe(200);
    const started = await begin(t.tenant.slug);
    expect(started.status).toBe(404);
    expect(((await started.json()) as { code: string }).code).toBe('sso_not_configured');
  });
});

describe('SSO login', () => {
  it('redirects to the provider with state, nonce and PKCE (S256), the state kept per tenant in Redis', async () => {
    const res = await begin(main.slug);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(good.issuer);
    const q = location.searchParams;
    expect(q.get('client_id')).toBe(main.client.client_id);
    expect(q.get('redirect_uri')).toBe(`${PUBLIC_URL}${callbackPath(main.slug)}`);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toContain('openid');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(q.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    // A second login gets its own state and nonce.
    const again = new URL((await begin(main.slug)).headers.get('location')!).searchParams;
    expect(again.get('state')).not.toBe(q.get('state'));
    expect(again.get('nonce')).not.toBe(q.get('nonce'));
  });

  it('signs a new user in: the same token shape as login, a membership with the default role, audited; a second login is the same user', async () => {
    const alice = person();
    const res = await callback(await reachCallback(main, good, alice));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const me = await request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(alice.email);
    expect(me.body.memberships).toEqual([expect.objectContaining({ tenant_id: main.id, role: 'member' })]);
    // No password: a password login cannot reach this account.
    expect((await userByEmail(alice.email))?.password_hash).toBeNull();
    // The member can use the tenant.
    const docs = await request('GET', '/api/v1/corpus/documents', { token: res.body.access_token, headers: { 'x-tenant-id': main.id } });
    expect(docs.status).toBe(200);

    const audit = await request('GET', `/api/tenants/${main.slug}/audit-log?action=member.added&actor=${me.body.user.id}`, { token: main.owner.token });
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({ actor: { type: 'user', id: me.body.user.id }, target: { type: 'user', id: me.body.user.id } });
    expect(JSON.stringify(audit.body.entries[0].changes)).toContain('sso');

    const second = await callback(await reachCallback(main, good, alice));
    expect(second.status).toBe(200);
    const me2 = await request('GET', '/api/v1/auth/me', { token: second.body.access_token });
    expect(me2.body.user.id).toBe(me.body.user.id);
    const again = await request('GET', `/api/tenants/${main.slug}/audit-log?action=member.added&actor=${me.body.user.id}`, { token: main.owner.token });
    expect(again.body.entries).toHaveLength(1);
  });

  it('gives the default_role the settings name; reads the email from userinfo when the ID token has none', async () => {
    const t = await ssoTenant();
    const provider = await startProvider([t.client], { conform: true });
    providers.push(provider);
    await configure(t, provider.issuer, { default_role: 'viewer' });
    const bob = person();
    const res = await callback(await reachCallback(t, provider, bob));
    expect(res.status).toBe(200);
    const me = await request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.body.memberships).toEqual([expect.objectContaining({ tenant_id: t.id, role: 'viewer' })]);
  });

  it('refuses a replayed callback (the code and its state are spent): 401', async () => {
    const url = await reachCallback(main, good, person());
    expect((await callback(url)).status).toBe(200);
    const replay = await callback(url);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('sso_failed');
  });

  it('refuses a tampered state (401) and creates nothing; the untouched callback still works', async () => {
    const carol = person();
    const url = await reachCallback(main, good, carol);
    const tampered = new URL(url);
    const state = url.searchParams.get('state')!;
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const res = await callback(tampered);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'sso_failed' });
    expect(await userByEmail(carol.email)).toBeUndefined();
    const missing = new URL(url);
    missing.searchParams.delete('state');
    expect((await callback(missing)).status).toBe(401);
    expect((await callback(url)).status).toBe(200);
  });

  it("refuses one tenant's state at another tenant's callback (states are kept per tenant)", async () => {
    const url = await reachCallback(main, good, person());
    const elsewhere = await request('GET', `${callbackPath(other.slug)}${url.search}`);
    expect(elsewhere.status).toBe(401);
    expect((await callback(url)).status).toBe(200);
  });

  it('refuses an ID token signed by another key than the provider publishes: 401, no user', async () => {
    const dave = person();
    const res = await callback(await reachCallback(forgedT, forged, dave));
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body.code).toBe('sso_failed');
    expect(await userByEmail(dave.email)).toBeUndefined();
  });

  it('refuses an expired ID token: 401, no user', async () => {
    const erin = person();
    const res = await callback(await reachCallback(lateT, late, erin));
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body.code).toBe('sso_failed');
    expect(await userByEmail(erin.email)).toBeUndefined();
  });

  it('refuses an email outside allowed_domains (403) and an unverified email (403); neither creates a user', async () => {
    const frank = person('elsewhere.example');
    const outside = await callback(await reachCallback(main, good, frank));
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('sso_domain_not_allowed');
    expect(await userByEmail(frank.email)).toBeUndefined();
    // A subdomain is another domain.
    const sub = person('evil.example.org');
    expect((await callback(await reachCallback(main, good, sub))).status).toBe(403);
    const grace = person('example.org', false);
    const unverified = await callback(await reachCallback(main, good, grace));
    expect(unverified.status).toBe(403);
    expect(unverified.body.code).toBe('sso_email_unverified');
    expect(await userByEmail(grace.email)).toBeUndefined();
  });

  it('refuses to sign in as an existing password account the identity is not linked to (409), granting nothing', async () => {
    const victim = await registerUser(request);
    const email = victim.email.replace('@example.com', '@example.org');
    // Make the victim's email fall inside allowed_domains.
    await db.query(`UPDATE public.users SET email = $2 WHERE id = $1`, [victim.id, email]);
    const res = await callback(await reachCallback(main, good, { sub: `attacker-${randomBytes(4).toString('hex')}`, email, email_verified: true }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sso_account_exists');
    const { rows } = await db.query(`SELECT 1 FROM public.memberships WHERE user_id = $1 AND tenant_id = $2`, [victim.id, main.id]);
    expect(rows).toHaveLength(0);
  });

  it("accepts the email's pending invitation into this tenant with its role", async () => {
    const heidi = person();
    const invited = await request('POST', `/api/tenants/${main.slug}/members`, { token: main.owner.token, body: { email: heidi.email, role: 'admin' } });
    expect(invited.status).toBe(201);
    expect(invited.body.status).toBe('pending');
    const res = await callback(await reachCallback(main, good, heidi));
    expect(res.status).toBe(200);
    const me = await request('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.body.memberships).toEqual([expect.objectContaining({ tenant_id: main.id, role: 'admin' })]);
    const list = await request('GET', `/api/tenants/${main.slug}/members`, { token: main.owner.token });
    expect(list.body.invitations.map((i: { email: string }) => i.email)).not.toContain(heidi.email);
  });

  it('answers 404 for a tenant without SSO, an unknown tenant and a malformed slug', async () => {
    for (const slug of [plain.slug, uniqueSlug('nope'), 'Upper-Case', 'x'.repeat(60)]) {
      const res = await begin(slug);
      expect(res.status, slug).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('sso_not_configured');
    }
    // A NUL byte is refused before routing.
    expect((await begin('a%00b')).status).toBe(400);
    const cb = await request('GET', `${callbackPath(plain.slug)}?code=x&state=y`);
    expect(cb.status).toBe(404);
  });

  it('refuses a suspended tenant (403), also for a login begun before the suspension', async () => {
    const url = await reachCallback(suspended, good, person());
    const del = await request('DELETE', `/api/tenants/${suspended.slug}`, { token: suspended.owner.token });
    expect([200, 204]).toContain(del.status);
    const started = await begin(suspended.slug);
    expect(started.status).toBe(403);
    expect(((await started.json()) as { code: string }).code).toBe('tenant_suspended');
    const finished = await callback(url);
    expect(finished.status).toBe(403);
    expect(finished.body.code).toBe('tenant_suspended');
  });
});

describe('SSO login begun by the dashboard (?to=app)', () => {
  const cookieOf = (res: Response, name: string): string | undefined =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0]
      ?.slice(name.length + 1);

  /** Begins a dashboard login: the provider's URL and the browser cookie it set. */
  async function beginApp(slug: string): Promise<{ location: string; browser: string; res: Response }> {
    const res = await fetch(`${shared.apiUrl}/api/v1/auth/sso/${slug}?to=app`, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(302);
    const browser = cookieOf(res, 'tenantry_sso_browser');
    expect(browser).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return { location: res.headers.get('location')!, browser: browser!, res };
  }

  async function appCallback(t: SsoTenant, account: ReturnType<typeof person>, provider = good): Promise<{ url: URL; browser: string }> {
    const { location, browser } = await beginApp(t.slug);
    await provider.nextLogin(account);
    return { url: await signInAtProvider(location, callbackPath(t.slug)), browser };
  }

  const finishApp = (url: URL, cookie?: string) =>
    fetch(`${shared.apiUrl}${url.pathname}${url.search}`, { redirect: 'manual', headers: cookie ? { cookie: `tenantry_sso_browser=${cookie}` } : {} });

  const claim = async (handoff?: string) => {
    const res = await fetch(`${shared.apiUrl}/api/v1/auth/sso/handoff`, { method: 'POST', headers: handoff ? { cookie: `tenantry_sso_handoff=${handoff}` } : {} });
    return { res, body: (await res.json()) as Record<string, unknown> };
  };

  it('sets an httpOnly browser cookie for the SSO routes only, and sends the browser to the same provider URL as an API login', async () => {
    const { location, res } = await beginApp(main.slug);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('tenantry_sso_browser='))!;
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    expect(set).toContain('Path=/api/v1/auth/sso;');
    const url = new URL(location);
    expect(url.origin).toBe(good.issuer);
    // The redirect_uri is the plain callback: the marker lives in the server-side state, not in a URL.
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}${callbackPath(main.slug)}`);
    // An API login sets no cookie.
    expect((await begin(main.slug)).headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ['an absolute URL', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example'],
    ['a path', '/app/'],
    ['another case', 'APP'],
    ['an empty value', ''],
  ])('refuses %s as the marker (400 invalid_sso_target, no state, no cookie)', async (_what, to) => {
    const res = await fetch(`${shared.apiUrl}/api/v1/auth/sso/${main.slug}?to=${encodeURIComponent(to)}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_sso_target');
  });

  it('refuses a repeated marker (to=app&to=https://evil.example): 400', async () => {
    const res = await fetch(`${shared.apiUrl}/api/v1/auth/sso/${main.slug}?to=app&to=${encodeURIComponent('https://evil.example')}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('signs in and redirects to /app/ only, whatever the callback URL carries; the dashboard claims the token once', async () => {
    const ivan = person();
    const { url, browser } = await appCallback(main, ivan);
    // Extra parameters in the callback URL (a `to`, a `redirect_uri`) send the browser nowhere else.
    url.searchParams.set('to', 'https://evil.example/');
    url.searchParams.set('next', '//evil.example');
    const res = await finishApp(url, browser);
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('location')).toBe('/app/?sso=done');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).not.toContain('access_token');
    const cookies = res.headers.getSetCookie();
    // The browser cookie is spent; the handoff cookie is httpOnly, Strict, for the handoff route only.
    expect(cookies.find((c) => c.startsWith('tenantry_sso_browser='))).toMatch(/^tenantry_sso_browser=; .*Max-Age=0/);
    const handoffCookie = cookies.find((c) => c.startsWith('tenantry_sso_handoff='))!;
    expect(handoffCookie).toContain('HttpOnly');
    expect(handoffCookie).toContain('SameSite=Strict');
    expect(handoffCookie).toContain('Path=/api/v1/auth/sso/handoff;');
    const handoff = cookieOf(res, 'tenantry_sso_handoff')!;

    const claimed = await claim(handoff);
    expect(claimed.res.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(claimed.res.headers.get('cache-control')).toBe('no-store');
    expect(claimed.res.headers.getSetCookie().find((c) => c.startsWith('tenantry_sso_handoff='))).toMatch(/Max-Age=0/);
    const me = await request('GET', '/api/v1/auth/me', { token: claimed.body.access_token as string });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(ivan.email);
    expect(me.body.memberships).toEqual([expect.objectContaining({ tenant_id: main.id, role: 'member' })]);

    // Once: a second claim, or one without the cookie, finds nothing.
    for (const again of [await claim(handoff), await claim(), await claim('x'.repeat(43))]) {
      expect(again.res.status).toBe(401);
      expect(again.body.code).toBe('sso_handoff_missing');
    }
  });

  it('a refused dashboard login lands on the login page with its code; the claim answers the API message', async () => {
    const judy = person('elsewhere.example');
    const { url, browser } = await appCallback(main, judy);
    const res = await finishApp(url, browser);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/app/login?sso_error=sso_domain_not_allowed');
    const claimed = await claim(cookieOf(res, 'tenantry_sso_handoff'));
    expect(claimed.res.status).toBe(403);
    expect(claimed.body).toMatchObject({ statusCode: 403, code: 'sso_domain_not_allowed', message: "elsewhere.example is not one of this tenant's allowed_domains" });
    expect(await userByEmail(judy.email)).toBeUndefined();
  });

  it("refuses a dashboard login's callback in another browser (login CSRF): no cookie or another browser's, no user", async () => {
    const kim = person();
    const { url } = await appCallback(main, kim);
    const elsewhere = await beginApp(main.slug); // another login, another browser cookie
    const res = await finishApp(url, elsewhere.browser);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/app/login?sso_error=sso_failed');
    const claimed = await claim(cookieOf(res, 'tenantry_sso_handoff'));
    expect(claimed.res.status).toBe(401);
    expect(claimed.body.message).toContain('begun in another browser');
    expect(await userByEmail(kim.email)).toBeUndefined();

    const leo = person();
    const noCookie = await appCallback(main, leo);
    const bare = await finishApp(noCookie.url);
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/app/login?sso_error=sso_failed');
    expect(await userByEmail(leo.email)).toBeUndefined();
  });

  it('sends a dashboard browser back to the login page when the state is spent; API logins keep their JSON answers', async () => {
    const { url, browser } = await appCallback(main, person());
    expect((await finishApp(url, browser)).status).toBe(302);
    const replay = await finishApp(url, browser);
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/app/login?sso_error=sso_failed');
    // An API login finished in a browser that holds a dashboard cookie still answers JSON.
    const apiLogin = await reachCallback(main, good, person());
    const json = await finishApp(apiLogin, browser);
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
  });
});
