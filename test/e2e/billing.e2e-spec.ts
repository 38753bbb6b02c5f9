// Billing (README "Billing", "Webhooks", "White-label") against a stack of its own: the real API,
// worker and CLI, real PostgreSQL and Redis, and the real `stripe` SDK pointed (STRIPE_API_BASE)
// at a loopback fake Stripe that records every request. Usage rows are inserted directly (the
// recorder is libs/usage's); outgoing webhooks go to a loopback receiver that checks signatures.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifySignature } from '../../libs/billing/src/index.js';
import { cliEnv, parseJsonOutput, runCli } from '../support/cli.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { activeTenant, client, createTenant, registerUser, type Request, uniqueSlug, waitForStatus } from '../support/http.js';
import { nodeClient } from '../support/node-http.js';
import { createDatabase, type Stack, startStack, TEST_BASE_DOMAIN } from '../support/stack.js';

const shared = inject('stack');
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const HOOK_SECRET = 'hook-secret-0123456789abcdef';
const GRACE_SECONDS = 2;

interface Received {
  type: string;
  body: { id: string; type: string; tenant_id: string; data: Record<string, unknown> };
  signed: boolean;
  delivery: string;
}

/** A loopback webhook receiver: verifies each delivery's signature; answers 500 to the first `failures` requests. */
class Receiver {
  readonly received: Received[] = [];
  failures = 0;
  requests = 0;
  private server?: Server;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        this.requests++;
        if (this.failures > 0) {
          this.failures--;
          res.writeHead(500).end();
          return;
        }
        const body = JSON.parse(text) as Received['body'];
        const signed = verifySignature(HOOK_SECRET, text, String(req.headers['tenantry-signature'] ?? ''));
        this.received.push({ type: body.type, body, signed, delivery: String(req.headers['tenantry-delivery']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  of(tenantId: string, type: string): Received[] {
    return this.received.filter((r) => r.body.tenant_id === tenantId && r.type === type);
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const today = (): string => new Date().toISOString().slice(0, 10);
const yesterday = (): string => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('billing, Stripe, outgoing webhooks, branding', { timeout: 180_000 }, () => {
  const fake = new FakeStripe();
  const receiver = new Receiver();
  let stack: Stack;
  let request: Request;
  let hostRequest: Request;
  let db: pg.Client;
  let stripeEnv: Record<string, string>;

  const push = async (extra: Record<string, string> = {}) => {
    const result = await runCli(['billing', 'push', '--json'], cliEnv(stack.info.env, { ...stripeEnv, ...extra }), 90_000);
    return { code: result.code, report: parseJsonOutput<{ enabled: boolean; planned: number; pushed: number; acknowledged: number; failed: number; pending: number; errors: string[] }>(result), stderr: result.stderr };
  };

  const insertUsage = async (tenantId: string, resource: string, quantity: number, day = today()): Promise<void> => {
    await db.query(`INSERT INTO public.usage_records (tenant_id, resource_type, quantity, bucket, batch_id) VALUES ($1, $2, $3, $4::date + interval '12 hours', $5)`, [
      tenantId,
      resource,
      quantity,
      day,
      randomBytes(6).toString('hex'),
    ]);
  };

  const stripeEvent = async (type: string, object: Record<string, unknown>, id = `evt_${randomBytes(8).toString('hex')}`) => {
    const payload = JSON.stringify({ id, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), data: { object } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const send = () => request('POST', '/api/billing/webhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    return { id, payload, signature, send };
  };

  beforeAll(async () => {
    await fake.start();
    await receiver.start();
    stripeEnv = { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_API_BASE: fake.url };
    const databaseUrl = await createDatabase(shared.serverUrl, `tenantry_billing_${Date.now().toString(36)}`);
    stack = await startStack({
      databaseUrl,
      serverUrl: shared.serverUrl,
      redisUrl: shared.redisUrl,
      dataDir: shared.dataDir,
      env: {
        ...stripeEnv,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        BILLING_GRACE_DAYS: String(GRACE_SECONDS / 86_400),
        BILLING_DUNNING_INTERVAL_MS: '500',
        // The scheduled push runs once at start (no usage then); the tests push with the CLI.
        BILLING_PUSH_INTERVAL_MS: '3600000',
        WEBHOOK_BACKOFF_MS: '200',
        WEBHOOK_ATTEMPTS: '5',
      },
    });
    request = client(stack.info.apiUrl);
    hostRequest = nodeClient(stack.info.apiUrl);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    await receiver.stop();
    await fake.stop();
  });

  it('without STRIPE_SECRET_KEY, `billing push` says nothing is pushed and calls no Stripe', async () => {
    const before = fake.requests.length;
    const result = await runCli(['billing', 'push'], cliEnv(stack.info.env));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('STRIPE_SECRET_KEY is not set: nothing pushed');
    expect(fake.requests.length).toBe(before);
  });

  it('a push gives each billing tenant a customer and a metered subscription, and sends meter events with deterministic identifiers (consolidated children on the parent, separate ones on their Connect account)', async () => {
    const { owner, tenant: parent } = await activeTenant(request, { plan: 'enterprise' });
    const consolidated = await waitForStatus(request, owner.token, (await createTenant(request, owner.token, { parent_id: parent.id })).id);
    const separate = await waitForStatus(
      request,
      owner.token,
      (await createTenant(request, owner.token, { parent_id: parent.id, settings: { billing_mode: 'separate', stripe_account: 'acct_test_separate' } })).id,
    );
    expect(separate.settings.stripe_account).toEqual({ set: true }); // sealed, never shown
    await insertUsage(parent.id, 'api_call', 5);
    await insertUsage(consolidated.id, 'message', 3);
    await insertUsage(consolidated.id, 'api_call', 2, yesterday());
    await insertUsage(separate.id, 'llm_token', 100);

    const { code, report, stderr } = await push();
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ enabled: true, planned: 4, pushed: 4, failed: 0, pending: 0 });

    const customers = [...fake.customers.values()];
    const parentCustomer = customers.find((c) => (c.metadata as Record<string, string>).tenant_id === parent.id)!;
    const separateCustomer = customers.find((c) => (c.metadata as Record<string, string>).tenant_id === separate.id)!;
    expect(parentCustomer.account).toBe('');
    expect(separateCustomer.account).toBe('acct_test_separate');
    expect(customers.some((c) => (c.metadata as Record<string, string>).tenant_id === consolidated.id)).toBe(false);
    const parentSub = [...fake.subscriptions.values()].find((s) => s.customer === parentCustomer.id)!;
    const lookupKeys = (parentSub.items as { data: Array<{ price: { lookup_key: string } }> }).data.map((i) => i.price.lookup_key).sort();
    expect(lookupKeys).toEqual(['tenantry-plan-enterprise', 'tenantry-usage-api_call', 'tenantry-usage-llm_token', 'tenantry-usage-message', 'tenantry-usage-rag_query', 'tenantry-usage-storage_mb']);
    // One meter per resource, created once on each account.
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/billing/meters' && !r.stripeAccount).length).toBe(5);

    const events = new Map(fake.meterEvents.map((e) => [e.identifier, e]));
    expect(events.get(`${parent.id}:api_call:${today()}:1`)).toMatchObject({ customer: parentCustomer.id, value: 5, event_name: 'tenantry_api_call' });
    expect(events.get(`${consolidated.id}:message:${today()}:1`)).toMatchObject({ customer: parentCustomer.id, value: 3 });
    expect(events.get(`${consolidated.id}:api_call:${yesterday()}:1`)).toMatchObject({ customer: parentCustomer.id, value: 2 });
    expect(events.get(`${separate.id}:llm_token:${today()}:1`)).toMatchObject({ customer: separateCustomer.id, value: 100, account: 'acct_test_separate' });

    // Nothing new: nothing sent. New usage: only the difference, under the next identifier.
    const again = await push();
    expect(again.report).toMatchObject({ planned: 0, pushed: 0 });
    await insertUsage(parent.id, 'api_call', 4);
    const more = await push();
    expect(more.report).toMatchObject({ planned: 1, pushed: 1 });
    expect(events.size + 1).toBe(new Set(fake.meterEvents.map((e) => e.identifier)).size);
    expect(fake.meterEvents.find((e) => e.identifier === `${parent.id}:api_call:${today()}:2`)).toMatchObject({ value: 4 });

    // The parent's billing shows its children's usage and an estimate; a consolidated child is billed to it.
    const bill = await request('GET', `/api/tenants/${parent.id}/billing`, { token: owner.token });
    expect(bill.status, JSON.stringify(bill.body)).toBe(200);
    expect(bill.body).toMatchObject({ tenant_id: parent.id, plan: 'enterprise', billing_status: 'active', billed_to: parent.id, stripe_enabled: true, stripe_customer_id: parentCustomer.id });
    const monthStartedToday = yesterday().slice(0, 7) !== today().slice(0, 7);
    expect(bill.body.usage.api_call).toBe(monthStartedToday ? 9 : 11);
    expect(bill.body.usage.message).toBe(3);
    expect(bill.body.usage.llm_token).toBe(0); // the separate child pays its own
    expect(bill.body.estimate.plan_cents).toBe(49_900);
    expect(bill.body.estimate.total_cents).toBeGreaterThan(49_900);
    const child = await request('GET', `/api/tenants/${consolidated.id}/billing`, { token: owner.token });
    expect(child.body).toMatchObject({ billed_to: parent.id, estimate: null });
  });

  it('a push interrupted half way (Stripe fails) is resumed by the next one with the same identifiers: no event billed twice, even one whose answer was lost', async () => {
    const { tenant } = await activeTenant(request, { plan: 'growth' });
    await insertUsage(tenant.id, 'api_call', 7);
    await insertUsage(tenant.id, 'message', 2);
    await insertUsage(tenant.id, 'rag_query', 3);
    fake.meterEventBudget = 1;
    const first = await push();
    expect(first.code).toBe(6);
    expect(first.report).toMatchObject({ planned: 3, pushed: 1, pending: 2 });
    const ledger = async () => (await db.query<{ identifier: string; status: string }>(`SELECT identifier, status FROM public.billing_meter_ledger WHERE tenant_id = $1 ORDER BY identifier`, [tenant.id])).rows;
    expect((await ledger()).map((r) => r.status).sort()).toEqual(['pending', 'pending', 'pushed']);

    // As if the process died after Stripe took an event but before the ledger said so.
    const sent = (await ledger()).find((r) => r.status === 'pushed')!;
    await db.query(`UPDATE public.billing_meter_ledger SET status = 'pending' WHERE identifier = $1`, [sent.identifier]);
    fake.meterEventBudget = undefined;
    const second = await push();
    expect(second.code, second.stderr).toBe(0);
    expect(second.report).toMatchObject({ planned: 0, pushed: 2, acknowledged: 1, pending: 0 });
    expect((await ledger()).map((r) => r.status).sort()).toEqual(['acknowledged', 'pushed', 'pushed']);

    const mine = fake.meterEvents.filter((e) => e.identifier.startsWith(tenant.id));
    expect(mine.map((e) => e.identifier).sort()).toEqual([`${tenant.id}:api_call:${today()}:1`, `${tenant.id}:message:${today()}:1`, `${tenant.id}:rag_query:${today()}:1`]);
    expect(mine.reduce((sum, e) => sum + e.value, 0)).toBe(12);
    // Every send of one identifier carried the same quantity (a retry re-sends, never re-computes).
    const sends = fake.requests.filter((r) => r.path === '/v1/billing/meter_events' && String(r.body.identifier).startsWith(tenant.id));
    for (const s of sends) expect(Number((s.body.payload as Record<string, string>).value)).toBe(mine.find((e) => e.identifier === s.body.identifier)!.value);
  });

  it('a plan change updates the Stripe subscription (through the worker)', async () => {
    const { owner, tenant } = await activeTenant(request, { plan: 'starter' });
    const planOf = async (): Promise<string | undefined> => {
      const bill = await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token });
      const sub = fake.subscriptions.get(bill.body.stripe_subscription_id as string);
      return (sub?.items as { data: Array<{ price: { lookup_key: string } }> } | undefined)?.data.map((i) => i.price.lookup_key).find((k) => k.startsWith('tenantry-plan-'));
    };
    expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { plan: 'growth' } })).status).toBe(200);
    await until('the subscription on growth', async () => (await planOf()) === 'tenantry-plan-growth');
    expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { plan: 'enterprise' } })).status).toBe(200);
    await until('the subscription on enterprise', async () => (await planOf()) === 'tenantry-plan-enterprise');
    expect(fake.requests.some((r) => r.method === 'POST' && r.path.startsWith('/v1/subscriptions/') && (r.body.metadata as Record<string, string>)?.plan === 'enterprise')).toBe(true);
  });

  describe('the Stripe webhook', () => {
    let owner: Awaited<ReturnType<typeof registerUser>>;
    let tenant: { id: string; slug: string };
    let customer: string;

    beforeAll(async () => {
      ({ owner, tenant } = await activeTenant(request, { plan: 'growth', settings: { webhooks: [{ url: receiver.url, events: ['invoice.payment_failed', 'tenant.suspended'], secret: HOOK_SECRET }] } }));
      await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { plan: 'enterprise' } });
      // The answer says null until the worker made the customer: wait for a value, not just for the field.
      customer = await until('a Stripe customer', async () => ((await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token })).body.stripe_customer_id as string | null) ?? undefined);
    });

    it('refuses a missing or bad signature, or a body that is not the signed one (400), and changes nothing', async () => {
      const event = await stripeEvent('invoice.payment_failed', { id: 'in_bad', object: 'invoice', customer, amount_due: 100, currency: 'usd' });
      const missing = await request('POST', '/api/billing/webhook', { rawBody: event.payload, headers: { 'content-type': 'application/json' } });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('Stripe-Signature');
      const forged = Stripe.webhooks.generateTestHeaderString({ payload: event.payload, secret: 'whsec_not_ours' });
      expect((await request('POST', '/api/billing/webhook', { rawBody: event.payload, headers: { 'content-type': 'application/json', 'stripe-signature': forged } })).status).toBe(400);
      // The same JSON re-serialised (spaces) is not what was signed.
      const reformatted = JSON.stringify(JSON.parse(event.payload), null, 1);
      expect((await request('POST', '/api/billing/webhook', { rawBody: reformatted, headers: { 'content-type': 'application/json', 'stripe-signature': event.signature } })).status).toBe(400);
      expect((await request('POST', '/api/billing/webhook', { rawBody: 'garbage', headers: { 'content-type': 'text/plain', 'stripe-signature': event.signature } })).status).toBe(400);
      const bill = await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token });
      expect(bill.body.billing_status).toBe('active');
      const seen = await db.query(`SELECT count(*)::int AS n FROM public.stripe_webhook_events WHERE id = $1`, [event.id]);
      expect(seen.rows[0].n).toBe(0);
    });

    it('invoice.payment_failed makes the tenant past_due once (a replay is a no-op), emits a signed event, and the tenant is suspended after the grace period; invoice.paid lifts it', async () => {
      const event = await stripeEvent('invoice.payment_failed', { id: 'in_1', object: 'invoice', customer, amount_due: 4900, currency: 'usd', attempt_count: 1, status: 'open' });
      const first = await event.send();
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toEqual({ received: true, duplicate: false, type: 'invoice.payment_failed' });
      const replay = await event.send();
      expect(replay.body).toEqual({ received: true, duplicate: true, type: 'invoice.payment_failed' });

      const bill = await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token });
      // Should this fail: which rows the customer and tenant have.
      const rows = await db.query(`SELECT tenant_id, customer_id, subscription_id, billing_status FROM public.billing_accounts WHERE customer_id = $1 OR tenant_id = $2`, [customer, tenant.id]);
      expect(bill.body.billing_status, JSON.stringify({ customer, tenant: tenant.id, rows: rows.rows })).toBe('past_due');
      expect(bill.body.past_due_since).not.toBeNull();
      const failed = await until('the invoice.payment_failed webhook', async () => receiver.of(tenant.id, 'invoice.payment_failed').length > 0 && receiver.of(tenant.id, 'invoice.payment_failed'));
      expect(failed[0]!.signed).toBe(true);
      expect(failed[0]!.body.data).toMatchObject({ invoice_id: 'in_1', amount_due: 4900, billing_status: 'past_due' });

      const suspended = await waitForStatus(request, owner.token, tenant.id, 'suspended', 20_000);
      expect(suspended.is_active).toBe(false);
      expect((await request('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { 'x-tenant-id': tenant.id } })).status).toBe(403);
      const notice = await until('the tenant.suspended webhook', async () => receiver.of(tenant.id, 'tenant.suspended')[0]);
      expect(notice.signed).toBe(true);
      expect(notice.body.data).toMatchObject({ reason: 'payment_failed', suspended_by: 'platform' });
      // Exactly one event per Stripe event, the replay included.
      expect(receiver.of(tenant.id, 'invoice.payment_failed')).toHaveLength(1);
      // A platform suspension: the tenant's owner cannot lift it.
      expect((await request('POST', `/api/tenants/${tenant.id}/reactivate`, { token: owner.token })).status).toBe(403);

      const paid = await stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice', customer, amount_due: 4900, amount_paid: 4900, currency: 'usd', status: 'paid' });
      expect((await paid.send()).status).toBe(200);
      await waitForStatus(request, owner.token, tenant.id, 'active');
      const after = await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token });
      expect(after.body).toMatchObject({ billing_status: 'active', past_due_since: null, last_invoice: { id: 'in_1', status: 'paid' } });
    });

    it('customer.subscription.updated and .deleted bring the plan in line with Stripe', async () => {
      const item = (lookup: string) => ({ id: 'si_1', object: 'subscription_item', price: { id: 'price_x', object: 'price', lookup_key: lookup } });
      const updated = await stripeEvent('customer.subscription.updated', { id: 'sub_x', object: 'subscription', customer, status: 'active', items: { object: 'list', data: [item('tenantry-plan-growth')] } });
      expect((await updated.send()).status).toBe(200);
      await until('plan growth', async () => (await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).body.plan === 'growth');
      const deleted = await stripeEvent('customer.subscription.deleted', { id: 'sub_x', object: 'subscription', customer, status: 'canceled', items: { object: 'list', data: [item('tenantry-plan-growth')] } });
      expect((await deleted.send()).status).toBe(200);
      await until('plan starter', async () => (await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).body.plan === 'starter');
      expect((await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token })).body.billing_status).toBe('canceled');
    });
  });

  describe('outgoing webhooks', () => {
    it('tenant.provisioned and tenant.suspended are delivered signed; a failing receiver is retried with backoff until it answers, as the delivery log shows', async () => {
      const owner = await registerUser(request);
      const slug = uniqueSlug('hook');
      const created = await createTenant(request, owner.token, { slug, settings: { webhooks: [{ url: receiver.url, events: ['tenant.provisioned', 'tenant.suspended'], secret: HOOK_SECRET }] } });
      expect(created.settings.webhooks[0].secret).toEqual({ set: true });
      const provisioned = await until('tenant.provisioned', async () => receiver.of(created.id, 'tenant.provisioned')[0]);
      expect(provisioned.signed).toBe(true);
      expect(provisioned.body.data).toMatchObject({ tenant_id: created.id, slug });
      const stored = await db.query<{ settings: { webhooks: Array<{ secret: unknown }> } }>(`SELECT settings FROM public.tenants WHERE id = $1`, [created.id]);
      expect(JSON.stringify(stored.rows[0]!.settings)).not.toContain(HOOK_SECRET);

      receiver.failures = 2;
      const before = receiver.requests;
      expect((await request('DELETE', `/api/tenants/${created.id}`, { token: owner.token })).status).toBe(200);
      const suspended = await until('tenant.suspended after retries', async () => receiver.of(created.id, 'tenant.suspended')[0]);
      expect(suspended.signed).toBe(true);
      expect(receiver.requests - before).toBe(3);
      const log = await until('the delivery logged as delivered', async () => {
        const res = await request('GET', `/api/tenants/${created.id}/webhook-deliveries`, { token: owner.token });
        const row = (res.body.deliveries as Array<Record<string, unknown>> | undefined)?.find((d) => d.event_type === 'tenant.suspended');
        return row?.status === 'delivered' ? { res, row } : undefined;
      });
      expect(log.row).toMatchObject({ attempts: 3, last_status_code: 204, url: receiver.url, id: suspended.delivery });
      expect(log.res.body.total).toBe(2);
    });

    it('refuses webhook targets that are private, link-local, plain http off loopback, or lack a secret or known events (400, nothing changed)', async () => {
      const { owner, tenant } = await activeTenant(request);
      for (const hook of [
        { url: 'http://10.0.0.5/hook', events: ['tenant.suspended'], secret: HOOK_SECRET },
        { url: 'https://169.254.169.254/latest/meta-data', events: ['tenant.suspended'], secret: HOOK_SECRET },
        { url: 'https://[::ffff:192.168.1.1]/x', events: ['tenant.suspended'], secret: HOOK_SECRET },
        { url: 'http://example.com/hook', events: ['tenant.suspended'], secret: HOOK_SECRET },
        { url: 'https://user:pw@example.com/hook', events: ['tenant.suspended'], secret: HOOK_SECRET },
        { url: 'https://example.com/hook', events: ['tenant.deleted'], secret: HOOK_SECRET },
        { url: 'https://example.com/hook', events: [], secret: HOOK_SECRET },
        { url: 'https://example.com/hook', events: ['tenant.suspended'] },
        { url: 'https://example.com/hook', events: ['tenant.suspended'], secret: 'short' },
      ]) {
        const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { webhooks: [hook] } } });
        expect(res.status, JSON.stringify(hook)).toBe(400);
        expect(JSON.stringify(res.body.details)).toContain('settings.webhooks.0');
      }
      const res = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
      expect(res.body.settings.webhooks).toBeUndefined();
    });

    it('a PATCH that sends the webhooks back as read ({"set": true}) keeps their secrets', async () => {
      const { owner, tenant } = await activeTenant(request, { settings: { webhooks: [{ url: receiver.url, events: ['tenant.suspended'], secret: HOOK_SECRET }] } });
      const read = await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token });
      const webhooks = read.body.settings.webhooks as Array<Record<string, unknown>>;
      const patched = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { webhooks: [...webhooks, { url: 'https://example.com/second', events: ['tenant.suspended'], secret: `${HOOK_SECRET}-2` }] } } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect((await request('DELETE', `/api/tenants/${tenant.id}`, { token: owner.token })).status).toBe(200);
      const got = await until('tenant.suspended', async () => receiver.of(tenant.id, 'tenant.suspended')[0]);
      expect(got.signed).toBe(true); // still signed with the first secret
    });
  });

  describe('white-label', () => {
    it('serves branding without auth for the tenant of the host: its subdomain or a custom domain; custom domains are unique (409) and resolve tenant-scoped requests', async () => {
      const domain = `chat-${randomBytes(4).toString('hex')}.example.com`;
      const branding = { display_name: 'Acme Support', logo_url: 'https://cdn.example.com/logo.png', primary_color: '#ff6600', font: 'Inter, sans-serif', email_from_name: 'Acme Support' };
      const { owner, tenant } = await activeTenant(request, { settings: { branding, custom_domains: [domain.toUpperCase()] } });
      expect(tenant.settings.custom_domains).toEqual([domain]);

      const bySub = await hostRequest('GET', '/api/v1/branding', { headers: { host: `${tenant.slug}.${TEST_BASE_DOMAIN}` } });
      expect(bySub.status, JSON.stringify(bySub.body)).toBe(200);
      expect(bySub.body).toEqual({ slug: tenant.slug, favicon_url: null, ...branding });
      const byDomain = await hostRequest('GET', '/api/v1/branding', { headers: { host: `${domain}:443` } });
      expect(byDomain.body).toEqual(bySub.body);
      expect((await hostRequest('GET', '/api/v1/branding', { headers: { host: 'nobody-claims-this.example.org' } })).status).toBe(404);
      expect((await hostRequest('GET', '/api/v1/branding', { headers: { host: `no-such-tenant-x.${TEST_BASE_DOMAIN}` } })).status).toBe(404);

      // Tenant-scoped routes resolve from the custom domain like from a subdomain.
      const docs = await hostRequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { host: domain } });
      expect(docs.status, JSON.stringify(docs.body)).toBe(200);
      const { owner: other, tenant: otherTenant } = await activeTenant(request);
      expect((await hostRequest('GET', '/api/v1/corpus/documents', { token: other.token, headers: { host: domain } })).status).toBe(403);
      // A custom domain and a header naming another tenant: a conflict, never a silent pick.
      expect((await hostRequest('GET', '/api/v1/corpus/documents', { token: owner.token, headers: { host: domain, 'x-tenant-id': otherTenant.id } })).status).toBe(400);

      const taken = await request('PATCH', `/api/tenants/${otherTenant.id}`, { token: other.token, body: { settings: { custom_domains: [domain.toUpperCase()] } } });
      expect(taken.status).toBe(409);
      expect(taken.body.message).toContain(domain);
      expect((await request('GET', `/api/tenants/${otherTenant.id}`, { token: other.token })).body.settings.custom_domains).toBeUndefined();
      const takenOnCreate = await request('POST', '/api/tenants', { token: other.token, body: { name: 'Dup', slug: uniqueSlug(), settings: { custom_domains: [domain] } } });
      expect(takenOnCreate.status).toBe(409);

      // Released domains can be claimed.
      expect((await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings: { custom_domains: [] } } })).status).toBe(200);
      expect((await request('PATCH', `/api/tenants/${otherTenant.id}`, { token: other.token, body: { settings: { custom_domains: [domain] } } })).status).toBe(200);
      const moved = await hostRequest('GET', '/api/v1/branding', { headers: { host: domain } });
      expect(moved.body.slug).toBe(otherTenant.slug);
    });

    it('refuses branding and domains that do not validate (400, nothing changed)', async () => {
      const { owner, tenant } = await activeTenant(request);
      for (const settings of [
        { branding: { primary_color: 'red' } },
        { branding: { logo_url: 'javascript:alert(1)' } },
        { branding: { email_from_name: 'Evil\r\nBcc: all@example.com' } },
        { branding: { font: 'x; background:url(//evil)' } },
        { branding: { unknown_field: 'x' } },
        { custom_domains: ['not a host'] },
        { custom_domains: [`x.${TEST_BASE_DOMAIN}`] },
        { custom_domains: ['a.example.com', 'A.example.com'] },
      ]) {
        const res = await request('PATCH', `/api/tenants/${tenant.id}`, { token: owner.token, body: { settings } });
        expect(res.status, JSON.stringify(settings)).toBe(400);
      }
      expect((await request('GET', `/api/tenants/${tenant.id}`, { token: owner.token })).body.settings).toEqual({});
    });
  });

  it('isolation: another tenant cannot read billing or deliveries; a viewer cannot either', async () => {
    const { owner, tenant } = await activeTenant(request, { settings: { webhooks: [{ url: receiver.url, events: ['tenant.suspended'], secret: HOOK_SECRET }] } });
    const { owner: stranger } = await activeTenant(request);
    for (const path of [`/api/tenants/${tenant.id}/billing`, `/api/tenants/${tenant.slug}/webhook-deliveries`]) {
      const res = await request('GET', path, { token: stranger.token });
      expect(res.status, path).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain(owner.email);
    }
    const viewer = await registerUser(request);
    expect((await request('POST', `/api/tenants/${tenant.id}/members`, { token: owner.token, body: { email: viewer.email, role: 'viewer' } })).status).toBe(201);
    expect((await request('GET', `/api/tenants/${tenant.id}/billing`, { token: viewer.token })).status).toBe(403);
    expect((await request('GET', `/api/tenants/${tenant.id}/webhook-deliveries`, { token: viewer.token })).status).toBe(403);
    expect((await request('GET', `/api/tenants/${tenant.id}/billing`, { token: owner.token })).status).toBe(200);
  });
});
