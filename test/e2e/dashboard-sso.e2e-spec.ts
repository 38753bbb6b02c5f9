// Single sign-on from the dashboard in a real Chromium against a real OpenID Connect provider
// (oidc-provider on loopback): "Continue with SSO" on the login page, the provider's sign-in, and
// the landing on /app logged in, the tenant list showing; a refused sign-in lands on the login
// page with the API's message. The provider must send the browser to the API itself, so this
// file runs its own API process (same database, Redis and worker as the shared stack) whose
// PUBLIC_URL is its real address.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from '../support/browser.js';
import { activeTenant, client, type TestUser, uniqueSlug } from '../support/http.js';
import { type OidcClient, randomSecret, startProvider, type TestProvider } from '../support/oidc-provider.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const request = client(shared.apiUrl);
let stack: Stack;
let apiUrl: string;
let provider: TestProvider;
let browser: Browser;
let page: Page;
let tenant: { slug: string; id: string; name: string; owner: TestUser };

/** A port nobody listens on now (the API must know its address before it starts: PUBLIC_URL). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const person = (domain = 'example.org') => {
  const name = `p${randomBytes(5).toString('hex')}`;
  return { sub: `sub-${name}`, email: `${name}@${domain}`, email_verified: true, name: `SSO ${name}` };
};

beforeAll(async () => {
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const slug = uniqueSlug('uisso');
  const name = 'SSO Dashboard Co';
  const [started, made] = await Promise.all([
    startStack({ ...shared, redisPrefix: shared.env.REDIS_PREFIX, worker: false, env: { ...shared.env, PORT: String(port), PUBLIC_URL: apiUrl } }),
    activeTenant(request, { slug, name }),
  ]);
  stack = started;
  expect(stack.info.apiUrl).toBe(apiUrl);
  tenant = { slug, id: made.tenant.id, name, owner: made.owner };
  const oidcClient: OidcClient = { client_id: `tenantry-${slug}`, client_secret: randomSecret(), redirect_uris: [`${apiUrl}/api/v1/auth/sso/${slug}/callback`] };
  provider = await startProvider([oidcClient]);
  const res = await request('PATCH', `/api/tenants/${slug}`, {
    token: made.owner.token,
    body: { settings: { sso: { issuer: provider.issuer, client_id: oidcClient.client_id, client_secret: oidcClient.client_secret, allowed_domains: ['example.org'] } } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  await stack?.stop();
});

async function continueWithSso(): Promise<void> {
  await page.goto(`${apiUrl}/app/`);
  const form = page.getByRole('form', { name: 'Single sign-on' });
  await form.getByLabel('Tenant slug').fill(tenant.slug);
  await form.getByRole('button', { name: 'Continue with SSO' }).click();
}

describe('single sign-on from the dashboard in Chromium', () => {
  it('"Continue with SSO", signing in at the provider, lands on /app logged in with the tenant list', async () => {
    const user = person();
    await provider.nextLogin(user);
    await continueWithSso();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByTestId(`tenant-row-${tenant.slug}`).waitFor();
    await expect.poll(() => page.getByTestId('whoami').innerText()).toBe(user.email);
    // Back on the dashboard, with the handoff's query gone and no raw JSON anywhere.
    expect(new URL(page.url()).pathname).toMatch(/^\/app\/?$/);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('body').innerText()).not.toContain('access_token');
    await screenshot(page, 'sso-landing');
    // The session is a real one: the API knows the user as a member of the tenant.
    const token = await page.evaluate<string | null>("sessionStorage.getItem('tenantry.token')");
    const me = (await request('GET', '/api/v1/auth/me', { token: token ?? '' })).body;
    expect(me.user.email).toBe(user.email);
    expect(me.memberships).toEqual([expect.objectContaining({ tenant_id: tenant.id, role: 'member' })]);
    // No cookie of the login is left for the dashboard's pages or the API (they are httpOnly and path-scoped).
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Continue with SSO' }).waitFor();
  });

  it('a refused sign-in lands on the login page showing the API message, and signs nobody in', async () => {
    // The provider still has the first user's session (it would sign them in again without asking): forget it.
    await browser.context.clearCookies();
    const outsider = person('elsewhere.example');
    await provider.nextLogin(outsider);
    await continueWithSso();
    const alert = page.getByRole('form', { name: 'Single sign-on' }).getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain("elsewhere.example is not one of this tenant's allowed_domains");
    expect(await alert.innerText()).toContain('(403)');
    expect(new URL(page.url()).pathname).toBe('/app/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate<string | null>("sessionStorage.getItem('tenantry.token')")).toBeNull();
    await screenshot(page, 'sso-refused');
    // A reload shows the plain login page: the refusal was claimed once.
    await page.reload();
    await page.getByRole('button', { name: 'Continue with SSO' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('tripped no Content-Security-Policy and threw no page error', () => {
    expect(browser.problems).toEqual([]);
  });
});
