// The web dashboard in a real Chromium (Debian's, driven by playwright-core) against the real API
// and worker: what it serves (redirect, SPA fallback, caching, CSP), and the journeys that work on
// this server: log in, create a tenant and watch it become active, create a child, invite a
// member, create and revoke a key, documents and `?q=` search, settings with the branding preview,
// the audit log, pages whose API is missing showing the API's message, and a second tenant's admin
// who sees none of it. Pages are found by their accessible names (labels, roles), so a control
// without a label fails here. No page may trip the Content-Security-Policy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from '../support/browser.js';
import { activeTenant, client, registerUser, type TestUser, uniqueSlug } from '../support/http.js';

const { apiUrl } = inject('stack');
const request = client(apiUrl);
let browser: Browser;
let page: Page;
let owner: TestUser;
const parentSlug = uniqueSlug('ui');
const childSlug = uniqueSlug('uichild');
// The file the corpus tab uploads (its title is its name without the extension).
const uploadDir = mkdtempSync(join(tmpdir(), 'tenantry-upload-'));
const uploadFile = join(uploadDir, 'kettle-warranty.md');
const UPLOAD_TITLE = 'kettle-warranty';
writeFileSync(uploadFile, '# Kettle warranty\n\nEvery kettle carries a warranty of five years against limescale damage.\n\nReturn the kettle in its box.\n');
let parentId: string | undefined;
/** The parent tenant's id (for X-Tenant-ID on the API's tenant-scoped routes). */
async function tenantId(): Promise<string> {
  parentId ??= (await request('GET', `/api/tenants/${parentSlug}`, { token: owner.token })).body.id as string;
  return parentId;
}

/** Every file the dashboard page fetched from /app/assets/, with its Cache-Control and size. */
const assetsLoaded = new Map<string, { cacheControl: string; bytes: number }>();
const chartsLoaded = () => [...assetsLoaded.keys()].some((path) => /\/charts-[^/]+\.js$/.test(path));

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/app/assets/')) assetsLoaded.set(path, { cacheControl: response.headers()['cache-control'] ?? '', bytes: Number(response.headers()['content-length'] ?? NaN) });
  });
  owner = await registerUser(request, 'Ada Owner');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(uploadDir, { recursive: true, force: true });
});

async function logIn(user: TestUser): Promise<void> {
  await page.goto(`${apiUrl}/app/`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(user.password);
  // Keyboard: Enter in the password field submits.
  await page.getByRole('textbox', { name: 'Password' }).press('Enter');
  await page.getByRole('heading', { name: 'Tenants' }).waitFor();
}

async function logOut(): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
}

/** The API's own `message` for the same call, to compare with what the page shows. */
async function apiMessage(path: string, token: string): Promise<{ status: number; message: string }> {
  const res = await request('GET', path, { token });
  return { status: res.status, message: res.body?.message };
}

const alertText = (p: Page) => p.getByRole('alert').first().innerText();

describe('the dashboard as served by the API', () => {
  it('redirects / to /app/, falls back to index.html for app routes, caches hashed assets for good and index.html never', async () => {
    const root = await fetch(`${apiUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app/');

    const deep = await fetch(`${apiUrl}/app/tenants/acme/usage`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toMatch(/^text\/html/);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const html = await deep.text();
    // No inline script: the only scripts are files of our origin, and the CSP allows no other.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = deep.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");

    const asset = html.match(/src="(\/app\/assets\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${apiUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('cache-control')).toContain('max-age=31536000');

    const missing = await fetch(`${apiUrl}/app/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    // The JSON API keeps its own CSP (nothing allowed).
    const health = await fetch(`${apiUrl}/health`);
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('serves /widget.js as one script that other sites may load', async () => {
    const widget = await fetch(`${apiUrl}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toMatch(/javascript/);
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(widget.headers.get('cache-control')).toBe('public, max-age=300');
    const body = await widget.text();
    expect(body).toContain('data-tenantry-widget');
    expect(body).not.toMatch(/^import |\bimport\(/m);
  });
});

describe('dashboard journeys in Chromium', () => {
  it('refuses a wrong password with the API message, then logs in', async () => {
    await page.goto(`${apiUrl}/app/`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const refused = await request('POST', '/api/v1/auth/login', { body: { email: owner.email, password: 'not-the-password' } });
    expect(refused.status).toBe(401);
    await expect.poll(() => alertText(page)).toContain(refused.body.message);
    await screenshot(page, 'login');
    // The login page loads no page behind the login, and not the chart library (only the usage tab needs it).
    expect(assetsLoaded.size).toBeGreaterThan(0);
    expect(chartsLoaded()).toBe(false);
    expect([...assetsLoaded.keys()].filter((path) => /\/(TenantsPage|TenantPage|UsageTab)-/.test(path))).toEqual([]);
    await logIn(owner);
    await expect.poll(() => page.getByTestId('whoami').innerText()).toBe(owner.email);
  });

  it('creates a tenant with a plan and shows it turn active, then a child under it', async () => {
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const form = page.getByRole('form', { name: 'Create tenant' });
    await form.getByLabel('Name').fill('UI Parent');
    await form.getByLabel('Slug').fill(parentSlug);
    await form.getByLabel('Plan').click();
    await page.getByRole('option', { name: 'growth' }).click();
    await form.getByRole('button', { name: 'Create' }).click();
    const row = page.getByTestId(`tenant-row-${parentSlug}`);
    await row.getByTestId('status-badge').filter({ hasText: 'active' }).waitFor({ timeout: 20_000 });
    const parent = await request('GET', `/api/tenants/${parentSlug}`, { token: owner.token });
    expect(parent.body).toMatchObject({ name: 'UI Parent', plan: 'growth', status: 'active', parent_id: null });

    await row.getByRole('button', { name: 'Add a child tenant to UI Parent' }).click();
    const childForm = page.getByRole('form', { name: 'Create tenant' });
    await expect.poll(() => childForm.getByLabel('Parent tenant').inputValue()).toContain(parentSlug);
    await childForm.getByLabel('Name').fill('UI Child');
    await childForm.getByLabel('Slug').fill(childSlug);
    await childForm.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId(`tenant-row-${childSlug}`).getByTestId('status-badge').filter({ hasText: 'active' }).waitFor({ timeout: 20_000 });
    const child = await request('GET', `/api/tenants/${childSlug}`, { token: owner.token });
    expect(child.body.parent_id).toBe(parent.body.id);
    // The tree: the child's row comes right after its parent's.
    const slugs = await page.locator('[data-testid^="tenant-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(slugs.indexOf(`tenant-row-${childSlug}`)).toBe(slugs.indexOf(`tenant-row-${parentSlug}`) + 1);
    await screenshot(page, 'tenants');
  });

  it('shows the API message when a slug is refused, and creates nothing', async () => {
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const form = page.getByRole('form', { name: 'Create tenant' });
    await form.getByLabel('Name').fill('Duplicate');
    await form.getByLabel('Slug').fill(parentSlug);
    await form.getByRole('button', { name: 'Create' }).click();
    const direct = await request('POST', '/api/tenants', { token: owner.token, body: { name: 'Duplicate', slug: parentSlug, plan: 'starter' } });
    expect(direct.status).toBe(409);
    await expect.poll(() => form.getByRole('alert').innerText()).toContain(direct.body.message);
    await page.keyboard.press('Escape');
    const list = await request('GET', '/api/tenants?limit=100', { token: owner.token });
    expect(list.body.tenants.filter((t: { name: string }) => t.name === 'Duplicate')).toEqual([]);
  });

  it('invites a member with a role', async () => {
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/members`);
    const invitee = `${uniqueSlug('invitee')}@example.com`;
    const form = page.getByRole('form', { name: 'Invite a member' });
    await form.getByLabel('Email').fill(invitee);
    await form.getByLabel('Role').click();
    await page.getByRole('option', { name: 'admin' }).click();
    await form.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation sent.' }).waitFor();
    await page.getByRole('table', { name: 'Pending invitations' }).getByText(invitee).waitFor();
    const members = await request('GET', `/api/tenants/${parentSlug}/members`, { token: owner.token });
    expect(members.body.invitations).toEqual([expect.objectContaining({ email: invitee, role: 'admin' })]);
    await screenshot(page, 'members');
  });

  it('creates an API key, shows its secret once, and revokes it', async () => {
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/keys`);
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Key name').fill('ui-key');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-key').innerText();
    expect(secret).toMatch(/^tnt_/);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    // The key works (corpus:read, the default scope) ...
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': secret } })).status).toBe(200);
    await screenshot(page, 'api-keys');
    // ... and a reload never shows the secret again.
    await page.reload();
    await page.getByTestId('key-row-ui-key').waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Revoke ui-key' }).click();
    await page.getByTestId('key-row-ui-key').getByText(/^revoked/).waitFor();
    expect((await request('GET', '/api/v1/corpus/documents', { headers: { 'x-api-key': secret } })).status).toBe(401);
  });

  it('adds documents and finds one by search', async () => {
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/corpus`);
    const add = page.getByRole('form', { name: 'Add a document' });
    for (const [title, content] of [
      ['Returns policy', 'Refunds are granted within thirty days of purchase.'],
      ['Shipping', 'We ship worldwide from our warehouse.'],
    ] as const) {
      await add.getByLabel('Title').fill(title);
      await add.getByLabel('Content').fill(content);
      await add.getByRole('button', { name: 'Add document' }).click();
      await page.getByRole('table', { name: 'Documents' }).getByRole('cell', { name: title, exact: true }).waitFor();
    }
    const search = page.getByRole('search', { name: 'Search documents' });
    await search.getByLabel('Search the corpus').fill('refunds');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '1 document(s) matching “refunds”' }).waitFor();
    const titles = await page.getByRole('table', { name: 'Documents' }).locator('tbody tr td:first-child').allInnerTexts();
    expect(titles).toEqual(['Returns policy']);
    await screenshot(page, 'corpus');
  });

  it('uploads a real file through the corpus tab and finds it by search', async () => {
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/corpus`);
    const upload = page.getByRole('form', { name: 'Upload a file' });
    // The file picker opens like a user's would; the file is a real one on disk.
    const chooser = page.waitForEvent('filechooser');
    await upload.getByRole('button', { name: 'File (txt, md, html, pdf)' }).click();
    await (await chooser).setFiles(uploadFile);
    await upload.getByRole('button', { name: 'Upload' }).click();
    const table = page.getByRole('table', { name: 'Documents' });
    await table.getByRole('cell', { name: UPLOAD_TITLE, exact: true }).waitFor();
    expect(await upload.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'corpus-upload');
    // The API holds it as an upload, with the file's text.
    const listed = await request('GET', '/api/v1/corpus/documents?q=limescale', { token: owner.token, headers: { 'x-tenant-id': await tenantId() } });
    expect(listed.body.documents).toEqual([expect.objectContaining({ title: UPLOAD_TITLE, metadata: expect.objectContaining({ source: 'upload', file_name: 'kettle-warranty.md' }) })]);

    const search = page.getByRole('search', { name: 'Search documents' });
    await search.getByLabel('Search the corpus').fill('limescale');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '1 document(s) matching “limescale”' }).waitFor();
    expect(await table.locator('tbody tr td:first-child').allInnerTexts()).toEqual([UPLOAD_TITLE]);
    expect(await table.locator('mark').first().innerText()).toMatch(/^limescale$/i);
  });

  it('chats in the chat tab with the extractive provider: the answer streams in and cites the uploaded document', async () => {
    const tenant = await tenantId();
    // Chat retrieves passages: wait (polling) until the upload's are searchable.
    await expect
      .poll(async () => {
        const res = await request('POST', '/api/v1/corpus/query', { token: owner.token, headers: { 'x-tenant-id': tenant }, body: { query: 'kettle warranty limescale', top_k: 5 } });
        return (res.body.passages ?? []).length;
      }, { timeout: 30_000, interval: 250 })
      .toBeGreaterThan(0);
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/chat`);
    const form = page.getByRole('form', { name: 'Send a message' });
    const streamed = page.waitForResponse((r) => /\/api\/v1\/chat\/sessions\/[^/]+\/messages$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST');
    await form.getByLabel('Message').fill('How long is the kettle warranty against limescale?');
    await form.getByLabel('Message').press('Enter');
    const response = await streamed;
    // The page asked for a stream and got one: several `delta` events, then `done`.
    expect(response.request().headers().accept).toBe('text/event-stream');
    expect(response.headers()['content-type']).toMatch(/^text\/event-stream/);
    const events = (await response.text()).match(/^event: (\w+)$/gm) ?? [];
    expect(events.filter((e) => e === 'event: delta').length).toBeGreaterThan(3);
    expect(events.at(-1)).toBe('event: done');

    const log = page.getByRole('log', { name: 'Conversation' });
    await expect.poll(() => log.getByTestId('chat-user').last().innerText()).toBe('How long is the kettle warranty against limescale?');
    const answer = log.getByTestId('chat-assistant').last();
    await expect.poll(() => answer.innerText(), { timeout: 30_000 }).toContain('Every kettle carries a warranty of five years against limescale damage.');
    expect(await answer.innerText()).toMatch(/\[1\]/);
    await expect.poll(() => log.getByTestId('chat-sources').last().innerText()).toContain(UPLOAD_TITLE);
    // What the page shows is what the API stored.
    const sessions = await request('GET', '/api/v1/chat/sessions', { token: owner.token, headers: { 'x-tenant-id': tenant } });
    const messages = await request('GET', `/api/v1/chat/sessions/${sessions.body.sessions[0].id}/messages`, { token: owner.token, headers: { 'x-tenant-id': tenant } });
    const stored = messages.body.messages.at(-1);
    expect(stored.role).toBe('assistant');
    expect(stored.provider).toBe('extractive');
    expect(await answer.innerText()).toBe(stored.content);
    const uploaded = (await request('GET', '/api/v1/corpus/documents?q=limescale', { token: owner.token, headers: { 'x-tenant-id': tenant } })).body.documents[0];
    expect(stored.citations).toContainEqual({ document_id: uploaded.id });
    await screenshot(page, 'chat');
  });

  it('shows non-zero usage and a quota bar with its percent and reset time after that traffic', async () => {
    const tenant = await tenantId();
    // A small monthly message quota, so the one message above is a visible share of it.
    const patched = await request('PATCH', `/api/tenants/${parentSlug}`, { token: owner.token, body: { settings: { messages_per_month: 20 } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    // Usage reaches the tables through the API's flush (USAGE_FLUSH_MS) and the worker: poll the page until it shows it.
    expect(chartsLoaded()).toBe(false);
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/usage`);
    const total = (resource: string) => page.getByTestId(`usage-total-${resource}`).innerText().then((t) => Number(t.replace(/[^0-9]/g, '')));
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('img', { name: 'Daily usage per resource over 7d' }).waitFor();
          return Math.min(await total('message'), await total('api_call'), await total('llm_token'));
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    const usage = (await request('GET', `/api/tenants/${tenant}/usage?period=7d`, { token: owner.token })).body;
    expect(await total('message')).toBe(usage.totals.message);
    // The chart library came with the usage tab, as its own chunk.
    expect(chartsLoaded()).toBe(true);
    // The chart has bars for today.
    expect(await page.getByRole('img', { name: 'Daily usage per resource over 7d' }).locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await screenshot(page, 'usage');

    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/quotas`);
    const quotas = (await request('GET', `/api/tenants/${tenant}/quotas`, { token: owner.token })).body.quotas;
    const messages = quotas.messages_per_month;
    expect(messages.limit).toBe(20);
    expect(messages.used).toBeGreaterThan(0);
    const card = page.getByTestId('quota-messages_per_month');
    await expect.poll(() => card.innerText()).toContain(`${messages.used} / 20 (${Math.round(messages.percent)}%)`);
    expect(Math.round(messages.percent)).toBeGreaterThan(0);
    const bar = card.getByRole('progressbar');
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeCloseTo(messages.percent, 0);
    const resets = await page.evaluate<string>(`new Date(${JSON.stringify(messages.resets_at)}).toLocaleString()`);
    expect(await card.innerText()).toContain(`Resets ${resets}`);
    await screenshot(page, 'quotas');
  });

  it('edits settings with a live branding preview, saves them, and the audit log shows the change', async () => {
    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/settings`);
    const form = page.getByRole('form', { name: 'Tenant settings' });
    await form.getByLabel('Display name').fill('Acme Help');
    await form.getByLabel('Primary colour').fill('#ff0000');
    const bubble = page.getByTestId('branding-preview-bubble');
    await expect.poll(() => bubble.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor)).toBe('rgb(255, 0, 0)');
    expect(await page.getByTestId('branding-preview').innerText()).toContain('Acme Help');
    await form.getByLabel('Blocked patterns or topics (one per line)').fill('competitor prices');
    await form.getByLabel('Widget allowed origins (one per line, e.g. https://shop.example.com)').fill('https://shop.example.test');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await request('GET', `/api/tenants/${parentSlug}`, { token: owner.token });
    expect(saved.body.settings).toMatchObject({
      branding: { display_name: 'Acme Help', primary_color: '#ff0000' },
      guardrails: { blocked: ['competitor prices'], redact_pii: false },
      widget: { allowed_origins: ['https://shop.example.test'] },
    });
    await screenshot(page, 'settings');

    // Bad input: a webhook list that is not JSON is caught before sending; nothing changes.
    await form.getByLabel('Outgoing webhooks (JSON list of {url, events, secret})').fill('[not json');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toContain('Webhooks must be a JSON list');
    // An invalid domain reaches the API, whose message is shown; nothing changes either.
    await form.getByLabel('Outgoing webhooks (JSON list of {url, events, secret})').fill('[]');
    await form.getByLabel('Custom domains (one hostname per line)').fill('Not A Host!');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toContain('invalid settings');
    const after = await request('GET', `/api/tenants/${parentSlug}`, { token: owner.token });
    expect(after.body.updated_at).toBe(saved.body.updated_at);

    await page.goto(`${apiUrl}/app/tenants/${parentSlug}/audit`);
    const filter = page.getByRole('form', { name: 'Filter the audit log' });
    await filter.getByLabel('Action').fill('tenant.updated');
    await filter.getByRole('button', { name: 'Filter' }).click();
    const log = page.getByRole('table', { name: 'Audit log' });
    await log.getByRole('cell', { name: 'tenant.updated', exact: true }).first().waitFor();
    const actions = await log.locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['tenant.updated']));
    expect(await log.innerText()).toContain('#ff0000');
    await screenshot(page, 'audit-log');
  });

  it('shows what the API answers on every tab, never a blank page', async () => {
    const tenant = (await request('GET', `/api/tenants/${parentSlug}`, { token: owner.token })).body;
    const tabs: Array<[string, string, string]> = [
      ['usage', `/api/tenants/${tenant.id}/usage?period=7d`, 'Daily usage per resource over 7d'],
      ['quotas', `/api/tenants/${tenant.id}/quotas`, ''],
      ['billing', `/api/tenants/${tenant.id}/billing`, ''],
    ];
    for (const [tab, path, landmark] of tabs) {
      await page.goto(`${apiUrl}/app/tenants/${parentSlug}/${tab}`);
      const direct = await apiMessage(path, owner.token);
      if (direct.status === 200) {
        if (landmark) await page.getByRole('img', { name: landmark }).waitFor();
      } else {
        await expect.poll(() => alertText(page), { message: `${tab}: the API said ${direct.status} ${direct.message}` }).toContain(direct.message);
      }
      await screenshot(page, tab);
    }
    await page.goto(`${apiUrl}/app/templates`);
    const templates = await apiMessage('/api/templates?limit=100', owner.token);
    if (templates.status !== 200) await expect.poll(() => alertText(page)).toContain(templates.message);
    else await page.getByRole('form', { name: 'Create a template' }).waitFor();
  });

  it('creates a widget key and its snippet; the widget chats on a page of an allowed origin and is refused on another', async () => {
    // Two loopback sites serving one page with the dashboard's snippet: one allowed, one not.
    const snippetHolder: { html: string } = { html: '' };
    const site = (): Promise<{ server: Server; origin: string }> =>
      new Promise((resolve) => {
        const server = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(`<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>${snippetHolder.html}</body></html>`);
        }).listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
      });
    const shop = await site();
    const evil = await site();
    try {
      const patched = await request('PATCH', `/api/tenants/${parentSlug}`, { token: owner.token, body: { settings: { widget: { allowed_origins: [shop.origin] } } } });
      expect(patched.status).toBe(200);
      await page.goto(`${apiUrl}/app/tenants/${parentSlug}/widget`);
      await page.getByRole('button', { name: 'Create widget key' }).click();
      await expect.poll(() => page.getByTestId('widget-snippet').innerText()).toMatch(/data-key="tnt_pk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}"/);
      snippetHolder.html = await page.getByTestId('widget-snippet').innerText();
      const key = snippetHolder.html.match(/data-key="([^"]+)"/)![1]!;
      expect(snippetHolder.html).toContain(`src="${apiUrl}/widget.js"`);
      await screenshot(page, 'widget-key');

      // The chat API takes this key from the allowed origin only.
      const sessionFromShop = await request('POST', '/api/v1/chat/sessions', { headers: { 'x-api-key': key, origin: shop.origin }, body: {} });
      expect(sessionFromShop.status, JSON.stringify(sessionFromShop.body)).toBe(201);
      const sessionFromEvil = await request('POST', '/api/v1/chat/sessions', { headers: { 'x-api-key': key, origin: evil.origin }, body: {} });
      expect(sessionFromEvil.status).toBe(403);
      expect(sessionFromEvil.body.code).toBe('widget_origin_refused');
      // The branding it paints: the tenant's (red, saved above), which GET /api/v1/branding answers for the key.
      const branding = await request('GET', '/api/v1/branding', { headers: { 'x-api-key': key, origin: shop.origin } });
      expect(branding.status, JSON.stringify(branding.body)).toBe(200);
      const colour = 'rgb(255, 0, 0)';

      for (const [origin, allowed] of [
        [shop.origin, true],
        [evil.origin, false],
      ] as const) {
        const visitor = await browser.newPage();
        visitor.setDefaultTimeout(15_000);
        await visitor.goto(`${origin}/`);
        // The bubble, in the tenant's colour (on the allowed origin), inside the widget's shadow root.
        const bubble = visitor.getByRole('button', { name: 'Open chat' });
        await bubble.waitFor();
        await expect.poll(() => bubble.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor)).toBe(allowed ? colour : 'rgb(76, 110, 245)');
        await bubble.press('Enter');
        const dialog = visitor.getByRole('dialog', { name: 'Chat' });
        const streamed = allowed ? visitor.waitForResponse((r) => /\/api\/v1\/chat\/sessions\/[^/]+\/messages$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST') : undefined;
        await dialog.getByRole('textbox', { name: 'Your message' }).fill('When are refunds granted?');
        await dialog.getByRole('textbox', { name: 'Your message' }).press('Enter');
        const answer = dialog.locator('.msg.assistant, .msg.error').last();
        if (allowed) {
          // The answer streams from the API with the widget key (the extractive provider quotes the returns policy).
          const response = await streamed!;
          expect(response.headers()['content-type']).toMatch(/^text\/event-stream/);
          expect(((await response.text()).match(/^event: delta$/gm) ?? []).length).toBeGreaterThan(3);
          await expect.poll(() => answer.innerText(), { timeout: 30_000 }).toMatch(/Refunds are granted within thirty days of purchase\. \[\d\]/);
          expect(await answer.getAttribute('class')).toContain('assistant');
          expect(await dialog.locator('.msg.user').last().innerText()).toBe('When are refunds granted?');
        } else {
          // Refused: the widget says so instead of hanging, and no answer arrives.
          await dialog.locator('.msg.error').waitFor();
          expect(await dialog.locator('.msg.assistant').count()).toBe(0);
        }
        if (!allowed) await screenshot(visitor, 'widget-refused');
        else await screenshot(visitor, 'widget');
        await visitor.close();
      }
    } finally {
      shop.server.close();
      evil.server.close();
    }
  });

  it("a second tenant's admin sees none of it", async () => {
    const other = await activeTenant(request, { name: 'Other Co' });
    await logOut();
    await logIn(other.owner);
    await page.getByTestId(`tenant-row-${other.tenant.slug}`).waitFor();
    const visible = await page.locator('[data-testid^="tenant-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(visible).toEqual([`tenant-row-${other.tenant.slug}`]);

    const refused = await apiMessage(`/api/tenants/${parentSlug}`, other.owner.token);
    expect(refused.status).toBe(403);
    for (const tab of ['settings', 'corpus', 'keys', 'audit']) {
      await page.goto(`${apiUrl}/app/tenants/${parentSlug}/${tab}`);
      await expect.poll(() => alertText(page)).toContain(refused.message);
      const text = await page.locator('body').innerText();
      for (const secret of ['Acme Help', 'Returns policy', 'ui-key', 'UI Parent']) expect(text).not.toContain(secret);
    }
    // Their own corpus holds none of the first tenant's documents.
    await page.goto(`${apiUrl}/app/tenants/${other.tenant.slug}/corpus`);
    await page.getByRole('status').filter({ hasText: '0 document(s)' }).waitFor();
    await screenshot(page, 'other-tenant');
  });

  it('loaded every asset (the lazy chunks too) cached as immutable, none over 500 kB', () => {
    expect(assetsLoaded.size).toBeGreaterThan(10); // entry, vendor chunks, pages, tabs, CSS
    for (const [path, { cacheControl, bytes }] of assetsLoaded) {
      expect(cacheControl, path).toContain('immutable');
      expect(cacheControl, path).toContain('max-age=31536000');
      expect(path).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css)$/); // content-hashed names
      expect(bytes, path).toBeLessThanOrEqual(500_000);
    }
  });

  it('tripped no Content-Security-Policy and threw no page error', () => {
    expect(browser.problems).toEqual([]);
  });
});
