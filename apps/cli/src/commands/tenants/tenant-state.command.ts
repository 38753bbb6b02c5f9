import { Injectable } from '@nestjs/common';
import { CommandRunner, Option } from 'nest-commander';
import { type TenantDto, TenantsService } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';

// @Injectable() so the constructor's parameter types are recorded for the subclasses.
@Injectable()
export abstract class TenantStateCommand extends CommandRunner {
  constructor(protected readonly tenants: TenantsService) {
    super();
  }

  protected abstract apply(key: string): Promise<TenantDto>;

  async run([key]: string[], options: { json?: boolean }): Promise<void> {
    const tenant = await this.apply(key ?? '');
    if (options.json) printJson(tenant);
    else printLine(`tenant ${tenant.slug}: ${tenant.status}`);
  }

  @Option({ flags: '--json', description: 'print the tenant as JSON' })
  parseJson(): boolean {
    return true;
  }
}
