import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditLog } from '../../../../../libs/audit/src/index.js';
import { UsersRepository, UsersService } from '../../../../../libs/identity/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { findUser } from './user-options.js';

@SubCommand({ name: 'set-admin', arguments: '<email>', description: 'make an existing user a platform admin (--revoke: no longer one); takes effect at once' })
export class UsersSetAdminCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly audit: AuditLog,
  ) {
    super();
  }

  async run([email]: string[], options: { revoke?: boolean; json?: boolean }): Promise<void> {
    const user = await findUser(this.users, email);
    const admin = options.revoke !== true;
    await this.usersService.setPlatformAdmin(user.id, admin);
    const target = { type: 'user', id: user.id };
    await this.audit.record({ tenantId: null, action: admin ? 'user.admin_granted' : 'user.admin_revoked', target, before: { is_platform_admin: user.isPlatformAdmin }, after: { is_platform_admin: admin } });
    if (options.json) printJson({ id: user.id, email: user.email, is_platform_admin: admin });
    else printLine(`${user.email} is ${admin ? 'now' : 'no longer'} a platform admin`);
  }

  @Option({ flags: '--revoke', description: 'take platform admin away' })
  parseRevoke(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print {id, email, is_platform_admin} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
