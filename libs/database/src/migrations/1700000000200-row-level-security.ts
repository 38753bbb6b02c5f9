import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Row-level security for public tables that carry a tenant id. Inside a unit of work the
 * current role is the tenant's own (`tnt_<uuid hex>`, SET LOCAL ROLE), and
 * tenantry_current_tenant() reads the tenant from it: a role can't be spoofed by a
 * `SET app.tenant_id`, as a setting could. Outside a unit of work (the runtime role) the
 * function is NULL and every row is visible: the platform's own queries need them all.
 */
export class RowLevelSecurity1700000000200 implements MigrationInterface {
  name = 'RowLevelSecurity1700000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION public.tenantry_current_tenant() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT CASE WHEN current_user ~ '^tnt_[0-9a-f]{32}$' THEN substr(current_user, 5)::uuid END $$;

      ALTER TABLE public.memberships ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON public.memberships
        USING ((SELECT public.tenantry_current_tenant()) IS NULL OR tenant_id = (SELECT public.tenantry_current_tenant()));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY tenant_isolation ON public.memberships;
      ALTER TABLE public.memberships DISABLE ROW LEVEL SECURITY;
      DROP FUNCTION public.tenantry_current_tenant();
    `);
  }
}
