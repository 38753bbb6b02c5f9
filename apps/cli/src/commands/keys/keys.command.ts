import { Command, CommandRunner } from 'nest-commander';
import { KeysRotateCommand } from './keys-rotate.command.js';

const KEY_SUBCOMMANDS = [KeysRotateCommand];

@Command({ name: 'keys', description: 'encryption keys: rotate', subCommands: KEY_SUBCOMMANDS })
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const KEY_COMMANDS = [KeysCommand, ...KEY_SUBCOMMANDS];
