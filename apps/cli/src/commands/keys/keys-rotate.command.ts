import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { NotFound } from '../../../../../libs/common/src/index.js';
import { readMasterKeyFile } from '../../../../../libs/config/src/index.js';
import { BadMasterKey, TenantSecrets } from '../../../../../libs/secrets/src/index.js';
import { TenantDirectory } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';

interface RotateOptions {
  tenant?: string;
  newMasterKeyFile?: string;
  json?: boolean;
}

/**
 * `tenantry keys rotate [--tenant slug] [--new-master-key-file path]` (README "Encryption keys"):
 * re-wraps data keys under the new master key (the file's, else MASTER_KEY); with --tenant,
 * that tenant only, and it also gets a new data key its secrets are re-encrypted with.
 */
@SubCommand({
  name: 'rotate',
  description: 're-wrap tenant data keys under a new master key; with --tenant, also a new data key for that tenant and its secrets re-encrypted',
})
export class KeysRotateCommand extends CommandRunner {
  constructor(
    private readonly secrets: TenantSecrets,
    private readonly directory: TenantDirectory,
  ) {
    super();
  }

  async run(_args: string[], options: RotateOptions): Promise<void> {
    let newMaster: Buffer | undefined;
    if (options.newMasterKeyFile !== undefined) {
      try {
        newMaster = readMasterKeyFile(options.newMasterKeyFile);
      } catch (error) {
        throw new BadMasterKey(`--new-master-key-file: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    let tenantId: string | undefined;
    if (options.tenant !== undefined) {
      const tenant = await this.directory.find(options.tenant);
      if (!tenant) throw new NotFound('Tenant', options.tenant);
      tenantId = tenant.id;
    }
    const result = await this.secrets.rotate({ newMaster, tenantId });
    if (options.json) printJson(result);
    else {
      printLine(`tenants: ${result.tenants}, data keys re-wrapped: ${result.rewrapped}, new data keys: ${result.new_keys}, secrets re-encrypted: ${result.reencrypted}`);
    }
  }

  @Option({ flags: '--tenant <slug>', description: 'only this tenant (slug or id); it also gets a new data key' })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--new-master-key-file <path>', description: 'the new master key (32 bytes as base64 or hex, mode 0600); default: MASTER_KEY' })
  parseNewMasterKeyFile(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {tenants, rewrapped, new_keys, reencrypted} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
