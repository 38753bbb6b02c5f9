import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.token_version`: every token carries the version it was issued at (`ver`); bumping
 * it (a password change) makes every older token of that user invalid at once.
 */
export class UserTokenVersion1700000000100 implements MigrationInterface {
  name = 'UserTokenVersion1700000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.users DROP COLUMN token_version`);
  }
}
