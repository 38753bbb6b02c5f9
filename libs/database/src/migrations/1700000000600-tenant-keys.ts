import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tenant data keys, each wrapped (AES-256-GCM) by the master key: `wrapped_key` is an
 * envelope naming the master key that sealed it. Versions only grow; an old version stays
 * while anything may still be sealed with it (libs/secrets, README "Encryption keys").
 */
export class TenantKeys1700000000600 implements MigrationInterface {
  name = 'TenantKeys1700000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.tenant_keys (
        tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
        key_version int NOT NULL CHECK (key_version > 0),
        wrapped_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key_version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.tenant_keys`);
  }
}
