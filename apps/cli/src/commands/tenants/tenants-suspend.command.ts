import { SubCommand } from 'nest-commander';
import { OPERATOR, type TenantDto } from '../../../../../libs/tenancy/src/index.js';
import { TenantStateCommand } from './tenant-state.command.js';

// The CLI acts as a platform operator: its suspensions are lifted only by operators.
@SubCommand({ name: 'suspend', arguments: '<tenant>', description: 'suspend a tenant (slug or id): its API answers 403' })
export class TenantsSuspendCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.suspend(key, OPERATOR);
  }
}
