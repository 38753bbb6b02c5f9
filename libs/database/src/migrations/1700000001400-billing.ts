import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing, outgoing webhooks and custom domains (libs/billing, README "Billing", "Webhooks",
 * "White-label").
 * - billing_accounts: a billing tenant's Stripe customer and subscription, and its billing
 *   status (past_due since a failed payment; suspended by the dunning job after the grace period).
 * - billing_meter_ledger: every meter event, written `pending` before it is sent, with the
 *   identifier Stripe deduplicates on, so a push that stopped half way resumes by re-sending the
 *   same identifiers: never a second bill. (tenant, resource, day, seq) is the event's identity.
 * - stripe_webhook_events: the ids of Stripe events already handled (replays are no-ops).
 * - webhook_deliveries: the log of outgoing webhook deliveries.
 * - tenant_domains: custom domains, unique across tenants by construction (the primary key),
 *   kept in step with settings.custom_domains in the settings' own transaction.
 * Row-level security like the other tables that carry a tenant id.
 */
export class Billing1700000001400 implements MigrationInterface {
  name = 'Billing1700000001400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.billing_accounts (
        tenant_id uuid PRIMARY KEY REFERENCES public.tenants (id) ON DELETE CASCADE,
        stripe_account text,
        customer_id text,
        subscription_id text,
        billing_status text NOT NULL DEFAULT 'active' CHECK (billing_status IN ('active', 'past_due', 'canceled')),
        past_due_since timestamptz,
        suspended_for_billing boolean NOT NULL DEFAULT false,
        last_invoice jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX billing_accounts_customer_key ON public.billing_accounts (customer_id) WHERE customer_id IS NOT NULL;
      CREATE INDEX billing_accounts_past_due_idx ON public.billing_accounts (past_due_since) WHERE billing_status = 'past_due';

      CREATE TABLE public.billing_meter_ledger (
        identifier text PRIMARY KEY,
        tenant_id uuid NOT NULL,
        payer_id uuid NOT NULL,
        customer_id text NOT NULL,
        stripe_account text,
        resource_type text NOT NULL,
        day date NOT NULL,
        seq int NOT NULL CHECK (seq > 0),
        quantity bigint NOT NULL CHECK (quantity > 0),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'pushed', 'acknowledged', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        pushed_at timestamptz,
        UNIQUE (tenant_id, resource_type, day, seq)
      );
      CREATE INDEX billing_meter_ledger_pending_idx ON public.billing_meter_ledger (created_at) WHERE status = 'pending';

      CREATE TABLE public.stripe_webhook_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE public.webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        url text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      );
      CREATE INDEX webhook_deliveries_tenant_idx ON public.webhook_deliveries (tenant_id, created_at DESC);

      CREATE TABLE public.tenant_domains (
        domain text PRIMARY KEY CHECK (domain = lower(domain)),
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE
      );
      CREATE INDEX tenant_domains_tenant_idx ON public.tenant_domains (tenant_id);
    `);
    for (const table of ['billing_accounts', 'billing_meter_ledger', 'webhook_deliveries', 'tenant_domains']) {
      await q.query(`
        ALTER TABLE public.${table} ENABLE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON public.${table}
          USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
      `);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.tenant_domains, public.webhook_deliveries, public.stripe_webhook_events, public.billing_meter_ledger, public.billing_accounts`);
  }
}
