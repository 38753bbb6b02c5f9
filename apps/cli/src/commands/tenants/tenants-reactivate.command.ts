import { SubCommand } from 'nest-commander';
import { OPERATOR, type TenantDto } from '../../../../../libs/tenancy/src/index.js';
import { TenantStateCommand } from './tenant-state.command.js';

@SubCommand({ name: 'reactivate', arguments: '<tenant>', description: 'reactivate a suspended tenant (slug or id)' })
export class TenantsReactivateCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.reactivate(key, OPERATOR);
  }
}
