import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { ValidationFailed } from '../../../../../libs/common/src/index.js';
import { UsageRepository } from '../../../../../libs/usage/src/index.js';
import { printJson, printLine } from '../../cli-output.js';

interface RollupOptions {
  from?: string;
  json?: boolean;
}

/**
 * `tenantry usage rollup [--from YYYY-MM-DD] [--json]`: re-derives public.usage_daily from
 * public.usage_records for the days from --from (default yesterday) through today, as the
 * worker's scheduled job does. Idempotent: running it twice writes the same days.
 */
@SubCommand({ name: 'rollup', description: 're-derive the daily usage rollups (usage_daily) from the usage records, from --from (default yesterday) through today' })
export class UsageRollupCommand extends CommandRunner {
  constructor(private readonly usage: UsageRepository) {
    super();
  }

  async run(_args: string[], options: RollupOptions): Promise<void> {
    const started = Date.now();
    const result = await this.usage.rollupRecent(options.from);
    const out = { ...result, ms: Date.now() - started };
    if (options.json) printJson(out);
    else printLine(`usage_daily re-derived for ${out.from}..${out.to}: ${out.days} days, ${out.rows} rows in ${out.ms} ms`);
  }

  @Option({ flags: '--from <date>', description: 'first UTC day to re-derive (YYYY-MM-DD; default yesterday)' })
  parseFrom(value: string): string {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const date = day ? new Date(`${value}T00:00:00Z`) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value || date.getTime() > Date.now()) {
      throw new ValidationFailed(`--from must be a past date as YYYY-MM-DD, got '${value.slice(0, 40)}'`);
    }
    return value;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}

const USAGE_SUBCOMMANDS = [UsageRollupCommand];

@Command({ name: 'usage', description: 'usage metering: rollup', subCommands: USAGE_SUBCOMMANDS })
export class UsageCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help({ error: true });
  }
}

export const USAGE_COMMANDS = [UsageCommand, ...USAGE_SUBCOMMANDS];
