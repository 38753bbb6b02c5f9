import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { createValidationPipe, NotFound } from '../../../../../libs/common/src/index.js';
import { TENANT_PLANS } from '../../../../../libs/database/src/index.js';
import { UsersRepository } from '../../../../../libs/identity/src/index.js';
import { CreateTenantDto, TenantsService } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { waitUntilProvisioned } from './tenant-wait.js';

interface CreateOptions {
  slug: string;
  name: string;
  plan: string;
  owner: string;
  parent?: string;
  wait?: boolean;
  json?: boolean;
}

@SubCommand({ name: 'create', description: 'create a tenant owned by an existing user; the worker provisions it' })
export class TenantsCreateCommand extends CommandRunner {
  constructor(
    private readonly tenants: TenantsService,
    private readonly users: UsersRepository,
  ) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    // The API's own validation pipe and DTO, then the API's service: the same rules and path.
    const dto = (await createValidationPipe().transform(
      { slug: options.slug, name: options.name, plan: options.plan, ...(options.parent === undefined ? {} : { parent_id: options.parent }) },
      { type: 'body', metatype: CreateTenantDto },
    )) as CreateTenantDto;
    const owner = await this.users.findByEmail(options.owner.trim());
    if (!owner) throw new NotFound('User', options.owner);
    // The owner is the caller, as if they had called POST /api/tenants (so --parent needs
    // their tenants:create-child on the parent, unless they are a platform admin).
    let tenant = await this.tenants.create(dto, { id: owner.id, email: owner.email, isPlatformAdmin: owner.isPlatformAdmin });
    if (options.wait) tenant = await waitUntilProvisioned(this.tenants, tenant.id);
    if (options.json) printJson(tenant);
    else printLine(`created tenant ${tenant.slug} (${tenant.id}), owner ${owner.email}, status ${tenant.status}`);
  }

  @Option({ flags: '--slug <slug>', description: 'lowercase letters, digits and dashes (3-50)', required: true })
  parseSlug(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'display name', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--plan <plan>', description: TENANT_PLANS.join(' | '), required: true })
  parsePlan(value: string): string {
    return value;
  }

  @Option({ flags: '--owner <email>', description: 'email of an existing user, who becomes the owner', required: true })
  parseOwner(value: string): string {
    return value;
  }

  @Option({ flags: '--parent <tenant>', description: 'parent tenant (slug or id)' })
  parseParent(value: string): string {
    return value;
  }

  @Option({ flags: '--wait', description: 'wait until the worker has provisioned it' })
  parseWait(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the tenant as JSON' })
  parseJson(): boolean {
    return true;
  }
}
