import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { TENANT_PLANS, TENANT_STATUSES, type TenantPlan, type TenantStatus } from '../../../../../libs/database/src/index.js';
import { type TenantDto, TenantsRepository, toTenantDto } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { PAGE, printTenants } from './tenant-output.js';

interface ListOptions {
  status?: TenantStatus;
  plan?: TenantPlan;
  json?: boolean;
}

@SubCommand({ name: 'list', description: 'every tenant, oldest first' })
export class TenantsListCommand extends CommandRunner {
  constructor(private readonly repo: TenantsRepository) {
    super();
  }

  async run(_args: string[], options: ListOptions): Promise<void> {
    const tenants: TenantDto[] = [];
    let total = 0;
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.repo.listVisible(null, { status: options.status, plan: options.plan }, skip, PAGE);
      total = page.total;
      tenants.push(...page.rows.map(toTenantDto));
      if (page.rows.length < PAGE) break;
    }
    if (options.json) printJson({ tenants, total });
    else if (tenants.length === 0) printLine('no tenants');
    else printTenants(tenants);
  }

  @Option({ flags: '--status <status>', description: 'only tenants in this status', choices: [...TENANT_STATUSES] })
  parseStatus(value: string): string {
    return value;
  }

  @Option({ flags: '--plan <plan>', description: 'only tenants on this plan', choices: [...TENANT_PLANS] })
  parsePlan(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {tenants, total} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
