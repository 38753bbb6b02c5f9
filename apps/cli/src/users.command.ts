import { isEmail } from 'class-validator';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { NotFound, ValidationFailed } from '../../../libs/common/src/index.js';
import type { UserEntity } from '../../../libs/database/src/index.js';
import { AuthService, toUserDto, UsersRepository, UsersService } from '../../../libs/identity/src/index.js';
import { printJson, printLine } from './cli-output.js';

interface CreateUserOptions {
  email: string;
  password: string;
  name?: string;
  platformAdmin?: boolean;
  json?: boolean;
}

function passwordProblem(password: string): string | undefined {
  return password.length < 8 || password.length > 128 ? 'password must be 8 to 128 characters long' : undefined;
}

/** The same rules as POST /api/v1/auth/register (RegisterDto): email trimmed and lower-cased. */
function validateNewUser(o: CreateUserOptions): { email: string; password: string; name: string | null } {
  const email = o.email.trim().toLowerCase();
  const problems: Array<{ field: string; message: string }> = [];
  if (!isEmail(email) || email.length > 254) problems.push({ field: 'email', message: 'email must be an email' });
  const password = passwordProblem(o.password);
  if (password) problems.push({ field: 'password', message: password });
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

@SubCommand({ name: 'set-admin', arguments: '<email>', description: 'make an existing user a platform admin (--revoke: no longer one); takes effect at once' })
export class UsersSetAdminCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
  ) {
    super();
  }

  async run([email]: string[], options: { revoke?: boolean }): Promise<void> {
    const user = await findUser(this.users, email);
    const admin = options.revoke !== true;
    await this.usersService.setPlatformAdmin(user.id, admin);
    printLine(`${user.email} is ${admin ? 'now' : 'no longer'} a platform admin`);
  }

  @Option({ flags: '--revoke', description: 'take platform admin away' })
  parseRevoke(): boolean {
    return true;
  }
}

@SubCommand({ name: 'set-password', description: "set a user's password; every token issued before stops working at once" })
export class UsersSetPasswordCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
  ) {
    super();
  }

  async run(_args: string[], options: { email: string; password: string }): Promise<void> {
    const problem = passwordProblem(options.password);
    if (problem) throw new ValidationFailed(problem, [{ field: 'password', message: problem }]);
    const user = await findUser(this.users, options.email);
    await this.usersService.setPassword(user.id, options.password);
    printLine(`password of ${user.email} changed; their earlier tokens no longer work`);
  }

  @Option({ flags: '--email <email>', description: 'the user', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'the new password, at least 8 characters', required: true })
  parsePassword(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'delete', description: 'delete a user and their memberships (refused while they own tenants); their tokens stop working at once' })
export class UsersDeleteCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
  ) {
    super();
  }

  async run(_args: string[], options: { email: string }): Promise<void> {
    const user = await findUser(this.users, options.email);
    const tenantIds = await this.usersService.delete(user);
    printLine(`deleted user ${user.email} (${user.id}), a member of ${tenantIds.length} tenant(s)`);
  }

  @Option({ flags: '--email <email>', description: 'the user', required: true })
  parseEmail(value: string): string {
    return value;
  }
}

async function findUser(users: UsersRepository, email: string | undefined): Promise<UserEntity> {
  const user = email?.trim() ? await users.findByEmail(email.trim()) : null;
  if (!user) throw new NotFound('User', email ?? '');
  return user;
}

@Command({
  name: 'users',
  description: 'platform users',
  subCommands: [UsersCreateCommand, UsersSetAdminCommand, UsersSetPasswordCommand, UsersDeleteCommand],
})
export class UsersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const USER_COMMANDS = [UsersCommand, UsersCreateCommand, UsersSetAdminCommand, UsersSetPasswordCommand, UsersDeleteCommand];
