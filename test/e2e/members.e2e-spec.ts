// Members of a tenant (the issue "Identity and access"): adding a user by email, roles,
// max_members, the last owner, removal at once on every API process, and the transfer of
// ownership (seed 002). Over HTTP against the shared stack and a second API process.
// The second API process sends mail over SMTP to a loopback smtp-server and runs with
// REGISTRATION=invite, so the invitation tests receive the mail and register through it.
import { simpleParser, type ParsedMail } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTenant, client, registerUser, type Request, type TestUser, uniqueSlug } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const shared = inject('stack');
const first = client(shared.apiUrl);
let secondStack: Stack;
let second: Request;
let smtp: SmtpInbox;
let db: pg.Client;

beforeAll(async () => {
  smtp = await startSmtpInbox();
  secondStack = await startStack({
    ...shared,
    redisPrefix: shared.env.REDIS_PREFIX,
    worker: false,
    env: { SMTP_URL: smtp.url, REGISTRATION: 'invite', PUBLIC_URL: 'https://app.example.test' },
  });
  second = client(secondStack.info.apiUrl);
  db = new pg.Client({ connectionString: shared.databaseUrl });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await secondStack?.stop();
  await db?.end();
  await smtp?.close();
});

/** The mail to `email` (waits for it: SMTP delivery finishes before the API answers, the parse may lag). */
async function mailTo(email: string): Promise<ParsedMail> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const hit = smtp.messages.find((m) => m.to.includes(email));
    if (hit) return hit.mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${email}; inbox: ${JSON.stringify(smtp.messages.map((m) => m.to))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const members = (tenantId: string) => `/api/tenants/${tenantId}/members`;

/** The single-use token an invitation mail carries. */
function tokenIn(text: string): string {
  const match = /invitation_token=(inv_[A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error(`no invitation token in: ${text}`);
  return match[1]!;
}

/** Invites a fresh email into the tenant on the shared API; answers the invitation and the token from its .eml file. */
async function inviteByFile(owner: TestUser, tenantId: string, role = 'member'): Promise<{ email: string; id: string; token: string }> {
  const email = `${uniqueSlug('invitee')}@example.com`;
  const res = await first('POST', members(tenantId), { token: owner.token, body: { email, role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const mailDir = join(shared.env.DATA_DIR ?? shared.dataDir, 'mail');
  for (const file of await readdir(mailDir)) {
    const text = await readFile(join(mailDir, file), 'utf8');
    if (text.includes(`To: ${email}`)) return { email, id: res.body.invitation.id, token: tokenIn((await simpleParser(text)).text ?? '') };
  }
  throw new Error(`no mail file for ${email}`);
}

async function add(owner: TestUser, tenantId: string, user: TestUser, role: string) {
  const res = await first('POST', members(tenantId), { token: owner.token, body: { email: user.email, role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toMatchObject({ status: 'active', member: { user_id: user.id, role } });
  return res.body.member;
}

describe('members', () => {
  it('adds an existing user by email with a role (and the alias), lists them, audits member.added', async () => {
    const { owner, tenant } = await activeTenant(first);
    const jane = await registerUser(first);
    const bob = await registerUser(first);
    expect(await first('GET', `/api/tenants/${tenant.id}`, { token: jane.token })).toMatchObject({ status: 403 });

    const added = await first('POST', members(tenant.id), { token: owner.token, body: { email: jane.email.toUpperCase(), role: 'admin' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ status: 'active', member: { user_id: jane.id, email: jane.email, role: 'admin' } });
    const alias = await first('POST', `/api/tenants/${tenant.slug}/users`, { token: owner.token, body: { email: bob.email } });
    expect(alias.status, JSON.stringify(alias.body)).toBe(201);
    expect(alias.body).toMatchObject({ status: 'active', member: { user_id: bob.id, role: 'member' } });
    const again = await first('POST', members(tenant.id), { token: owner.token, body: { email: bob.email, role: 'viewer' } });
    expect(again).toMatchObject({ status: 409, body: { code: 'already_member' } });

    expect(await first('GET', `/api/tenants/${tenant.id}`, { token: jane.token })).toMatchObject({ status: 200 });
    const list = await first('GET', members(tenant.id), { token: bob.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, skip: 0, limit: 20 });
    expect(list.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [owner.id, 'owner'],
      [jane.id, 'admin'],
      [bob.id, 'member'],
    ]);
    expect((await first('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).body.member_count).toBe(3);

    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log?action=member.added`, { token: owner.token });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const entries = JSON.stringify(audit.body);
    expect(entries).toContain(jane.id);
    expect(entries).toContain(bob.id);
  }, 60_000);

  it('refuses callers without members:write, and owners of another tenant', async () => {
    const { owner, tenant } = await activeTenant(first);
    const viewer = await registerUser(first);
    const stranger = await registerUser(first);
    const other = await activeTenant(first);
    await add(owner, tenant.id, viewer, 'viewer');
    expect(await first('GET', members(tenant.id), { token: viewer.token })).toMatchObject({ status: 200 });
    const byViewer = await first('POST', members(tenant.id), { token: viewer.token, body: { email: stranger.email, role: 'member' } });
    expect(byViewer.status).toBe(403);
    for (const [method, path, body] of [
      ['GET', members(tenant.id), undefined],
      ['POST', members(tenant.id), { email: stranger.email, role: 'admin' }],
      ['PATCH', `${members(tenant.id)}/${viewer.id}`, { role: 'admin' }],
      ['DELETE', `${members(tenant.id)}/${viewer.id}`, undefined],
      ['POST', `/api/tenants/${tenant.id}/transfer`, { new_owner_id: viewer.id }],
    ] as const) {
      const res = await first(method, path, { token: other.owner.token, body });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
    }
    const list = await first('GET', members(tenant.id), { token: owner.token });
    expect(list.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [owner.id, 'owner'],
      [viewer.id, 'viewer'],
    ]);
  }, 60_000);

  it('respects max_members', async () => {
    const { owner, tenant } = await activeTenant(first);
    const patched = await first('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { max_members: 2 } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const [a, b] = [await registerUser(first), await registerUser(first)];
    await add(owner, tenant.id, a, 'member');
    const full = await first('POST', members(tenant.id), { token: owner.token, body: { email: b.email, role: 'member' } });
    expect(full).toMatchObject({ status: 403, body: { code: 'member_limit_reached', details: { limit: 2 } } });
    expect((await first('GET', members(tenant.id), { token: owner.token })).body.total).toBe(2);
    // Room again once a member leaves.
    expect((await first('DELETE', `${members(tenant.id)}/${a.id}`, { token: owner.token })).status).toBe(204);
    await add(owner, tenant.id, b, 'member');
  }, 60_000);

  it('changes roles; the last owner can be neither removed nor demoted; admins cannot make or touch owners', async () => {
    const { owner, tenant } = await activeTenant(first);
    const admin = await registerUser(first);
    const member = await registerUser(first);
    await add(owner, tenant.id, admin, 'admin');
    await add(owner, tenant.id, member, 'member');

    const demote = await first('PATCH', `${members(tenant.id)}/${owner.id}`, { token: owner.token, body: { role: 'admin' } });
    expect(demote).toMatchObject({ status: 409, body: { code: 'last_owner' } });
    const remove = await first('DELETE', `${members(tenant.id)}/${owner.id}`, { token: owner.token });
    expect(remove).toMatchObject({ status: 409, body: { code: 'last_owner' } });

    const promote = await first('PATCH', `${members(tenant.id)}/${member.id}`, { token: admin.token, body: { role: 'owner' } });
    expect(promote).toMatchObject({ status: 403, body: { code: 'owners_only' } });
    const touchOwner = await first('DELETE', `${members(tenant.id)}/${owner.id}`, { token: admin.token });
    expect(touchOwner).toMatchObject({ status: 403, body: { code: 'owners_only' } });

    const toViewer = await first('PATCH', `${members(tenant.id)}/${member.id}`, { token: admin.token, body: { role: 'viewer' } });
    expect(toViewer.status, JSON.stringify(toViewer.body)).toBe(200);
    expect(toViewer.body).toMatchObject({ user_id: member.id, role: 'viewer' });
    // The role change holds at once: a viewer may not write members.
    const byViewer = await first('POST', members(tenant.id), { token: member.token, body: { email: admin.email } });
    expect(byViewer.status).toBe(403);

    // With a second owner, the first may step down; tenants.owner_id then names the remaining owner.
    expect((await first('PATCH', `${members(tenant.id)}/${admin.id}`, { token: owner.token, body: { role: 'owner' } })).status).toBe(200);
    const stepDown = await first('PATCH', `${members(tenant.id)}/${owner.id}`, { token: owner.token, body: { role: 'member' } });
    expect(stepDown.status, JSON.stringify(stepDown.body)).toBe(200);
    expect((await first('GET', `/api/tenants/${tenant.id}`, { token: admin.token })).body.owner_id).toBe(admin.id);
    expect((await first('DELETE', `${members(tenant.id)}/${admin.id}`, { token: admin.token })).body.code).toBe('last_owner');

    const unknown = await first('PATCH', `${members(tenant.id)}/${crypto.randomUUID()}`, { token: admin.token, body: { role: 'viewer' } });
    expect(unknown.status).toBe(404);
    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log?action=member.role_changed`, { token: admin.token });
    expect(audit.body.total).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('a removed member is refused at once on every API process', async () => {
    const { owner, tenant } = await activeTenant(first);
    const member = await registerUser(first);
    await add(owner, tenant.id, member, 'member');
    const path = `/api/tenants/${tenant.id}`;
    // Warm the role caches of both processes: the test then proves the invalidation.
    for (let i = 0; i < 2; i++) {
      expect((await first('GET', path, { token: member.token })).status).toBe(200);
      expect((await second('GET', path, { token: member.token })).status).toBe(200);
    }
    const removed = await first('DELETE', `${members(tenant.id)}/${member.id}`, { token: owner.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    // The announcement is published before the DELETE answers; give the second process's subscriber a moment at most.
    const deadline = Date.now() + 2_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await second('GET', path, { token: member.token })).status) !== 403) await new Promise((r) => setTimeout(r, 20));
    expect(status).toBe(403);
    expect((await first('GET', path, { token: member.token })).status).toBe(403);
    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log?action=member.removed`, { token: owner.token });
    expect(JSON.stringify(audit.body)).toContain(member.id);
  }, 60_000);
});

describe('transfer of ownership (seed 002)', () => {
  it('refuses a non-member; an active member becomes owner and the old owner admin', async () => {
    const { owner, tenant } = await activeTenant(first);
    const member = await registerUser(first);
    const outsider = await registerUser(first);
    await add(owner, tenant.id, member, 'member');
    const transfer = `/api/tenants/${tenant.id}/transfer`;

    const refused = await first('POST', transfer, { token: owner.token, body: { new_owner_id: outsider.id } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'transfer_target_not_member' } });
    expect((await first('POST', transfer, { token: member.token, body: { new_owner_id: member.id } })).status).toBe(403);

    expect((await second('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).status).toBe(200); // warm its cache
    const done = await first('POST', transfer, { token: owner.token, body: { new_owner_id: member.id } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ id: tenant.id, owner_id: member.id });
    const list = await first('GET', members(tenant.id), { token: member.token });
    expect(list.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [owner.id, 'admin'],
      [member.id, 'owner'],
    ]);
    // At once, on another process too: the old owner is an admin, who may not transfer.
    expect((await second('POST', transfer, { token: owner.token, body: { new_owner_id: owner.id } })).status).toBe(403);
    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log?action=tenant.transferred`, { token: member.token });
    expect(JSON.stringify(audit.body)).toContain(member.id);
  }, 60_000);
});

describe('invitations', () => {
  const inviteeEmail = () => `${uniqueSlug('invitee')}@example.com`;

  it('an email without an account gets a pending invitation, mailed over SMTP with the branding; registering with it makes the membership', async () => {
    const { owner, tenant } = await activeTenant(first);
    const branding = {
      display_name: 'Acme <Rockets> & Co',
      email_from_name: 'Acme Team',
      primary_color: '#ff6600',
      logo_url: 'https://cdn.example.test/acme.png',
    };
    const patched = await first('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { branding } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const email = inviteeEmail();

    const invited = await second('POST', members(tenant.id), { token: owner.token, body: { email, role: 'admin' } });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    expect(invited.body).toMatchObject({ status: 'pending', invitation: { email, role: 'admin', invited_by: owner.id } });
    const invitationId = invited.body.invitation.id as string;
    const list = await first('GET', members(tenant.id), { token: owner.token });
    expect(list.body).toMatchObject({ total: 1, invitations: [{ id: invitationId, email, role: 'admin' }] });

    const mail = await mailTo(email);
    expect(mail.subject).toBe("You're invited to join Acme <Rockets> & Co");
    expect(mail.from?.value).toEqual([{ name: 'Acme Team', address: 'no-reply@tenantry.local' }]);
    const invitationToken = tokenIn(mail.text ?? '');
    const link = `https://app.example.test/app/register?invitation_token=${invitationToken}&email=${encodeURIComponent(email)}`;
    expect(mail.text).toContain(link);
    expect(mail.text).toContain(`${owner.email} has invited you to join Acme <Rockets> & Co (${tenant.slug}) as admin.`);
    const html = String(mail.html);
    expect(html).toContain('Acme &lt;Rockets&gt; &amp; Co');
    expect(html).not.toContain('<Rockets>');
    expect(html).toContain('color: #ff6600');
    expect(html).toContain('<img src="https://cdn.example.test/acme.png"');
    expect(html).toContain(`href="${link.replace('&', '&amp;')}"`);

    // REGISTRATION=invite on the second process: an email nobody invited may not register, the invited one may.
    const uninvited = await second('POST', '/api/v1/auth/register', { body: { email: inviteeEmail(), password: 'correct-horse-battery' } });
    expect(uninvited).toMatchObject({ status: 403, body: { code: 'registration_invite_only' } });
    // The invited email without the mailed token may not register either (registration proves no email).
    const withoutToken = await second('POST', '/api/v1/auth/register', { body: { email, password: 'correct-horse-battery' } });
    expect(withoutToken).toMatchObject({ status: 403, body: { code: 'registration_invite_only' } });
    const registered = await second('POST', '/api/v1/auth/register', { body: { email, password: 'correct-horse-battery', invitation_token: invitationToken } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token = registered.body.access_token as string;
    expect((await first('GET', `/api/tenants/${tenant.id}`, { token })).status).toBe(200);
    expect((await second('GET', `/api/tenants/${tenant.id}`, { token })).status).toBe(200);
    const after = await first('GET', members(tenant.id), { token: owner.token });
    expect(after.body).toMatchObject({ total: 2, invitations: [] });
    expect(after.body.members[1]).toMatchObject({ user_id: registered.body.user.id, email, role: 'admin' });
    // Spent: in invite mode the email holds no invitation any more.
    const againRegistered = await second('POST', '/api/v1/auth/register', { body: { email, password: 'correct-horse-battery', invitation_token: invitationToken } });
    expect(againRegistered).toMatchObject({ status: 403, body: { code: 'registration_invite_only' } });

    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log`, { token: owner.token });
    const actions = (audit.body.entries as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['member.invited', 'member.added']));
  }, 60_000);

  it('an invited email that logs in with the mailed token (an account made meanwhile, e.g. by the CLI) becomes a member; without it, not; without SMTP_URL the mail is an .eml file', async () => {
    const { owner, tenant } = await activeTenant(first);
    const email = inviteeEmail();
    const invited = await first('POST', members(tenant.slug), { token: owner.token, body: { email, role: 'viewer' } });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    expect(invited.body.status).toBe('pending');
    // The shared API has no SMTP_URL: the message is a file under DATA_DIR/mail.
    const mailDir = join(shared.env.DATA_DIR ?? shared.dataDir, 'mail');
    const files = await readdir(mailDir);
    const texts = await Promise.all(files.map((f) => readFile(join(mailDir, f), 'utf8')));
    const eml = texts.find((t) => t.includes(`To: ${email}`) && t.includes(invited.body.invitation.id as string));
    expect(eml).toBeDefined();
    const invitationToken = tokenIn((await simpleParser(eml!)).text ?? '');

    // An account made outside registration (as the CLI does), with a known password: another user's hash of it.
    const donor = await registerUser(first);
    const password = donor.password;
    await db.query('INSERT INTO public.users (email, password_hash) SELECT $1, password_hash FROM public.users WHERE id = $2', [email, donor.id]);
    // Logging in as the email proves nothing: no membership without the token.
    const plainLogin = await first('POST', '/api/v1/auth/login', { body: { email, password } });
    expect(plainLogin.status).toBe(200);
    expect((await first('GET', '/api/v1/auth/me', { token: plainLogin.body.access_token })).body.memberships).toEqual([]);
    const login = await first('POST', '/api/v1/auth/login', { body: { email, password, invitation_token: invitationToken } });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const me = await first('GET', '/api/v1/auth/me', { token: login.body.access_token });
    expect(JSON.stringify(me.body.memberships)).toContain(tenant.id);
    expect((await second('GET', `/api/tenants/${tenant.id}`, { token: login.body.access_token })).status).toBe(200);
    const list = await first('GET', members(tenant.id), { token: owner.token });
    expect(list.body.members.map((m: { email: string; role: string }) => [m.email, m.role])).toContainEqual([email, 'viewer']);
    expect(list.body.invitations).toEqual([]);
  }, 60_000);

  it('pending invitations hold seats towards max_members; inviting again refreshes the invitation', async () => {
    const { owner, tenant } = await activeTenant(first);
    expect((await first('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { max_members: 2 } })).status).toBe(200);
    const email = inviteeEmail();
    const firstInvite = await first('POST', members(tenant.id), { token: owner.token, body: { email, role: 'member' } });
    expect(firstInvite.status).toBe(201);
    const full = await first('POST', members(tenant.id), { token: owner.token, body: { email: inviteeEmail() } });
    expect(full).toMatchObject({ status: 403, body: { code: 'member_limit_reached' } });
    const user = await registerUser(first);
    const fullForUser = await first('POST', members(tenant.id), { token: owner.token, body: { email: user.email } });
    expect(fullForUser).toMatchObject({ status: 403, body: { code: 'member_limit_reached' } });
    const again = await first('POST', members(tenant.id), { token: owner.token, body: { email: email.toUpperCase(), role: 'viewer' } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.invitation).toMatchObject({ id: firstInvite.body.invitation.id, role: 'viewer' });
    expect((await first('GET', members(tenant.id), { token: owner.token })).body.invitations).toHaveLength(1);
  }, 60_000);

  it('takeover: someone registering the invited email without the token gets nothing; the token accepts for the invited email only, once', async () => {
    const { owner, tenant } = await activeTenant(first);
    const invitation = await inviteByFile(owner, tenant.id, 'admin');
    // The shared API has open registration: anyone may register the invited address...
    const squatter = await first('POST', '/api/v1/auth/register', { body: { email: invitation.email, password: 'correct-horse-battery' } });
    expect(squatter.status).toBe(201);
    const token = squatter.body.access_token as string;
    // ...and gets no membership, by registering, logging in, or guessing a token.
    expect((await first('GET', '/api/v1/auth/me', { token })).body.memberships).toEqual([]);
    expect((await first('GET', `/api/tenants/${tenant.id}`, { token })).status).toBe(403);
    const relogin = await first('POST', '/api/v1/auth/login', { body: { email: invitation.email, password: 'correct-horse-battery' } });
    expect((await first('GET', '/api/v1/auth/me', { token: relogin.body.access_token })).body.memberships).toEqual([]);
    const guess = `inv_${'A'.repeat(43)}`;
    expect(await first('POST', '/api/v1/auth/invitations/accept', { token, body: { token: guess } })).toMatchObject({ status: 404, body: { code: 'invitation_not_found' } });
    // Another user holding the token (it was forwarded) cannot use it: it is for the invited address.
    const other = await registerUser(first);
    expect((await first('POST', '/api/v1/auth/invitations/accept', { token: other.token, body: { token: invitation.token } })).status).toBe(404);
    const badLogin = await first('POST', '/api/v1/auth/login', { body: { email: other.email, password: other.password, invitation_token: invitation.token } });
    expect(badLogin).toMatchObject({ status: 404, body: { code: 'invitation_not_found' } });
    const list = await first('GET', members(tenant.id), { token: owner.token });
    expect(list.body.invitations).toHaveLength(1);
    expect(list.body.total).toBe(1);
    // Bad input: a malformed token is a 400.
    for (const body of [{}, { token: 'inv_short' }, { token: 42 }, { token: `inv_${'A'.repeat(42)}\u0000` }]) {
      expect((await first('POST', '/api/v1/auth/invitations/accept', { token: other.token, body })).status).toBe(400);
    }
    // The account holding the address accepts with the token, once.
    const accepted = await first('POST', '/api/v1/auth/invitations/accept', { token, body: { token: invitation.token } });
    expect(accepted).toMatchObject({ status: 200, body: { tenant_id: tenant.id, role: 'admin' } });
    expect((await first('GET', `/api/tenants/${tenant.id}`, { token })).status).toBe(200);
    expect((await first('POST', '/api/v1/auth/invitations/accept', { token, body: { token: invitation.token } })).status).toBe(404);
    // A register with a bad token creates nothing.
    const fresh = `${uniqueSlug('nobody')}@example.com`;
    expect((await first('POST', '/api/v1/auth/register', { body: { email: fresh, password: 'correct-horse-battery', invitation_token: invitation.token } })).status).toBe(404);
    expect((await db.query('SELECT 1 FROM public.users WHERE email = $1', [fresh])).rows).toHaveLength(0);
  }, 60_000);

  it('revokes a pending invitation: its token stops working, its seat is freed, audited; 404 for another tenant, 403 without members:write', async () => {
    const { owner, tenant } = await activeTenant(first);
    const intruder = await activeTenant(first);
    const member = await registerUser(first);
    await add(owner, tenant.id, member, 'member');
    const invitation = await inviteByFile(owner, tenant.id);
    const path = `/api/tenants/${tenant.id}/invitations/${invitation.id}`;
    // Another tenant's owner, through their own tenant or this one: 404 / 403.
    expect((await first('DELETE', `/api/tenants/${intruder.tenant.id}/invitations/${invitation.id}`, { token: intruder.owner.token })).status).toBe(404);
    expect((await first('DELETE', path, { token: intruder.owner.token })).status).toBe(403);
    expect((await first('DELETE', path, { token: member.token })).status).toBe(403);
    expect((await first('DELETE', `/api/tenants/${tenant.id}/invitations/not-a-uuid`, { token: owner.token })).status).toBe(400);
    expect((await first('DELETE', `/api/tenants/${tenant.id}/invitations/${randomUUID()}`, { token: owner.token })).status).toBe(404);
    expect((await first('GET', members(tenant.id), { token: owner.token })).body.invitations).toHaveLength(1);

    expect((await first('DELETE', path, { token: owner.token })).status).toBe(204);
    expect((await first('GET', members(tenant.id), { token: owner.token })).body.invitations).toEqual([]);
    expect((await first('DELETE', path, { token: owner.token })).status).toBe(404);
    const late = await first('POST', '/api/v1/auth/register', { body: { email: invitation.email, password: 'correct-horse-battery', invitation_token: invitation.token } });
    expect(late).toMatchObject({ status: 404, body: { code: 'invitation_not_found' } });
    const audit = await first('GET', `/api/tenants/${tenant.id}/audit-log?action=invitation.revoked`, { token: owner.token });
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({ actor: { type: 'user', id: owner.id }, target: { type: 'invitation', id: invitation.id } });
  }, 60_000);
});
