import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuthService, toUserDto } from '../../../../../libs/identity/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { CreateUserOptions, validateNewUser } from './user-options.js';

@SubCommand({ name: 'create', description: 'create a user (--platform-admin: an operator of the whole deployment)' })
export class UsersCreateCommand extends CommandRunner {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async run(_args: string[], options: CreateUserOptions): Promise<void> {
    const { email, password, name } = validateNewUser(options);
    const user = await this.auth.createUser(email, password, name, options.platformAdmin === true);
    if (options.json) printJson(toUserDto(user));
    else printLine(`created user ${user.email} (${user.id})${user.isPlatformAdmin ? ', platform admin' : ''}`);
  }

  @Option({ flags: '--email <email>', description: 'login email', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'at least 8 characters', required: true })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'display name' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--platform-admin', description: 'make the user a platform admin' })
  parsePlatformAdmin(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the user as JSON' })
  parseJson(): boolean {
    return true;
  }
}
