import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who suspended a tenant, so that only someone with that authority lifts it: a platform
 * operator, an ancestor tenant's admin (`suspended_by_tenant`), or the tenant itself.
 */
export class TenantSuspendedBy1700000000300 implements MigrationInterface {
  name = 'TenantSuspendedBy1700000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE public.tenants
        ADD COLUMN suspended_by text CHECK (suspended_by IN ('platform', 'parent', 'tenant')),
        ADD COLUMN suspended_by_tenant uuid REFERENCES public.tenants (id) ON DELETE SET NULL;
      -- Suspensions from before this column: nobody knows who made them, so an operator lifts them.
      UPDATE public.tenants SET suspended_by = 'platform' WHERE status = 'suspended';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.tenants DROP COLUMN suspended_by_tenant, DROP COLUMN suspended_by`);
  }
}
