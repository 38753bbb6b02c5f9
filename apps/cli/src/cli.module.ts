import { type DynamicModule, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { AssistantCoreModule } from '../../../libs/assistant/src/index.js';
import { AuditModule, CLI_ACTOR } from '../../../libs/audit/src/index.js';
import { BillingCoreModule } from '../../../libs/billing/src/index.js';
import { AppConfig, ConfigModule } from '../../../libs/config/src/index.js';
import { CORPUS_ENTITIES } from '../../../libs/corpus/src/index.js';
import { DatabaseModule } from '../../../libs/database/src/index.js';
import { IdentityCoreModule } from '../../../libs/identity/src/index.js';
import { RedisModule } from '../../../libs/redis/src/index.js';
import { TenancyCoreModule } from '../../../libs/tenancy/src/index.js';
import { SecretsModule } from '../../../libs/secrets/src/index.js';
import { BILLING_COMMANDS } from './commands/billing/billing.command.js';
import { DEMO_COMMANDS } from './commands/demo/demo.command.js';
import { StorageModule } from '../../../libs/storage/src/index.js';
import { OperationsCliModule } from '../../../libs/operations/src/index.js';
import { KEY_COMMANDS } from './commands/keys/keys.command.js';
import { TENANT_COMMANDS } from './commands/tenants/tenants.command.js';
import { USER_COMMANDS } from './commands/users/users.command.js';
import { USAGE_COMMANDS } from './commands/usage/usage.command.js';
import { UsageCoreModule } from '../../../libs/usage/src/index.js';

/**
 * The admin CLI: the same services as the API (so the same rules), no HTTP, and no queue
 * processors: it enqueues work (provisioning) for the worker, never consumes it.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        ClsModule.forRoot({ global: true }),
        DatabaseModule.forRoot({ applicationName: 'tenantry-cli', tenantEntities: [...CORPUS_ENTITIES] }),
        RedisModule,
        AuditModule.forRoot({ fallbackActor: CLI_ACTOR }),
        IdentityCoreModule,
        TenancyCoreModule,
        SecretsModule,
        UsageCoreModule,
        BillingCoreModule,
        StorageModule,
        OperationsCliModule,
        AssistantCoreModule,
      ],
      providers: [...USER_COMMANDS, ...TENANT_COMMANDS, ...KEY_COMMANDS, ...USAGE_COMMANDS, ...BILLING_COMMANDS, ...DEMO_COMMANDS],
    };
  }
}
