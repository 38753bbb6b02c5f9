import { Command, CommandRunner } from 'nest-commander';
import { BillingPushCommand } from './billing-push.command.js';

const BILLING_SUBCOMMANDS = [BillingPushCommand];

@Command({ name: 'billing', description: 'Stripe billing: push', subCommands: BILLING_SUBCOMMANDS })
export class BillingCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const BILLING_COMMANDS = [BillingCommand, ...BILLING_SUBCOMMANDS];
