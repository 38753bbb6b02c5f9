import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { createValidationPipe, DomainError, NotFound } from '../../../libs/common/src/index.js';
import { TENANT_PLANS, TENANT_STATUSES, type TenantPlan, type TenantStatus } from '../../../libs/database/src/index.js';
import { UsersRepository } from '../../../libs/identity/src/index.js';
import { CreateTenantDto, OPERATOR, type TenantDto, TenantsRepository, TenantsService, toTenantDto } from '../../../libs/tenancy/src/index.js';
import { printJson, printLine, printTable } from './cli-output.js';
import { TenantsMigrateCommand } from './tenants-migrate.command.js';

const PAGE = 500;

function printTenants(tenants: readonly TenantDto[]): void {
  printTable(
    ['SLUG', 'STATUS', 'PLAN', 'VERSION', 'MEMBERS', 'PARENT', 'ID', 'NAME'],
    tenants.map((t) => [t.slug, t.status, t.plan, t.schema_version, t.member_count, t.parent_id, t.id, t.name]),
  );
}

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

interface CreateOptions {
  slug: string;
  name: string;
  plan: string;
  owner: string;
  parent?: string;
  wait?: boolean;
  json?: boolean;
}

const WAIT_MS = 60_000;

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
    if (options.wait) tenant = await this.waitUntilProvisioned(tenant.id);
    if (options.json) printJson(tenant);
    else printLine(`created tenant ${tenant.slug} (${tenant.id}), owner ${owner.email}, status ${tenant.status}`);
  }

  private async waitUntilProvisioned(id: string): Promise<TenantDto> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const tenant = await this.tenants.get(id);
      if (tenant.status === 'failed') throw new DomainError('conflict', 'provisioning_failed', `tenant ${tenant.slug}: provisioning failed: ${tenant.last_error ?? 'unknown error'}`);
      if (tenant.status !== 'provisioning') return tenant;
      if (Date.now() > deadline) throw new DomainError('unavailable', 'provisioning_timeout', `tenant ${tenant.slug} is still provisioning after ${WAIT_MS / 1000} s: is a worker running?`);
      await sleep(100);
    }
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

// @Injectable() so the constructor's parameter types are recorded for the subclasses.
@Injectable()
abstract class TenantStateCommand extends CommandRunner {
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

// The CLI acts as a platform operator: its suspensions are lifted only by operators.
@SubCommand({ name: 'suspend', arguments: '<tenant>', description: 'suspend a tenant (slug or id): its API answers 403' })
export class TenantsSuspendCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.suspend(key, OPERATOR);
  }
}

@SubCommand({ name: 'reactivate', arguments: '<tenant>', description: 'reactivate a suspended tenant (slug or id)' })
export class TenantsReactivateCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.reactivate(key, OPERATOR);
  }
}

@SubCommand({ name: 'retry', arguments: '<tenant>', description: 'provision a failed tenant (slug or id) again' })
export class TenantsRetryCommand extends TenantStateCommand {
  protected apply(key: string): Promise<TenantDto> {
    return this.tenants.retryProvisioning(key);
  }
}

const TENANT_SUBCOMMANDS = [
  TenantsListCommand,
  TenantsCreateCommand,
  TenantsSuspendCommand,
  TenantsReactivateCommand,
  TenantsRetryCommand,
  TenantsMigrateCommand,
];

@Command({
  name: 'tenants',
  description: 'tenants: list, create, suspend, reactivate, retry, migrate',
  subCommands: TENANT_SUBCOMMANDS,
})
export class TenantsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const TENANT_COMMANDS = [TenantsCommand, ...TENANT_SUBCOMMANDS];
