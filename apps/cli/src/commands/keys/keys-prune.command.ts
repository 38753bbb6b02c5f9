import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { NotFound } from '../../../../../libs/common/src/index.js';
import { DataKeyPruner } from '../../../../../libs/secrets/src/index.js';
import { TenantDirectory } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';

interface PruneOptions {
  tenant?: string;
  json?: boolean;
}

/**
 * `tenantry keys prune [--tenant slug]` (README "Encryption keys"): after `keys rotate --tenant`
 * re-encrypted a tenant's secrets, deletes the data key versions no stored secret names; each
 * tenant's latest stays.
 */
@SubCommand({ name: 'prune', description: "delete tenants' earlier data keys that no stored secret needs (the latest always stays)" })
export class KeysPruneCommand extends CommandRunner {
  constructor(
    private readonly pruner: DataKeyPruner,
    private readonly directory: TenantDirectory,
  ) {
    super();
  }

  async run(_args: string[], options: PruneOptions): Promise<void> {
    let tenantId: string | undefined;
    if (options.tenant !== undefined) {
      const tenant = await this.directory.find(options.tenant);
      if (!tenant) throw new NotFound('Tenant', options.tenant);
      tenantId = tenant.id;
    }
    const result = await this.pruner.prune({ tenantId });
    if (options.json) printJson(result);
    else printLine(`tenants: ${result.tenants}, data keys deleted: ${result.deleted}, kept: ${result.kept}`);
  }

  @Option({ flags: '--tenant <slug>', description: 'only this tenant (slug or id)' })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {tenants, deleted, kept} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
