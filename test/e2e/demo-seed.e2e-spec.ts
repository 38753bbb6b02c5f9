// `tenantry demo seed` as an operator runs it (a child process on the shared stack's PostgreSQL
// and Redis; the shared worker provisions what it creates), then checked the way a new user sees
// it: over HTTP, logged in as the demo owner (and as the demo members, whose roles differ per tenant).
import { describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../apps/cli/src/cli-exit-codes.js';
import { DEMO_CONVERSATIONS, DEMO_USAGE_DAYS, demoDocuments, demoUsage } from '../../apps/cli/src/commands/demo/demo-content.js';
import { type CliResult, cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { client, registerUser, uniqueSlug } from '../support/http.js';

const stack = inject('stack');
const request = client(stack.apiUrl);
// A seed is a few dozen statements; on a loaded machine opening a connection can take longer than the 3 s default.
const env = cliEnv(stack.env, { DB_CONNECT_TIMEOUT_MS: '20000' });
const cli = (...args: string[]): Promise<CliResult> => runCli(args, env, 120_000);

interface SeedJson {
  slug: string;
  owner: { id: string; email: string };
  password: string | null;
  users: Array<{ id: string; email: string }>;
  parent: { id: string; slug: string };
  children: Array<{ id: string; slug: string }>;
  tenants: Array<{ id: string; slug: string; status: string; parent_id: string | null; members: Array<{ email: string; role: string }>; documents: number; chat_sessions: number; chat_messages: number }>;
  usage_days: number;
}

function expectOneLineError(result: CliResult, exitCode: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
}

const login = async (email: string, password: string): Promise<string> => {
  const res = await request('POST', '/api/v1/auth/login', { body: { email, password } });
  expect(res.status, `login ${email}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body.access_token as string;
};

/** The sum of one resource over the seeded week of the tenant at `index`. */
const seeded = (index: number, resource: string): number =>
  demoUsage(index)
    .flat()
    .filter(([r]) => r === resource)
    .reduce((n, [, q]) => n + q, 0);

describe.concurrent('tenantry demo seed', { timeout: 240_000 }, () => {
  it('seeds a living demo: the owner logs in and sees the parent, its children, members, searchable documents, conversations and usage', async () => {
    const slug = uniqueSlug('demo');
    const result = await cli('demo', 'seed', '--slug', slug, '--json');
    expect(result.code, result.stderr).toBe(0);
    const out = parseJsonOutput<SeedJson>(result);
    expect(out).toMatchObject({ slug, owner: { email: `${slug}-owner@example.com` }, parent: { slug }, usage_days: DEMO_USAGE_DAYS });
    expect(out.password).toEqual(expect.any(String)); // generated, printed once
    expect(out.children.map((c) => c.slug)).toEqual([`${slug}-branch-1`, `${slug}-branch-2`]);
    expect(out.users.map((u) => u.email)).toEqual(['admin', 'member', 'viewer'].map((r) => `${slug}-${r}@example.com`));
    expect(out.tenants.map((t) => t.status)).toEqual(['active', 'active', 'active']);

    const token = await login(out.owner.email, out.password!);
    const mine = await request('GET', '/api/tenants?limit=100', { token });
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(3);
    const children = await request('GET', `/api/tenants?parent=${slug}`, { token });
    expect(children.body.tenants.map((t: { slug: string }) => t.slug).sort()).toEqual([`${slug}-branch-1`, `${slug}-branch-2`]);
    expect(children.body.tenants.every((t: { parent_id: string; status: string }) => t.parent_id === out.parent.id && t.status === 'active')).toBe(true);

    // Members with different roles: the parent has one of each; the first child rotates them.
    const roles = async (tenantId: string) =>
      Object.fromEntries(((await request('GET', `/api/tenants/${tenantId}/members`, { token })).body.members as Array<{ email: string; role: string }>).map((m) => [m.email, m.role]));
    expect(await roles(out.parent.id)).toEqual({ [out.owner.email]: 'owner', [`${slug}-admin@example.com`]: 'admin', [`${slug}-member@example.com`]: 'member', [`${slug}-viewer@example.com`]: 'viewer' });
    expect(await roles(out.children[0]!.id)).toEqual({ [out.owner.email]: 'owner', [`${slug}-admin@example.com`]: 'member', [`${slug}-member@example.com`]: 'viewer', [`${slug}-viewer@example.com`]: 'admin' });

    for (const [index, tenant] of out.tenants.entries()) {
      const inTenant = { token, headers: { 'x-tenant-id': tenant.id } };
      // Documents, indexed for search like any document: a seeded word finds its document.
      const docs = await request('GET', '/api/v1/corpus/documents?limit=100', inTenant);
      expect(docs.body.total).toBe(demoDocuments('x').length);
      const found = await request('GET', '/api/v1/corpus/documents?q=refund', inTenant);
      expect(found.status).toBe(200);
      expect(found.body.documents.map((d: { title: string }) => d.title)).toEqual(['Refund policy']);
      const passages = await request('POST', '/api/v1/corpus/query', { ...inTenant, body: { query: 'warranty defects', top_k: 3 } });
      expect(passages.body.passages[0].text).toMatch(/two-year warranty/);

      // Conversations answered from those documents, with citations.
      const sessions = await request('GET', '/api/v1/chat/sessions', inTenant);
      expect(sessions.body.total).toBe(DEMO_CONVERSATIONS.length);
      const shipping = sessions.body.sessions.find((s: { title: string }) => s.title === 'Shipping and returns');
      const messages = await request('GET', `/api/v1/chat/sessions/${shipping.id}/messages`, inTenant);
      expect(messages.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      const firstAnswer = messages.body.messages[1];
      expect(firstAnswer.content).toMatch(/Express shipping takes one working day/);
      expect(firstAnswer.citations.length).toBeGreaterThan(0);
      expect(firstAnswer).toMatchObject({ provider: 'extractive', model: 'extractive-1' });

      // A week of usage: exactly what was seeded (reading it records api_calls, but no tokens or messages).
      const usage = await request('GET', `/api/tenants/${tenant.id}/usage?period=7d`, { token });
      expect(usage.status).toBe(200);
      expect(usage.body.totals).toMatchObject({ llm_token: seeded(index, 'llm_token'), message: seeded(index, 'message') });
      expect(usage.body.totals.api_call).toBeGreaterThanOrEqual(seeded(index, 'api_call'));
      expect(usage.body.daily_breakdown.length).toBeGreaterThanOrEqual(DEMO_USAGE_DAYS - 1);
    }

    // The roles bite: the viewer of the parent cannot write there, but administers the first child.
    const viewer = await login(`${slug}-viewer@example.com`, out.password!);
    const write = (tenantId: string) => request('POST', '/api/v1/corpus/documents', { token: viewer, headers: { 'x-tenant-id': tenantId }, body: { title: 'by the viewer' } });
    expect((await write(out.parent.id)).status).toBe(403);
    expect((await write(out.children[0]!.id)).status).toBe(201);

    // Isolation: anyone else sees none of it.
    const stranger = await registerUser(request);
    expect((await request('GET', '/api/tenants', { token: stranger.token })).body.total).toBe(0);
    expect((await request('GET', '/api/v1/corpus/documents', { token: stranger.token, headers: { 'x-tenant-id': out.parent.id } })).status).toBe(403);
  });

  it('a second run with the same slug is one conflict line (exit 4) and makes nothing; --email/--password/--children are honoured; plain output', async () => {
    const slug = uniqueSlug('demo');
    const email = `${uniqueSlug('me')}@example.com`;
    const first = await cli('demo', 'seed', '--slug', slug, '--email', email, '--password', 'demo-password-123', '--children', '0');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(email);
    expect(first.stdout).toContain(`parent ${slug}`);
    expect(first.stdout).not.toContain('demo-password-123'); // a given password is never echoed
    const token = await login(email, 'demo-password-123');
    expect((await request('GET', '/api/tenants', { token })).body.total).toBe(1);

    const otherEmail = `${uniqueSlug('me')}@example.com`;
    const again = await cli('demo', 'seed', '--slug', slug, '--email', otherEmail, '--password', 'demo-password-123', '--json');
    expectOneLineError(again, EXIT.conflict, new RegExp(`slug '${slug}' is already taken`));
    // Nothing half-made: no user for the second run, the first demo unchanged.
    expect((await request('POST', '/api/v1/auth/login', { body: { email: otherEmail, password: 'demo-password-123' } })).status).toBe(401);
    const tenants = await request('GET', '/api/tenants', { token });
    expect(tenants.body.total).toBe(1);
    expect(tenants.body.tenants[0]).toMatchObject({ slug, member_count: 4 });
    const docs = await request('GET', '/api/v1/corpus/documents', { token, headers: { 'x-tenant-slug': slug } });
    expect(docs.body.total).toBe(demoDocuments('x').length);

    // A taken owner email is a conflict too, before anything is made.
    const slug2 = uniqueSlug('demo');
    const takenEmail = await cli('demo', 'seed', '--slug', slug2, '--email', email);
    expectOneLineError(takenEmail, EXIT.conflict, /already exists/);
    expect((await request('GET', `/api/tenants/${slug2}`, { token })).status).toBe(404);
  });

  it('a run that fails half-way (no worker provisions its tenants) is one line (exit 6) and takes back what it made', async () => {
    const slug = uniqueSlug('demo');
    // A Redis prefix no worker consumes: the parent is created, then never provisioned.
    const noWorker = cliEnv(stack.env, { DB_CONNECT_TIMEOUT_MS: '20000', REDIS_PREFIX: `${stack.env.REDIS_PREFIX}-nobody` });
    const failed = await runCli(['demo', 'seed', '--slug', slug, '--password', 'demo-password-123', '--timeout', '2'], noWorker, 120_000);
    expectOneLineError(failed, EXIT.unavailable, new RegExp(`tenant ${slug} is still provisioning after 2 s: is a worker running\\?`));
    // Undone: none of its users can log in, and its slug is free again.
    for (const role of ['owner', 'admin', 'member', 'viewer']) {
      expect((await request('POST', '/api/v1/auth/login', { body: { email: `${slug}-${role}@example.com`, password: 'demo-password-123' } })).status).toBe(401);
    }
    const list = await cli('tenants', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(parseJsonOutput<{ tenants: Array<{ slug: string }> }>(list).tenants.filter((t) => t.slug.startsWith(slug))).toEqual([]);
  });

  it('tenantry --help lists the demo group; demo --help lists seed; demo seed --help its options', async () => {
    const [help, demo, seed] = [await cli('--help'), await cli('demo', '--help'), await cli('demo', 'seed', '--help')];
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^\s+demo\b/m);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/^\s+seed\b/m);
    expect(seed.code, seed.stderr).toBe(0);
    for (const option of ['--slug', '--name', '--email', '--password', '--children', '--timeout', '--json']) expect(seed.stdout).toContain(option);
  });

  it('bad input is one line with exit 2 and creates nothing', async () => {
    const slug = uniqueSlug('demo');
    const longSlug = `d${'x'.repeat(44)}`; // valid itself; its children (<slug>-branch-N) would not be
    const runs: CliResult[] = [];
    for (const args of [
      ['--slug', slug, '--children', '-1'],
      ['--slug', slug, '--children', '11'],
      ['--slug', slug, '--children', 'two'],
      ['--slug', 'Bad_Slug'],
      ['--slug', longSlug],
      ['--slug', slug, '--password', 'short'],
      ['--slug', slug, '--email', 'not-an-email'],
      ['--slug', slug, '--timeout', '0'],
    ]) {
      runs.push(await cli('demo', 'seed', ...args)); // one at a time: each is a Nest boot
    }
    const [negative, tooMany, notNumber, badSlug, tooLong, shortPassword, badEmail, noTimeout] = runs;
    expectOneLineError(negative!, EXIT.badInput, /--children must be a whole number from 0 to 10/);
    expectOneLineError(tooMany!, EXIT.badInput, /--children/);
    expectOneLineError(notNumber!, EXIT.badInput, /--children/);
    expectOneLineError(badSlug!, EXIT.badInput, /--slug/);
    expectOneLineError(tooLong!, EXIT.badInput, /too long for its child tenants/);
    expectOneLineError(shortPassword!, EXIT.badInput, /password must be 8 to 128 characters/);
    expectOneLineError(badEmail!, EXIT.badInput, /email/);
    expectOneLineError(noTimeout!, EXIT.badInput, /--timeout must be a whole number from 1 to 3600/);

    // Nothing was made: no owner to log in as, no tenant under those slugs (a platform-wide check through the CLI).
    for (const s of [slug, longSlug]) {
      expect((await request('POST', '/api/v1/auth/login', { body: { email: `${s}-owner@example.com`, password: 'whatever-password' } })).status).toBe(401);
    }
    const list = await cli('tenants', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    const { tenants } = parseJsonOutput<{ tenants: Array<{ slug: string }> }>(list);
    expect(tenants.length).toBeGreaterThan(0);
    expect(tenants.map((t) => t.slug).filter((s) => s.startsWith(slug) || s.startsWith(longSlug) || s === 'bad_slug')).toEqual([]);
  });
});
