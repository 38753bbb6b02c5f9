import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { StripeBilling } from '../../../../../libs/billing/src/index.js';
import { EXIT } from '../../cli-exit-codes.js';
import { printJson, printLine } from '../../cli-output.js';

interface PushOptions {
  json?: boolean;
}

/**
 * `tenantry billing push`: sends everything metered up to now as Stripe meter events. A retry
 * never bills twice (each event's identifier is fixed in the ledger before it is sent). Exit code
 * 0 when every event is sent (or there is no STRIPE_SECRET_KEY, which it says), 6 when Stripe
 * stopped it half way (run it again: it resumes), 1 when Stripe refused events for good.
 */
@SubCommand({ name: 'push', description: 'send metered usage to Stripe as meter events (resumable; never bills twice)' })
export class BillingPushCommand extends CommandRunner {
  constructor(private readonly stripe: StripeBilling) {
    super();
  }

  async run(_args: string[], options: PushOptions): Promise<void> {
    const report = await this.stripe.push();
    if (options.json) printJson(report);
    else if (!report.enabled) printLine('STRIPE_SECRET_KEY is not set: nothing pushed (usage is still metered and rolled up)');
    else {
      printLine(`planned ${report.planned}, pushed ${report.pushed}, acknowledged ${report.acknowledged}, failed ${report.failed}, pending ${report.pending}`);
      for (const error of report.errors) printLine(`  ${error}`);
    }
    if (report.pending > 0) process.exitCode = EXIT.unavailable;
    else if (report.failed > 0) process.exitCode = EXIT.failure;
  }

  @Option({ flags: '--json', description: 'print {enabled, planned, pushed, acknowledged, failed, pending, errors} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
