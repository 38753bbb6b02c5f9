import { m0001Initial } from './0001-initial.js';
import { m0002Search } from './0002-search.js';
import { m0003Files } from './0003-files.js';
import { m0004Chat } from './0004-chat.js';
import type { TenantMigration } from './tenant-migration.js';

/** Every tenant migration, in order. Append only; versions are consecutive from 1. */
export const TENANT_MIGRATIONS: readonly TenantMigration[] = [m0001Initial, m0002Search, m0003Files, m0004Chat];

export const LATEST_TENANT_VERSION = TENANT_MIGRATIONS.length;

TENANT_MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`tenant migration ${m.name} has version ${m.version}, expected ${i + 1}`);
});
