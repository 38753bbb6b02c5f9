import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import type { TenantPlan } from '../../database/src/index.js';
import { TENANT_PLANS } from '../../database/src/index.js';
import { TenantSecrets } from '../../secrets/src/index.js';
import { USAGE_RESOURCES, type UsageResource } from '../../usage/src/index.js';
import { BillingRepository, type BillingTenant, type LedgerRow, type NewLedgerRow } from './billing.repository.js';
import { CURRENCY, meterEventName, PLAN_MONTHLY_CENTS, planLookupKey, planOfLookupKey, UNIT_CENTS, usageLookupKey } from './price-catalogue.js';
import { StripeGateway } from './stripe.gateway.js';

/** The Stripe objects of one account (the platform's, or a Connect account): meters and prices by our keys. */
interface Catalogue {
  meters: Record<UsageResource, string>;
  usagePrices: Record<UsageResource, string>;
  planPrices: Record<TenantPlan, string>;
}

/** What one push did. */
export interface PushReport {
  enabled: boolean;
  /** Meter events newly written to the ledger by this push. */
  planned: number;
  pushed: number;
  acknowledged: number;
  failed: number;
  /** Still pending: the next push re-sends them with the same identifiers. */
  pending: number;
  errors: string[];
}

/** Stripe accepts meter events from the last 35 days; we keep a day's margin. */
const PUSH_WINDOW_DAYS = 34;
const DAY_MS = 86_400_000;

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
/** A meter event's identifier: who used what on which day, and which delta of that day (seq). Deterministic: a retry sends the same one. */
export const meterIdentifier = (tenantId: string, resource: string, day: string, seq: number): string => `${tenantId}:${resource}:${day}:${seq}`;

function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return typeof error === 'object' && error !== null && 'type' in error && typeof (error as { type: unknown }).type === 'string' && String((error as { type: string }).type).startsWith('Stripe');
}

/** A duplicate identifier: Stripe has this event already (an earlier answer was lost). */
function isDuplicate(error: Stripe.errors.StripeError): boolean {
  return error.code === 'resource_already_exists' || /identifier.*(already|duplicate)|duplicate.*identifier/i.test(error.message);
}

/** Refused for good (bad request, no such customer): retrying the same request cannot succeed. */
function isPermanent(error: Stripe.errors.StripeError): boolean {
  const status = error.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}

/**
 * Stripe metered billing. Each billing tenant (a top-level tenant, or a child in `separate`
 * mode) gets a customer and a subscription (the plan's price plus one metered price per
 * resource, each backed by a Billing Meter). `push` sends usage as meter events through a
 * ledger, so it is resumable and never bills twice: see the README's "Billing".
 */
@Injectable()
export class StripeBilling {
  private readonly logger = new Logger(StripeBilling.name);
  private readonly catalogues = new Map<string, Promise<Catalogue>>();

  constructor(
    private readonly gateway: StripeGateway,
    private readonly repo: BillingRepository,
    private readonly secrets: TenantSecrets,
  ) {}

  get enabled(): boolean {
    return this.gateway.enabled;
  }

  private get stripe(): Stripe {
    if (!this.gateway.client) throw new Error('STRIPE_SECRET_KEY is not set');
    return this.gateway.client;
  }

  private static options(account: string | null, idempotencyKey?: string): Stripe.RequestOptions {
    return { ...(account ? { stripeAccount: account } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) };
  }

  /** The tenant whose customer pays for `tenant`'s usage: itself, or (consolidated) its nearest separate ancestor or the root. */
  static payerOf(tenant: BillingTenant, byId: ReadonlyMap<string, BillingTenant>): BillingTenant {
    let payer = tenant;
    for (let depth = 0; payer.parent_id && payer.billing_mode === 'consolidated' && depth < 10; depth++) {
      const parent = byId.get(payer.parent_id);
      if (!parent) break;
      payer = parent;
    }
    return payer;
  }

  /** Meters and prices of an account, created when missing (looked up by event name and lookup key, so never twice). */
  catalogue(account: string | null): Promise<Catalogue> {
    const key = account ?? '';
    let cached = this.catalogues.get(key);
    if (!cached) {
      cached = this.loadCatalogue(account);
      cached.catch(() => this.catalogues.delete(key));
      this.catalogues.set(key, cached);
    }
    return cached;
  }

  private async loadCatalogue(account: string | null): Promise<Catalogue> {
    const opts = StripeBilling.options(account);
    const meters = {} as Record<UsageResource, string>;
    const existing = new Map<string, string>();
    for await (const meter of this.stripe.billing.meters.list({ status: 'active', limit: 100 }, opts)) existing.set(meter.event_name, meter.id);
    for (const resource of USAGE_RESOURCES) {
      const eventName = meterEventName(resource);
      meters[resource] =
        existing.get(eventName) ??
        (
          await this.stripe.billing.meters.create(
            {
              display_name: `Tenantry ${resource}`,
              event_name: eventName,
              default_aggregation: { formula: 'sum' },
              customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
              value_settings: { event_payload_key: 'value' },
            },
            StripeBilling.options(account, `tenantry-meter-${eventName}`),
          )
        ).id;
    }
    const keys = [...TENANT_PLANS.map(planLookupKey), ...USAGE_RESOURCES.map(usageLookupKey)];
    const prices = new Map<string, string>();
    for (const price of (await this.stripe.prices.list({ lookup_keys: keys, limit: 100 }, opts)).data) if (price.lookup_key) prices.set(price.lookup_key, price.id);
    const planPrices = {} as Record<TenantPlan, string>;
    for (const plan of TENANT_PLANS) {
      const lookup = planLookupKey(plan);
      planPrices[plan] =
        prices.get(lookup) ??
        (
          await this.stripe.prices.create(
            { currency: CURRENCY, unit_amount: PLAN_MONTHLY_CENTS[plan], recurring: { interval: 'month' }, lookup_key: lookup, product_data: { name: `Tenantry ${plan} plan` } },
            StripeBilling.options(account, `tenantry-price-${lookup}`),
          )
        ).id;
    }
    const usagePrices = {} as Record<UsageResource, string>;
    for (const resource of USAGE_RESOURCES) {
      const lookup = usageLookupKey(resource);
      usagePrices[resource] =
        prices.get(lookup) ??
        (
          await this.stripe.prices.create(
            {
              currency: CURRENCY,
              unit_amount_decimal: Stripe.Decimal.from(UNIT_CENTS[resource]),
              recurring: { interval: 'month', usage_type: 'metered', meter: meters[resource] },
              lookup_key: lookup,
              product_data: { name: `Tenantry ${resource}` },
            },
            StripeBilling.options(account, `tenantry-price-${lookup}`),
          )
        ).id;
    }
    return { meters, usagePrices, planPrices };
  }

  /** The Connect account a tenant is billed on (its sealed settings.stripe_account), or null for the platform's. */
  private async accountOf(tenant: BillingTenant): Promise<string | null> {
    return tenant.has_stripe_account ? ((await this.secrets.read(tenant.id, 'stripe_account')) ?? null) : null;
  }

  /** The payer's customer and subscription, created once (idempotency keys cover a crash between a create and its save). */
  async ensureAccount(tenant: BillingTenant): Promise<{ customerId: string; subscriptionId: string; account: string | null }> {
    const row = await this.repo.account(tenant.id);
    const account = await this.accountOf(tenant);
    if (row?.customer_id && row.subscription_id && row.stripe_account === account) {
      return { customerId: row.customer_id, subscriptionId: row.subscription_id, account };
    }
    const scope = account ?? 'platform';
    const customerId =
      row?.customer_id && row.stripe_account === account
        ? row.customer_id
        : (
            await this.stripe.customers.create(
              { name: tenant.name, metadata: { tenant_id: tenant.id, slug: tenant.slug } },
              StripeBilling.options(account, `tenantry-customer-${tenant.id}-${scope}`),
            )
          ).id;
    await this.repo.saveAccount(tenant.id, { stripe_account: account, customer_id: customerId, subscription_id: null });
    const catalogue = await this.catalogue(account);
    const subscription = await this.stripe.subscriptions.create(
      {
        customer: customerId,
        items: [{ price: catalogue.planPrices[tenant.plan] }, ...USAGE_RESOURCES.map((r) => ({ price: catalogue.usagePrices[r] }))],
        collection_method: 'send_invoice',
        days_until_due: 14,
        metadata: { tenant_id: tenant.id, plan: tenant.plan },
      },
      StripeBilling.options(account, `tenantry-subscription-${tenant.id}-${customerId}`),
    );
    await this.repo.saveAccount(tenant.id, { stripe_account: account, customer_id: customerId, subscription_id: subscription.id });
    return { customerId, subscriptionId: subscription.id, account };
  }

  /** Brings a billing tenant's subscription to its plan (created with it if it has none yet). Consolidated children have none. */
  async syncSubscription(tenantId: string): Promise<'disabled' | 'not-billed' | 'unchanged' | 'updated' | 'created'> {
    if (!this.enabled) return 'disabled';
    const tenants = await this.repo.tenants();
    const byId = new Map(tenants.map((t) => [t.id, t]));
    const tenant = byId.get(tenantId);
    if (!tenant || StripeBilling.payerOf(tenant, byId).id !== tenant.id) return 'not-billed';
    const before = await this.repo.account(tenant.id);
    const { subscriptionId, account } = await this.ensureAccount(tenant);
    if (!before?.subscription_id) return 'created';
    const catalogue = await this.catalogue(account);
    const subscription = await this.stripe.subscriptions.retrieve(subscriptionId, {}, StripeBilling.options(account));
    const planItem = subscription.items.data.find((item) => planOfLookupKey(item.price.lookup_key) !== undefined);
    if (planItem && planItem.price.id === catalogue.planPrices[tenant.plan]) return 'unchanged';
    await this.stripe.subscriptions.update(
      subscriptionId,
      {
        items: planItem ? [{ id: planItem.id, price: catalogue.planPrices[tenant.plan] }] : [{ price: catalogue.planPrices[tenant.plan] }],
        metadata: { tenant_id: tenant.id, plan: tenant.plan },
        proration_behavior: 'create_prorations',
      },
      StripeBilling.options(account),
    );
    return 'updated';
  }

  /**
   * Sends everything metered up to now. 1) every payer with usage gets its customer and
   * subscription; 2) under a lock, each (tenant, resource, day) whose usage exceeds what the
   * ledger covers gets a `pending` ledger row for the difference, with its identifier; 3) every
   * pending row is sent with that identifier and marked. A push stopped anywhere is finished by
   * the next one, which re-sends the same identifiers (Stripe keeps one event per identifier).
   */
  async push(now = new Date()): Promise<PushReport> {
    const report: PushReport = { enabled: this.enabled, planned: 0, pushed: 0, acknowledged: 0, failed: 0, pending: 0, errors: [] };
    if (!this.enabled) return report;
    const since = isoDay(new Date(now.getTime() - PUSH_WINDOW_DAYS * DAY_MS));
    const tenants = await this.repo.tenants();
    const byId = new Map(tenants.map((t) => [t.id, t]));
    const payers = new Map<string, BillingTenant>();
    for (const row of await this.repo.usageByDay(since)) {
      const tenant = byId.get(row.tenant_id);
      if (tenant && row.quantity > 0) payers.set(tenant.id, StripeBilling.payerOf(tenant, byId));
    }
    const accounts = new Map<string, { customerId: string; account: string | null }>();
    for (const payer of new Set(payers.values())) {
      try {
        accounts.set(payer.id, await this.ensureAccount(payer));
      } catch (error) {
        report.errors.push(`tenant ${payer.slug}: could not set up its Stripe customer (${String(error)})`);
      }
    }
    report.planned = await this.repo.transaction(async (m) => {
      await this.repo.lockPush(m);
      const covered = new Map((await this.repo.covered(since, m)).map((c) => [`${c.tenant_id}|${c.resource_type}|${c.day}`, c]));
      const rows: NewLedgerRow[] = [];
      for (const usage of await this.repo.usageByDay(since, m)) {
        const payer = payers.get(usage.tenant_id);
        const billed = payer && accounts.get(payer.id);
        if (!payer || !billed) continue;
        const done = covered.get(`${usage.tenant_id}|${usage.resource_type}|${usage.day}`);
        const delta = usage.quantity - (done?.quantity ?? 0);
        if (delta <= 0) continue;
        const seq = (done?.seq ?? 0) + 1;
        rows.push({
          identifier: meterIdentifier(usage.tenant_id, usage.resource_type, usage.day, seq),
          tenant_id: usage.tenant_id,
          payer_id: payer.id,
          customer_id: billed.customerId,
          stripe_account: billed.account,
          resource_type: usage.resource_type,
          day: usage.day,
          seq,
          quantity: delta,
        });
      }
      await this.repo.insertLedger(m, rows);
      return rows.length;
    });
    const pending = await this.repo.pendingLedger();
    for (const [i, row] of pending.entries()) {
      const outcome = await this.send(row, now);
      if (outcome === 'retry') {
        report.pending = pending.length - i;
        report.errors.push(`stopped at ${row.identifier}: ${(await this.lastError(row.identifier)) ?? 'unavailable'}; the next push resumes here`);
        break;
      }
      report[outcome]++;
    }
    return report;
  }

  private async lastError(identifier: string): Promise<string | null> {
    return (await this.repo.pendingLedger()).find((r) => r.identifier === identifier)?.last_error ?? null;
  }

  private async send(row: LedgerRow, now: Date): Promise<'pushed' | 'acknowledged' | 'failed' | 'retry'> {
    try {
      const catalogue = await this.catalogue(row.stripe_account);
      void catalogue.meters[row.resource_type]; // the meter exists before its events
      // The day's last second (now for today): Stripe takes events up to 35 days old.
      const timestamp = Math.floor(Math.min(Date.parse(`${row.day}T23:59:59Z`), now.getTime()) / 1000);
      await this.stripe.billing.meterEvents.create(
        { event_name: meterEventName(row.resource_type), identifier: row.identifier, timestamp, payload: { stripe_customer_id: row.customer_id, value: String(row.quantity) } },
        StripeBilling.options(row.stripe_account),
      );
      await this.repo.markLedger(row.identifier, 'pushed');
      return 'pushed';
    } catch (error) {
      if (isStripeError(error) && isDuplicate(error)) {
        await this.repo.markLedger(row.identifier, 'acknowledged');
        return 'acknowledged';
      }
      if (isStripeError(error) && isPermanent(error)) {
        this.logger.error(`meter event ${row.identifier} refused by Stripe: ${error.message}`);
        await this.repo.markLedger(row.identifier, 'failed', error.message);
        return 'failed';
      }
      await this.repo.ledgerAttemptFailed(row.identifier, error instanceof Error ? error.message : String(error));
      return 'retry';
    }
  }
}
