// The medium tier: a fresh database of its own on the test server (public migrations applied,
// owner and runtime roles set up as `npm start` does), for modules built in process.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type AppConfig, loadConfig } from '../../libs/config/src/index.js';
import { runPublicMigrations } from '../../libs/database/src/index.js';
import { ensureDatabaseRoles } from '../../libs/devstack/src/index.js';
import type { StackInfo } from './stack.js';
import { createDatabase } from './stack.js';
import { dropDatabase } from './tenant-schema.js';

export interface MediumDatabase {
  config: AppConfig;
  /** Superuser pool on the database, for factories and checks. */
  db: pg.Pool;
  drop(): Promise<void>;
}

export async function mediumDatabase(shared: StackInfo, name: string, env: Record<string, string> = {}): Promise<MediumDatabase> {
  const url = await createDatabase(shared.serverUrl, `tenantry_${name}_${randomBytes(4).toString('hex')}`);
  const roles = await ensureDatabaseRoles(url);
  const config = loadConfig({
    DATABASE_URL: roles.appUrl,
    DATABASE_OWNER_URL: roles.ownerUrl,
    REDIS_URL: shared.redisUrl,
    JWT_SECRET: 'x'.repeat(40),
    DB_POOL_SIZE: '4',
    ...env,
  });
  await runPublicMigrations(config, `tenantry-${name}`);
  const db = new pg.Pool({ connectionString: url, max: 4 });
  return {
    config,
    db,
    async drop() {
      await db.end();
      await dropDatabase(shared.serverUrl, url);
    },
  };
}
