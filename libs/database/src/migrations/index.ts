import { Initial1700000000000 } from './1700000000000-initial.js';
import { UserTokenVersion1700000000100 } from './1700000000100-user-token-version.js';
import { RowLevelSecurity1700000000200 } from './1700000000200-row-level-security.js';
import { TenantSuspendedBy1700000000300 } from './1700000000300-tenant-suspended-by.js';
import { TenantsOwnerIndex1700000000400 } from './1700000000400-tenants-owner-index.js';
import { AuditLog1700000000500 } from './1700000000500-audit-log.js';
import { TenantKeys1700000000600 } from './1700000000600-tenant-keys.js';
import { ApiKeys1700000000700 } from './1700000000700-api-keys.js';
import { Invitations1700000000800 } from './1700000000800-invitations.js';
import { UsageRecords1700000000900 } from './1700000000900-usage-records.js';
import { SsoIdentitiesInvitationTokens1700000001000 } from './1700000001000-sso-identities-invitation-tokens.js';
import { CorpusTemplates1700000001200 } from './1700000001200-corpus-templates.js';
import { UsageMetering1700000001300 } from './1700000001300-usage-metering.js';
import { Billing1700000001400 } from './1700000001400-billing.js';
import { TenantMigrationRuns1700000001500 } from './1700000001500-tenant-migration-runs.js';
import { TenantExports1700000001510 } from './1700000001510-tenant-exports.js';
import { WidgetKeys1700000001600 } from './1700000001600-widget-keys.js';
import { UsageBatches1700000001850 } from './1700000001850-usage-batches.js';
import { ApiKeyLiveness1700000001900 } from './1700000001900-api-key-liveness.js';

/** Public-schema migrations, in order (TypeORM migrations; listed, not globbed, for ESM). */
export const PUBLIC_MIGRATIONS = [
  Initial1700000000000,
  UserTokenVersion1700000000100,
  RowLevelSecurity1700000000200,
  TenantSuspendedBy1700000000300,
  TenantsOwnerIndex1700000000400,
  AuditLog1700000000500,
  TenantKeys1700000000600,
  ApiKeys1700000000700,
  Invitations1700000000800,
  UsageRecords1700000000900,
  SsoIdentitiesInvitationTokens1700000001000,
  CorpusTemplates1700000001200,
  UsageMetering1700000001300,
  Billing1700000001400,
  TenantMigrationRuns1700000001500,
  TenantExports1700000001510,
  WidgetKeys1700000001600,
  UsageBatches1700000001850,
  ApiKeyLiveness1700000001900,
];
