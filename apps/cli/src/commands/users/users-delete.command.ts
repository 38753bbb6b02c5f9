import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditLog } from '../../../../../libs/audit/src/index.js';
import { UsersRepository, UsersService } from '../../../../../libs/identity/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { findUser } from './user-options.js';

@SubCommand({ name: 'delete', description: 'delete a user and their memberships (refused while they own tenants); their tokens stop working at once' })
export class UsersDeleteCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly audit: AuditLog,
  ) {
    super();
  }

  async run(_args: string[], options: { email: string; json?: boolean }): Promise<void> {
    const user = await findUser(this.users, options.email);
    const tenantIds = await this.usersService.delete(user);
    const target = { type: 'user', id: user.id };
    const before = { email: user.email, is_platform_admin: user.isPlatformAdmin };
    await this.audit.record({ tenantId: null, action: 'user.deleted', target, before, after: null });
    // Each tenant's own log shows the member leaving.
    for (const tenantId of tenantIds) await this.audit.record({ tenantId, action: 'member.removed', target, before, after: null });
    if (options.json) printJson({ deleted: { id: user.id, email: user.email }, tenant_ids: tenantIds });
    else printLine(`deleted user ${user.email} (${user.id}), a member of ${tenantIds.length} tenant(s)`);
  }

  @Option({ flags: '--email <email>', description: 'the user', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {deleted: {id, email}, tenant_ids} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
