import { Command, CommandRunner } from 'nest-commander';
import { UsersCreateCommand } from './users-create.command.js';
import { UsersDeleteCommand } from './users-delete.command.js';
import { UsersSetAdminCommand } from './users-set-admin.command.js';
import { UsersSetPasswordCommand } from './users-set-password.command.js';

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
