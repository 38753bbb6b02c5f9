import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * tenantry_assert_api_key(id): raises when the API key is revoked, expired or gone, else does
 * nothing. The unit of work of a tenant-scoped request made with a key sends it in its opening
 * (right after BEGIN, still as the runtime role, so row-level security shows every key), which
 * makes the key's revocation and expiry exact at PostgreSQL's clock without a round trip of
 * their own (issue 15). SQLSTATE TK401; the message names which of the two it was.
 */
export class ApiKeyLiveness1700000001900 implements MigrationInterface {
  name = 'ApiKeyLiveness1700000001900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION public.tenantry_assert_api_key(key_id uuid) RETURNS void
        LANGUAGE plpgsql STABLE
        SET search_path = pg_catalog, public
        AS $$
        DECLARE
          k record;
        BEGIN
          SELECT revoked_at, expires_at INTO k FROM public.api_keys WHERE id = key_id;
          IF NOT FOUND OR k.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'revoked' USING ERRCODE = 'TK401';
          END IF;
          IF k.expires_at IS NOT NULL AND k.expires_at <= now() THEN
            RAISE EXCEPTION 'expired' USING ERRCODE = 'TK401';
          END IF;
        END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION public.tenantry_assert_api_key(uuid)`);
  }
}
