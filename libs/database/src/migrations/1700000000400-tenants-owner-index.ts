import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The count behind MAX_TENANTS_PER_USER (a user's top-level tenants), on every create: an index, not a scan of every tenant. */
export class TenantsOwnerIndex1700000000400 implements MigrationInterface {
  name = 'TenantsOwnerIndex1700000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX tenants_owner_top_level_idx ON public.tenants (owner_id) WHERE parent_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX public.tenants_owner_top_level_idx`);
  }
}
