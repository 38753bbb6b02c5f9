// A loopback stand-in for the Stripe API, for the real `stripe` SDK (STRIPE_API_BASE points at
// it). It implements the endpoints billing uses (meters, prices, customers, subscriptions, meter
// events), honours Idempotency-Key like Stripe (same key: the same answer), keeps one meter event
// per identifier (a second is refused as a duplicate), records every request, and can be told to
// fail meter events after N (to interrupt a push).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  stripeAccount?: string;
  idempotencyKey?: string;
  status: number;
}

/** Decodes Stripe's form encoding (`items[0][price]=x`, `metadata[k]=v`) into nested objects and lists. */
export function decodeForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(parts[i + 1]!);
      const slot = part === '' ? String(Object.keys(node).length) : part;
      if (last) node[slot] = value;
      else node = (node[slot] ??= nextIsIndex ? {} : {}) as Record<string, unknown>;
    });
  }
  // Objects whose keys are 0..n-1 become lists.
  const listify = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const fixed = Object.fromEntries(keys.map((k) => [k, listify(o[k])]));
    return keys.length > 0 && keys.every((k, i) => k === String(i)) ? keys.map((k) => fixed[k]) : fixed;
  };
  return listify(root) as Record<string, unknown>;
}

const id = (prefix: string): string => `${prefix}_${randomBytes(8).toString('hex')}`;
const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  /** Meter events accepted (one per identifier and account), in order. */
  readonly meterEvents: Array<{ identifier: string; event_name: string; customer: string; value: number; timestamp: number; account?: string }> = [];
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly subscriptions = new Map<string, Record<string, unknown>>();
  /** Accept this many more meter events, then answer 500 to the rest (undefined: no limit). */
  meterEventBudget: number | undefined;
  private readonly meters = new Map<string, Array<Record<string, unknown>>>();
  private readonly prices = new Map<string, Array<Record<string, unknown>>>();
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.read(req).then((text) => {
        const { status, body } = this.route(req, text);
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private read(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => resolve(text));
    });
  }

  private route(req: IncomingMessage, text: string): { status: number; body: unknown } {
    const url = new URL(req.url ?? '/', 'http://x');
    const account = req.headers['stripe-account'] as string | undefined;
    const key = req.headers['idempotency-key'] as string | undefined;
    const body = req.method === 'GET' ? decodeForm(url.search.slice(1)) : decodeForm(text);
    const record = (status: number, answer: unknown) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, body, stripeAccount: account, idempotencyKey: key, status });
      return { status, body: answer };
    };
    if (!/^Bearer sk_/.test(req.headers.authorization ?? '')) return record(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    const cacheKey = key && `${account ?? ''}|${req.method}|${url.pathname}|${key}`;
    if (cacheKey && this.idempotent.has(cacheKey)) {
      const cached = this.idempotent.get(cacheKey)!;
      return record(cached.status, cached.body);
    }
    const answer = this.handle(req.method ?? 'GET', url.pathname, body, account ?? '');
    if (cacheKey && answer.status < 500) this.idempotent.set(cacheKey, answer);
    return record(answer.status, answer.body);
  }

  private handle(method: string, path: string, body: Record<string, unknown>, account: string): { status: number; body: unknown } {
    const ok = (b: unknown) => ({ status: 200, body: b });
    const meters = this.meters.get(account) ?? [];
    this.meters.set(account, meters);
    const prices = this.prices.get(account) ?? [];
    this.prices.set(account, prices);
    if (method === 'GET' && path === '/v1/billing/meters') return ok(list(meters, path));
    if (method === 'POST' && path === '/v1/billing/meters') {
      const meter = { id: id('mtr'), object: 'billing.meter', status: 'active', event_name: body.event_name, display_name: body.display_name, default_aggregation: body.default_aggregation };
      meters.push(meter);
      return ok(meter);
    }
    if (method === 'GET' && path === '/v1/prices') {
      const keys = (body.lookup_keys as string[] | undefined) ?? [];
      return ok(list(prices.filter((p) => keys.includes(p.lookup_key as string)), path));
    }
    if (method === 'POST' && path === '/v1/prices') {
      const price = { id: id('price'), object: 'price', lookup_key: body.lookup_key ?? null, currency: body.currency, unit_amount: body.unit_amount ?? null, unit_amount_decimal: body.unit_amount_decimal ?? null, recurring: body.recurring };
      prices.push(price);
      return ok(price);
    }
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: id('cus'), object: 'customer', name: body.name, metadata: body.metadata ?? {}, account };
      this.customers.set(customer.id, customer);
      return ok(customer);
    }
    const priceOf = (priceId: unknown) => prices.find((p) => p.id === priceId) ?? { id: priceId, lookup_key: null };
    if (method === 'POST' && path === '/v1/subscriptions') {
      const items = ((body.items as Array<{ price: string }> | undefined) ?? []).map((i) => ({ id: id('si'), object: 'subscription_item', price: priceOf(i.price) }));
      const subscription = { id: id('sub'), object: 'subscription', customer: body.customer, status: 'active', metadata: body.metadata ?? {}, items: list(items, '/v1/subscription_items'), account };
      this.subscriptions.set(subscription.id, subscription);
      return ok(subscription);
    }
    const sub = /^\/v1\/subscriptions\/([\w]+)$/.exec(path);
    if (sub) {
      const subscription = this.subscriptions.get(sub[1]!);
      if (!subscription) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such subscription' } } };
      if (method === 'POST') {
        const items = (subscription.items as { data: Array<{ id: string; price: unknown }> }).data;
        for (const change of (body.items as Array<{ id?: string; price: string }> | undefined) ?? []) {
          const existing = items.find((i) => i.id === change.id);
          if (existing) existing.price = priceOf(change.price);
          else items.push({ id: id('si'), price: priceOf(change.price) });
        }
        if (body.metadata) subscription.metadata = body.metadata;
      }
      return ok(subscription);
    }
    if (method === 'POST' && path === '/v1/billing/meter_events') {
      const identifier = String(body.identifier);
      if (this.meterEvents.some((e) => e.identifier === identifier && (e.account ?? '') === account)) {
        return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_already_exists', message: `An event with identifier ${identifier} already exists` } } };
      }
      if (this.meterEventBudget !== undefined) {
        if (this.meterEventBudget <= 0) return { status: 500, body: { error: { type: 'api_error', message: 'injected failure' } } };
        this.meterEventBudget--;
      }
      const payload = body.payload as Record<string, string>;
      const event = { identifier, event_name: String(body.event_name), customer: payload.stripe_customer_id!, value: Number(payload.value), timestamp: Number(body.timestamp), account: account || undefined };
      this.meterEvents.push(event);
      return ok({ object: 'billing.meter_event', ...event, payload });
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `fake Stripe: ${method} ${path} is not implemented` } } };
  }
}
