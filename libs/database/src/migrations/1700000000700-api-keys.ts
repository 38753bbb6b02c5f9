import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys: a tenant's keys, each valid in `tenant_scope` (the tenant or one of its
 * descendants). Only the SHA-256 of the full key is stored; `prefix` is the visible, unique
 * part a presented key is looked up by. Row-level security as on memberships: a tenant's unit
 * of work sees only its own keys; the runtime role outside one (authentication) sees all.
 */
export class ApiKeys1700000000700 implements MigrationInterface {
  name = 'ApiKeys1700000000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        tenant_scope uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        key_hash bytea NOT NULL,
        scopes text[] NOT NULL,
        created_by uuid REFERENCES public.users (id) ON DELETE SET NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_keys_tenant_idx ON public.api_keys (tenant_id, created_at);

      ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.api_keys
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.api_keys`);
  }
}
