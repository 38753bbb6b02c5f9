import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The platform-wide tables in `public`. */
export class Initial1700000000000 implements MigrationInterface {
  name = 'Initial1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text,
        name text,
        is_platform_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON public.users (lower(email));

      CREATE TABLE public.tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE
          CHECK (length(slug) BETWEEN 3 AND 50 AND slug ~ '^[a-z0-9][a-z0-9-]*[a-z0-9]$'),
        name text NOT NULL,
        schema_name text NOT NULL UNIQUE,
        plan text NOT NULL CHECK (plan IN ('starter', 'growth', 'enterprise')),
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        status text NOT NULL DEFAULT 'provisioning'
          CHECK (status IN ('provisioning', 'active', 'suspended', 'failed')),
        is_active boolean NOT NULL DEFAULT true,
        parent_id uuid REFERENCES public.tenants (id) ON DELETE RESTRICT,
        owner_id uuid NOT NULL REFERENCES public.users (id),
        max_members integer NOT NULL DEFAULT 50 CHECK (max_members > 0),
        max_api_keys integer NOT NULL DEFAULT 20 CHECK (max_api_keys >= 0),
        schema_version integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        suspended_at timestamptz
      );
      CREATE INDEX tenants_parent_id_idx ON public.tenants (parent_id);
      CREATE INDEX tenants_schema_version_idx ON public.tenants (schema_version);
      CREATE INDEX tenants_status_idx ON public.tenants (status);

      CREATE TABLE public.memberships (
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      CREATE INDEX memberships_user_id_idx ON public.memberships (user_id);

      -- Pre-migrated spare schemas, claimed and renamed by provisioning.
      CREATE TABLE public.schema_pool (
        schema_name text PRIMARY KEY,
        schema_version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.schema_pool, public.memberships, public.tenants, public.users`);
  }
}
