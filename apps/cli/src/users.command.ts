import { isEmail } from 'class-validator';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { NotFound, ValidationFailed } from '../../../libs/common/src/index.js';
import { AuthService, toUserDto, UsersRepository } from '../../../libs/identity/src/index.js';
import { printJson, printLine } from './cli-output.js';

interface CreateUserOptions {
  email: string;
  password: string;
  name?: string;
  platformAdmin?: boolean;
  json?: boolean;
}

/** The same rules as POST /api/v1/auth/register (RegisterDto): email trimmed and lower-cased. */
function validateNewUser(o: CreateUserOptions): { email: string; password: string; name: string | null } {
  const email = o.email.trim().toLowerCase();
  const problems: Array<{ field: string; message: string }> = [];
  if (!isEmail(email) || email.length > 254) problems.push({ field: 'email', message: 'email must be an email' });
  if (o.password.length < 8 || o.password.length > 128) problems.push({ field: 'password', message: 'password must be 8 to 128 characters long' });
  if (o.name !== undefined && o.name.length > 200) problems.push({ field: 'name', message: 'name must be at most 200 characters long' });
  if (problems.length > 0) throw new ValidationFailed(problems.map((p) => p.message).join('; '), problems);
  return { email, password: o.password, name: o.name ?? null };
}

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

@SubCommand({ name: 'set-admin', arguments: '<email>', description: 'make an existing user a platform admin (--revoke: no longer one)' })
export class UsersSetAdminCommand extends CommandRunner {
  constructor(private readonly users: UsersRepository) {
    super();
  }

  async run([email]: string[], options: { revoke?: boolean }): Promise<void> {
    const user = email ? await this.users.findByEmail(email.trim()) : null;
    if (!user) throw new NotFound('User', email ?? '');
    const admin = options.revoke !== true;
    await this.users.setPlatformAdmin(user.id, admin);
    printLine(`${user.email} is ${admin ? 'now' : 'no longer'} a platform admin`);
  }

  @Option({ flags: '--revoke', description: 'take platform admin away' })
  parseRevoke(): boolean {
    return true;
  }
}

@Command({ name: 'users', description: 'platform users', subCommands: [UsersCreateCommand, UsersSetAdminCommand] })
export class UsersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}
