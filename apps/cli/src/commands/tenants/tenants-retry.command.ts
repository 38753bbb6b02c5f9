import { SubCommand } from 'nest-commander';
import { OPERATOR, type TenantDto } from '../../../../../libs/tenancy/src/index.js';
import { TenantStateCommand } from './tenant-state.command.js';

@SubCommand({ name: 'retry', arguments: '<tenant>', description: 'provision a failed tenant (slug or id) again' })
export class TenantsRetryCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.retryProvisioning(key, OPERATOR);
  }
}
