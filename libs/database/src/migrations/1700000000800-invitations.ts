import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending invitations: an email without an account, invited into a tenant with a role.
 * It becomes a membership when that email registers or logs in (accepted_at set). At most
 * one pending invitation per (tenant, email). Row-level security like memberships.
 */
export class Invitations1700000000800 implements MigrationInterface {
  name = 'Invitations1700000000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        invited_by uuid REFERENCES public.users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES public.users (id) ON DELETE SET NULL
      );
      CREATE UNIQUE INDEX invitations_pending_key ON public.invitations (tenant_id, lower(email)) WHERE accepted_at IS NULL;
      CREATE INDEX invitations_email_idx ON public.invitations (lower(email)) WHERE accepted_at IS NULL;

      ALTER TABLE public.invitations ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.invitations
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.invitations`);
  }
}
