import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { createValidationPipe, NotFound, ValidationFailed } from '../../../../../libs/common/src/index.js';
import { ApiKeysService, CreateApiKeyDto, TenantsRepository, type TenantRow } from '../../../../../libs/tenancy/src/index.js';
import { printJson, printLine } from '../../cli-output.js';

interface CreateOptions {
  tenant: string;
  name: string;
  scopes: string;
  expiresAt?: string;
  tenantScope?: string;
  json?: boolean;
}

interface RevokeOptions {
  tenant: string;
  json?: boolean;
}

async function tenantOf(tenants: TenantsRepository, key: string): Promise<TenantRow> {
  const tenant = await tenants.findByKey(key.trim());
  if (!tenant) throw new NotFound('Tenant', key);
  return tenant;
}

/**
 * `tenantry keys create --tenant <slug> --name <n> --scopes a,b [--expires-at ISO] [--tenant-scope slug] [--json]`:
 * an API key made by the operator through the API's DTO and service (the same rules: scopes
 * from the catalogue, tenant_scope the tenant or a descendant, max_api_keys). The operator
 * acts as a platform admin; the key's creator (whose existence keeps it valid) is the tenant's
 * owner; the audit log records the CLI as the actor. The secret is printed once.
 */
@SubCommand({ name: 'create', description: "create an API key of a tenant (the secret is printed once; created for the tenant's owner)" })
export class KeysCreateCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tenants: TenantsRepository,
  ) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const scopes = options.scopes.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (scopes.length === 0) throw new ValidationFailed('--scopes must name at least one permission, comma-separated (e.g. corpus:read,corpus:write)');
    const dto = (await createValidationPipe().transform(
      {
        name: options.name,
        scopes,
        ...(options.expiresAt === undefined ? {} : { expires_at: options.expiresAt }),
        ...(options.tenantScope === undefined ? {} : { tenant_scope: options.tenantScope }),
      },
      { type: 'body', metatype: CreateApiKeyDto },
    )) as CreateApiKeyDto;
    const tenant = await tenantOf(this.tenants, options.tenant);
    const created = await this.keys.create({ tenant, tenantId: tenant.id, role: null, elevated: true, via: 'platform' }, tenant.owner_id, dto);
    if (options.json) printJson(created);
    else printLine(`created API key ${created.id} (${created.name}) in tenant ${tenant.slug}: ${created.key}\nthe key is shown once: store it now`);
  }

  @Option({ flags: '--tenant <slug>', description: 'the tenant (slug or id)', required: true })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'what the key is for', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--scopes <list>', description: 'comma-separated permissions, e.g. corpus:read,corpus:write', required: true })
  parseScopes(value: string): string {
    return value;
  }

  @Option({ flags: '--expires-at <iso>', description: 'when the key stops working (ISO 8601, in the future)' })
  parseExpiresAt(value: string): string {
    return value;
  }

  @Option({ flags: '--tenant-scope <slug>', description: 'the tenant the key acts in: the tenant (default) or one of its descendants' })
  parseTenantScope(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print the key as JSON (with the secret `key`)' })
  parseJson(): boolean {
    return true;
  }
}

/** `tenantry keys revoke --tenant <slug> <id> [--json]`: revokes at once on every API process; audited as the CLI. */
@SubCommand({ name: 'revoke', arguments: '<id>', description: 'revoke an API key of a tenant (at once on every API process)' })
export class KeysRevokeCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tenants: TenantsRepository,
  ) {
    super();
  }

  async run([id]: string[], options: RevokeOptions): Promise<void> {
    const keyId = (id ?? '').trim();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(keyId)) throw new ValidationFailed(`the key id must be a uuid, got '${keyId.slice(0, 64)}'`);
    const tenant = await tenantOf(this.tenants, options.tenant);
    await this.keys.revoke(tenant.id, keyId);
    const key = await this.keys.get(tenant.id, keyId);
    if (options.json) printJson(key);
    else printLine(`revoked API key ${key.id} (${key.name}) of tenant ${tenant.slug}`);
  }

  @Option({ flags: '--tenant <slug>', description: 'the tenant (slug or id)', required: true })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print the revoked key as JSON' })
  parseJson(): boolean {
    return true;
  }
}
