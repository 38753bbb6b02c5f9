import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditLog } from '../../../../../libs/audit/src/index.js';
import { ValidationFailed } from '../../../../../libs/common/src/index.js';
import { UsersRepository, UsersService } from '../../../../../libs/identity/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { findUser, passwordProblem } from './user-options.js';

@SubCommand({ name: 'set-password', description: "set a user's password; every token issued before stops working at once" })
export class UsersSetPasswordCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly audit: AuditLog,
  ) {
    super();
  }

  async run(_args: string[], options: { email: string; password: string; json?: boolean }): Promise<void> {
    const problem = passwordProblem(options.password);
    if (problem) throw new ValidationFailed(problem, [{ field: 'password', message: problem }]);
    const user = await findUser(this.users, options.email);
    await this.usersService.setPassword(user.id, options.password);
    // The diff shows that the password changed, never a value (redacted on both sides).
    await this.audit.record({ tenantId: null, action: 'user.password_set', target: { type: 'user', id: user.id }, before: { password: 'old' }, after: { password: 'new' } });
    if (options.json) printJson({ id: user.id, email: user.email, password_changed: true });
    else printLine(`password of ${user.email} changed; their earlier tokens no longer work`);
  }

  @Option({ flags: '--email <email>', description: 'the user', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'the new password, at least 8 characters', required: true })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {id, email, password_changed} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
