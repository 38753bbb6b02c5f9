import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Widget keys: publishable API keys (`tnt_pk_...`) for the embeddable chat widget. A key's kind
 * is fixed at creation: `secret` (every key so far) or `widget` (conversations:write on its own
 * tenant only, honoured only from the tenant's settings.widget.allowed_origins).
 */
export class WidgetKeys1700000001600 implements MigrationInterface {
  name = 'WidgetKeys1700000001600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.api_keys ADD COLUMN kind text NOT NULL DEFAULT 'secret' CHECK (kind IN ('secret', 'widget'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public.api_keys DROP COLUMN kind`);
  }
}
