import { Logger } from '@nestjs/common';
import { Option, SubCommand, CommandRunner } from 'nest-commander';
import { AppConfig } from '../../../../../libs/config/src/index.js';
import { LATEST_TENANT_VERSION } from '../../../../../libs/database/src/index.js';
import { ValidationFailed } from '../../../../../libs/common/src/index.js';
import {
  DEFAULT_UPGRADE_CONCURRENCY,
  FAN_OUT_LOCK,
  MigrationRunsRepository,
  type RunSummary,
  TenantSchemaUpgrader,
  type UpgradeReport,
} from '../../../../../libs/tenancy/src/index.js';
import { positiveInt, printJson, printLine, printTable } from '../../cli-output.js';
import { progress } from '../../cli-progress.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface MigrateOptions {
  concurrency?: string;
  tenant?: string;
  dryRun?: boolean;
  canary?: string;
  json?: boolean;
  status?: boolean;
  resume?: string;
}

/** The `--json` shape (API.md): snake_case, `error` only on failures. */
function toJson(report: UpgradeReport) {
  return {
    pending: report.pending,
    migrated: report.migrated,
    failed: report.failed,
    skipped: report.skipped,
    dry_run: report.dryRun,
    run_id: report.runId,
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

function runJson(run: RunSummary) {
  return {
    id: run.id,
    origin: run.origin,
    target_version: run.target_version,
    started_at: run.started_at,
    resumed_at: run.resumed_at,
    finished_at: run.finished_at,
    ok: run.ok,
    failed: run.failed,
    failures: run.failures,
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
    private readonly runs: MigrationRunsRepository,
  ) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    if (options.status) return this.status(options);
    if (options.resume !== undefined && !UUID.test(options.resume)) throw new ValidationFailed(`--resume takes a run id (a uuid), got '${options.resume}'`);
    let concurrency = positiveInt('--concurrency', options.concurrency, 1000) ?? DEFAULT_UPGRADE_CONCURRENCY;
    if (concurrency > this.config.DB_POOL_SIZE) {
      // Tenants beyond the pool would wait for a connection and could time out waiting.
      this.logger.warn(`--concurrency ${concurrency} is more than DB_POOL_SIZE ${this.config.DB_POOL_SIZE}: using ${this.config.DB_POOL_SIZE}`);
      concurrency = this.config.DB_POOL_SIZE;
    }
    const canary = options.canary === undefined ? 0 : positiveInt('--canary', options.canary, 1_000_000);
    const bar = progress('migrate', options);
    let report: UpgradeReport;
    try {
      report = await this.upgrader.upgrade({
        concurrency,
        tenant: options.tenant,
        dryRun: options.dryRun === true,
        canary,
        runId: options.resume,
        origin: 'cli',
        onProgress: (done, total, r) => bar.step(done, total, `${r.slug} ${r.status} (${r.ms} ms)`),
      });
    } finally {
      bar.stop();
    }
    if (options.json) printJson(toJson(report));
    else this.print(report);
    if (report.failed > 0 || report.skipped > 0) {
      const skipped = report.skipped > 0 ? `, ${report.skipped} skipped after a canary failed` : '';
      // A partial failure is the general failure (exit 1); the report says which tenants.
      throw new Error(`${report.failed} of ${report.pending} tenant migrations failed${skipped}`);
    }
  }

  /** `--status`: the last run (counts, failures, whether it finished or was cut short) and what is behind now. */
  private async status(options: MigrateOptions): Promise<void> {
    const run = await this.runs.summary();
    const behind = await this.runs.behindCount(LATEST_TENANT_VERSION);
    const state = !run ? null : run.finished_at ? 'finished' : (await this.runs.lockFree(FAN_OUT_LOCK)) ? 'interrupted' : 'running';
    if (options.json) {
      printJson({ latest_version: LATEST_TENANT_VERSION, behind, last_run: run ? { ...runJson(run), state } : null });
      return;
    }
    printLine(`latest tenant version ${LATEST_TENANT_VERSION}; tenants behind now: ${behind}`);
    if (!run) {
      printLine('no migration run recorded yet');
      return;
    }
    printLine(
      `last run ${run.id} (${run.origin}, to version ${run.target_version}): ${state}; started ${run.started_at.toISOString()}` +
        `${run.finished_at ? `, finished ${run.finished_at.toISOString()}` : ''}; ok ${run.ok}, failed ${run.failed}`,
    );
    if (state === 'interrupted') printLine(`resume it with: tenantry tenants migrate --resume ${run.id}`);
    if (run.failures.length > 0) printTable(['SLUG', 'FROM', 'MS', 'ERROR'], run.failures.map((f) => [f.slug, f.from_version, f.ms, f.error]));
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

  @Option({ flags: '--status', description: 'show the last run (finished, running or interrupted; its failures) and how many tenants are behind' })
  parseStatus(): boolean {
    return true;
  }

  @Option({ flags: '--resume <run-id>', description: 'record this run under an earlier (interrupted) run id; tenants it finished are not behind any more' })
  parseResume(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print {pending, migrated, failed, run_id, results} as JSON' })
  parseJson(): boolean {
    return true;
  }
}
