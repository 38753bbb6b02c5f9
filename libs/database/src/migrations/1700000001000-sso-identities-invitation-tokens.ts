import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on and invitation proof (issue 15):
 * - public.user_identities links an OpenID Connect identity (issuer, subject) to a user. It is
 *   global, not per tenant: the same issuer's subject is the same person wherever it signs in,
 *   so it carries no tenant id (and needs no row-level security).
 * - public.invitations.token_hash: the SHA-256 of the single-use token mailed with an
 *   invitation; accepting needs it (or an SSO login of the tenant), because registering an
 *   email does not prove it. Invitations made before this have none and need SSO or a resend.
 */
export class SsoIdentitiesInvitationTokens1700000001000 implements MigrationInterface {
  name = 'SsoIdentitiesInvitationTokens1700000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.user_identities (
        issuer text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX user_identities_user_idx ON public.user_identities (user_id);

      ALTER TABLE public.invitations ADD COLUMN token_hash bytea;
      CREATE UNIQUE INDEX invitations_token_hash_key ON public.invitations (token_hash) WHERE token_hash IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.invitations DROP COLUMN token_hash; DROP TABLE public.user_identities;`);
  }
}
