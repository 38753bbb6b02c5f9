import { Command, CommandRunner } from 'nest-commander';
import { KeysCreateCommand, KeysRevokeCommand } from './keys-api.command.js';
import { KeysPruneCommand } from './keys-prune.command.js';
import { KeysRotateCommand } from './keys-rotate.command.js';

const KEY_SUBCOMMANDS = [KeysRotateCommand, KeysPruneCommand, KeysCreateCommand, KeysRevokeCommand];

@Command({ name: 'keys', description: 'encryption keys (rotate, prune) and API keys (create, revoke)', subCommands: KEY_SUBCOMMANDS })
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const KEY_COMMANDS = [KeysCommand, ...KEY_SUBCOMMANDS];
