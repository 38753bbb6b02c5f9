import { Logger } from '@nestjs/common';
import { Option, SubCommand, CommandRunner } from 'nest-commander';
import { AppConfig } from '../../../../../libs/config/src/index.js';
import { LATEST_TENANT_VERSION } from '../../../../../libs/database/src/index.js';
import { DEFAULT_UPGRADE_CONCURRENCY, TenantSchemaUpgrader, type UpgradeReport } from '../../../../../libs/tenancy/src/index.js';
import { positiveInt, printJson, printLine, printTable } from '../../cli-output.js';

interface MigrateOptions {
  concurrency?: string;
  tenant?: string;
  dryRun?: boolean;
  canary?: string;
  json?: boolean;
}

/** The `--json` shape (API.md): snake_case, `error` only on failures. */
function toJson(report: UpgradeReport) {
  return {
    pending: report.pending,
    migrated: report.migrated,
    failed: report.failed,
    skipped: report.skipped,
    dry_run: report.dryRun,
    latest_version: LATEST_TENANT_VERSION,
    results: report.results.map((r) => ({
      slug: r.slug,
      from_version: r.fromVersion,
      to_version: r.toVersion,
      status: r.status,
      ms: r.ms,
      ...(r.error === undefined ? {} : { error: r.error }),
    })),
  };
}

@SubCommand({
  name: 'migrate',
  description: 'bring every tenant schema that is behind to the latest tenant migration (exit 1 if any tenant fails)',
})
export class TenantsMigrateCommand extends CommandRunner {
  private readonly logger = new Logger('tenants migrate');

  constructor(
    private readonly upgrader: TenantSchemaUpgrader,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    let concurrency = positiveInt('--concurrency', options.concurrency, 1000) ?? DEFAULT_UPGRADE_CONCURRENCY;
    if (concurrency > this.config.DB_POOL_SIZE) {
      // Tenants beyond the pool would wait for a connection and could time out waiting.
      this.logger.warn(`--concurrency ${concurrency} is more than DB_POOL_SIZE ${this.config.DB_POOL_SIZE}: using ${this.config.DB_POOL_SIZE}`);
      concurrency = this.config.DB_POOL_SIZE;
    }
    const canary = options.canary === undefined ? 0 : positiveInt('--canary', options.canary, 1_000_000);
    const report = await this.upgrader.upgrade({ concurrency, tenant: options.tenant, dryRun: options.dryRun === true, canary });
    if (options.json) printJson(toJson(report));
    else this.print(report);
    if (report.failed > 0 || report.skipped > 0) {
      const skipped = report.skipped > 0 ? `, ${report.skipped} skipped after a canary failed` : '';
      // A partial failure is the general failure (exit 1); the report says which tenants.
      throw new Error(`${report.failed} of ${report.pending} tenant migrations failed${skipped}`);
    }
  }

  private print(report: UpgradeReport): void {
    if (report.pending === 0) {
      printLine(`every tenant is at version ${LATEST_TENANT_VERSION}: nothing to migrate`);
      return;
    }
    printTable(
      ['SLUG', 'FROM', 'TO', 'STATUS', 'MS', 'ERROR'],
      report.results.map((r) => [r.slug, r.fromVersion, r.toVersion, r.status, r.ms, r.error ?? '']),
    );
    printLine(
      report.dryRun
        ? `${report.pending} tenants would be migrated to version ${LATEST_TENANT_VERSION} (dry run: nothing changed)`
        : `${report.migrated} of ${report.pending} tenants migrated to version ${LATEST_TENANT_VERSION}, ${report.failed} failed`,
    );
  }

  @Option({ flags: '--concurrency <n>', description: `tenants migrated at once (default ${DEFAULT_UPGRADE_CONCURRENCY}, at most DB_POOL_SIZE)` })
  parseConcurrency(value: string): string {
    return value;
  }

  @Option({ flags: '--tenant <tenant>', description: 'only this tenant (slug or id)' })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--dry-run', description: 'list the tenants that are behind; change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--canary <n>', description: 'migrate the first n tenants first; if one fails, leave the rest alone' })
  parseCanary(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {pending, migrated, failed, results} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
