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
      -- One indexed probe on the hot path; which of the two it was is looked up only when refusing.
      -- No SET search_path: it runs as its caller (not SECURITY DEFINER) and names public explicitly,
      -- and a function-level setting would cost a GUC save and restore on every call.
      CREATE FUNCTION public.tenantry_assert_api_key(key_id uuid) RETURNS void
        LANGUAGE plpgsql STABLE
        AS $$
        BEGIN
          PERFORM 1 FROM public.api_keys WHERE id = key_id AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
          IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM public.api_keys WHERE id = key_id AND revoked_at IS NULL) THEN
              RAISE EXCEPTION 'expired' USING ERRCODE = 'TK401';
            END IF;
            RAISE EXCEPTION 'revoked' USING ERRCODE = 'TK401';
          END IF;
        END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION public.tenantry_assert_api_key(uuid)`);
  }
}
