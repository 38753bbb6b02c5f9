import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { AppConfig } from '../../../config/src/index.js';
import { NotFound } from '../../../common/src/index.js';
import { MigrationRunInProgress, TenantNotProvisioned } from '../tenancy.errors.js';
import { LATEST_TENANT_VERSION, migrateTenantSchema, migrateTenantSchemaSql, withSessionLock } from '../../../database/src/index.js';
import { MigrationRunsRepository, type RunOrigin } from './migration-runs.repository.js';
import { type TenantSchemaRef, TenantSchemasRepository } from './tenant-schemas.repository.js';

/** The advisory lock one fan-out holds (CLI or worker job): one run at a time across processes. */
export const FAN_OUT_LOCK = 'tenantry:tenant-migrations:fan-out';

/** `pending`: a dry run's "would migrate"; `skipped`: not tried because a canary failed. */
export type UpgradeStatus = 'ok' | 'failed' | 'pending' | 'skipped';

export interface UpgradeResult {
  slug: string;
  fromVersion: number;
  toVersion: number;
  status: UpgradeStatus;
  ms: number;
  error?: string;
}

export interface UpgradeOptions {
  /** Tenants migrated at once (each holds one pooled connection). Default 4. */
  concurrency?: number;
  /** Only this tenant (slug or id); an unknown one is a NotFound. */
  tenant?: string;
  /** List the tenants that are behind; change nothing. */
  dryRun?: boolean;
  /** Migrate the first N tenants first; if any of them fails, the rest are skipped. Default 0 (no canaries). */
  canary?: number;
  /** Resume this run (its id from `--status` or an earlier report): results are recorded under it. */
  runId?: string;
  /** Who runs it (recorded). Default 'cli'. */
  origin?: RunOrigin;
  /** While another run holds the lock: 'fail' (MigrationRunInProgress, the CLI) or 'wait' (the worker). Default 'fail'. */
  whenLocked?: 'fail' | 'wait';
  /** Called after each tenant (progress bars, metrics). */
  onProgress?: (done: number, total: number, result: UpgradeResult) => void;
  /** Called once the run is recorded, before any tenant (the worker keeps the id to resume after a crash). */
  onRunStarted?: (runId: string) => Promise<void>;
}

export interface UpgradeReport {
  /** Tenants that were behind when the run started. */
  pending: number;
  migrated: number;
  failed: number;
  skipped: number;
  dryRun: boolean;
  /** The run the results are recorded under (none for a dry run). */
  runId: string | null;
  results: UpgradeResult[];
}

export const DEFAULT_UPGRADE_CONCURRENCY = 4;

/** Runs fn over items with at most `limit` in flight; fn must not throw. Results keep the input order. */
function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const lane = pLimit(limit);
  return Promise.all(items.map((item) => lane(() => fn(item))));
}

/**
 * Brings every tenant schema that is behind to the latest tenant migration: one query
 * finds them (an index on schema_version), they are migrated with bounded concurrency,
 * each in its own transaction under its own advisory lock (migrateTenantSchema), and one
 * failure never stops the others. A crash loses nothing: a tenant is either migrated and
 * marked, or untouched and found again by the next run. The worker runs it at start; the
 * CLI (`tenantry tenants migrate`) runs it on demand with options.
 */
@Injectable()
export class TenantSchemaUpgrader {
  private readonly logger = new Logger(TenantSchemaUpgrader.name);

  constructor(
    private readonly schemas: TenantSchemasRepository,
    private readonly config: AppConfig,
    private readonly runs: MigrationRunsRepository,
  ) {}

  /**
   * Tenants whose schema has no role yet (provisioned before tenant roles existed) get
   * theirs: one query finds them, so a start with nothing to do costs one round trip.
   */
  async ensureRoles(): Promise<number> {
    const missing = await this.schemas.withoutRole();
    let created = 0;
    for (const t of missing) {
      // One tenant's schema in a bad state (say, never migrated: no _migrations) must not stop the
      // worker from starting for every other tenant: it is logged, and retried at the next start.
      try {
        await this.schemas.transaction((runner) => this.schemas.createRole(runner, t, this.config.roleNames));
        created++;
      } catch (error) {
        this.logger.warn(`tenant schema ${t.schema_name}: could not create its role (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    if (created > 0) this.logger.log(`created the roles of ${created} tenants`);
    return created;
  }

  async upgrade(options: UpgradeOptions = {}): Promise<UpgradeReport> {
    const concurrency = options.concurrency ?? DEFAULT_UPGRADE_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    const behind = options.tenant === undefined ? await this.schemas.findBehind() : await this.findOneBehind(options.tenant);
    if (options.dryRun) {
      const results = behind.map((t): UpgradeResult => ({ slug: t.slug, fromVersion: t.schema_version, toVersion: LATEST_TENANT_VERSION, status: 'pending', ms: 0 }));
      return { pending: behind.length, migrated: 0, failed: 0, skipped: 0, dryRun: true, runId: null, results };
    }
    if (behind.length === 0 && options.runId === undefined) {
      // Nothing to do: no lock, no run row (a deploy with nothing pending costs one query).
      return { pending: 0, migrated: 0, failed: 0, skipped: 0, dryRun: false, runId: null, results: [] };
    }
    const locked = await withSessionLock(
      this.config.databaseOwnerUrl,
      FAN_OUT_LOCK,
      { wait: options.whenLocked === 'wait', applicationName: 'tenantry-migration-lock' },
      () => this.run(options, concurrency),
    );
    if (!locked.acquired) throw new MigrationRunInProgress();
    return locked.value;
  }

  /** The fan-out, holding the lock: the tenants behind (asked again now that no one else runs), then any that fell behind meanwhile. */
  private async run(options: UpgradeOptions, concurrency: number): Promise<UpgradeReport> {
    const run = options.runId === undefined ? await this.runs.start(options.origin ?? 'cli', LATEST_TENANT_VERSION) : await this.runs.resume(options.runId, LATEST_TENANT_VERSION);
    if (!run) throw new NotFound('Migration run', options.runId ?? '');
    await options.onRunStarted?.(run.id);
    const findBehind = (): Promise<TenantSchemaRef[]> => (options.tenant === undefined ? this.schemas.findBehind() : this.findOneBehind(options.tenant));
    const behind = await findBehind();
    const report: UpgradeReport = { pending: behind.length, migrated: 0, failed: 0, skipped: 0, dryRun: false, runId: run.id, results: [] };
    let done = 0;
    const one = async (t: TenantSchemaRef): Promise<UpgradeResult> => {
      const r = await this.migrateOne(run.id, t);
      options.onProgress?.(++done, report.pending, r);
      return r;
    };
    const canaries = behind.slice(0, Math.max(0, options.canary ?? 0));
    const rest = behind.slice(canaries.length);
    const canaryResults = await mapBounded(canaries, concurrency, one);
    const canaryFailed = canaryResults.some((r) => r.status === 'failed');
    const restResults = canaryFailed
      ? rest.map((t): UpgradeResult => ({ slug: t.slug, fromVersion: t.schema_version, toVersion: t.schema_version, status: 'skipped', ms: 0 }))
      : await mapBounded(rest, concurrency, one);
    report.results = [...canaryResults, ...restResults];
    if (!canaryFailed) {
      // A tenant that fell behind during the run (made by a process still on the previous release)
      // is migrated too, so the run ends with every tenant it could reach at the latest version.
      const tried = new Set(behind.map((t) => t.id));
      for (;;) {
        const late = (await findBehind()).filter((t) => !tried.has(t.id));
        if (late.length === 0) break;
        for (const t of late) tried.add(t.id);
        report.pending += late.length;
        report.results.push(...(await mapBounded(late, concurrency, one)));
      }
    }
    for (const r of report.results) {
      if (r.status === 'ok') report.migrated++;
      else if (r.status === 'failed') report.failed++;
      else if (r.status === 'skipped') report.skipped++;
    }
    await this.runs.finish(run.id);
    if (canaryFailed) this.logger.error(`a canary tenant failed to migrate: ${rest.length} tenants skipped`);
    if (report.pending > 0) this.logger.log(`run ${run.id}: upgraded ${report.migrated}/${report.pending} tenant schemas (${report.failed} failed)`);
    return report;
  }

  private async findOneBehind(key: string): Promise<TenantSchemaRef[]> {
    const tenant = await this.schemas.findByKey(key);
    if (!tenant) throw new NotFound('Tenant', key);
    if (tenant.status !== 'active' && tenant.status !== 'suspended') {
      // Provisioning creates (or migrates) the schema at the latest version; it owns such a tenant.
      throw new TenantNotProvisioned(tenant);
    }
    return tenant.schema_version < LATEST_TENANT_VERSION ? [tenant] : [];
  }

  private async migrateOne(runId: string, t: TenantSchemaRef): Promise<UpgradeResult> {
    const started = performance.now();
    const ms = (): number => Math.round(performance.now() - started);
    const holdMs = Number(this.config.failpoint('migrate.sleep_ms') ?? 0);
    // The common case in one round trip: the ledger where the tenants row says, the migrations,
    // the ledger rows and the run's record, one transaction. Anything else (the ledger elsewhere,
    // a migration that fails) rolls it all back and takes the path below, which reads the ledger
    // first and reports the failure.
    // Its commit does not wait for the WAL flush (synchronous_commit off, this transaction only):
    // a crash of PostgreSQL may lose the last fraction of a second of tenants, each wholly (DDL,
    // ledger, version and record are one transaction), and a rerun migrates them again. The run's
    // finish below is an ordinary commit, which flushes the WAL up to it: once a run is reported
    // finished, every tenant it migrated is durable.
    const script = holdMs > 0 ? null : migrateTenantSchemaSql(t.schema_name, t.schema_version);
    if (script) {
      try {
        await this.schemas.script(`BEGIN;\nSET LOCAL synchronous_commit = off;\n${script};\n${this.runs.successSql(runId, t, t.schema_version, LATEST_TENANT_VERSION)};\nCOMMIT`);
        return { slug: t.slug, fromVersion: t.schema_version, toVersion: LATEST_TENANT_VERSION, status: 'ok', ms: ms() };
      } catch {
        // rolled back: the path below decides
      }
    }
    try {
      const r = await this.schemas.transaction(async (runner) => {
        const res = await migrateTenantSchema(runner, t.schema_name);
        if (holdMs > 0) await this.schemas.holdTransaction(runner, holdMs);
        await this.runs.recordSuccess(runner, runId, t, res);
        return res;
      });
      return { slug: t.slug, fromVersion: r.fromVersion, toVersion: r.toVersion, status: 'ok', ms: ms() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`tenant ${t.slug}: migration failed: ${message}`);
      // The transaction rolled back: the tenant stays where it was.
      const result: UpgradeResult = { slug: t.slug, fromVersion: t.schema_version, toVersion: t.schema_version, status: 'failed', ms: ms(), error: message };
      await this.runs.recordFailure(runId, t, { ...result, status: 'failed' }).catch((e: unknown) => this.logger.error(`tenant ${t.slug}: recording the failure: ${String(e)}`));
      return result;
    }
  }
}
