import { Command, CommandRunner } from 'nest-commander';
import { DemoSeedCommand } from './demo-seed.command.js';

const DEMO_SUBCOMMANDS = [DemoSeedCommand];

@Command({ name: 'demo', description: 'demo data: seed', subCommands: DEMO_SUBCOMMANDS })
export class DemoCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const DEMO_COMMANDS = [DemoCommand, ...DEMO_SUBCOMMANDS];
