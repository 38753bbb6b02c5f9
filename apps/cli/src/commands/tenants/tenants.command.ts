import { Command, CommandRunner } from 'nest-commander';
import { TenantsMigrateCommand } from './tenants-migrate.command.js';
import { TenantsCreateCommand } from './tenants-create.command.js';
import { TenantsListCommand } from './tenants-list.command.js';
import { TenantsReactivateCommand } from './tenants-reactivate.command.js';
import { TenantsRetryCommand } from './tenants-retry.command.js';
import { TenantsSuspendCommand } from './tenants-suspend.command.js';
import { TenantsDeleteCommand } from './tenants-delete.command.js';
import { TenantsExportCommand } from './tenants-export.command.js';

const TENANT_SUBCOMMANDS = [
  TenantsListCommand,
  TenantsCreateCommand,
  TenantsSuspendCommand,
  TenantsReactivateCommand,
  TenantsRetryCommand,
  TenantsMigrateCommand,
  TenantsExportCommand,
  TenantsDeleteCommand,
];

@Command({
  name: 'tenants',
  description: 'tenants: list, create, suspend, reactivate, retry, migrate, export, delete',
  subCommands: TENANT_SUBCOMMANDS,
})
export class TenantsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const TENANT_COMMANDS = [TenantsCommand, ...TENANT_SUBCOMMANDS];
