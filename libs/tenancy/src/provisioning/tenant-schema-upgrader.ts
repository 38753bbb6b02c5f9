import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { AppConfig } from '../../../config/src/index.js';
import { NotFound } from '../../../common/src/index.js';
import { TenantNotProvisioned } from '../tenancy.errors.js';
import { LATEST_TENANT_VERSION, migrateTenantSchema } from '../../../database/src/index.js';
import { type TenantSchemaRef, TenantSchemasRepository } from './tenant-schemas.repository.js';

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
}

export interface UpgradeReport {
  /** Tenants that were behind when the run started. */
  pending: number;
  migrated: number;
  failed: number;
  skipped: number;
  dryRun: boolean;
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
  ) {}

  /** Every tenant behind, default concurrency, after giving any tenant without a role its role (the worker at start). */
  async upgradeAll(): Promise<UpgradeResult[]> {
    await this.ensureRoles();
    return (await this.upgrade()).results;
  }

  /**
   * Tenants whose schema has no role yet (provisioned before tenant roles existed) get
   * theirs: one query finds them, so a start with nothing to do costs one round trip.
   */
  async ensureRoles(): Promise<number> {
    const missing = await this.schemas.withoutRole();
    for (const t of missing) {
      await this.schemas.transaction((runner) => this.schemas.createRole(runner, t, this.config.roleNames));
    }
    if (missing.length > 0) this.logger.log(`created the roles of ${missing.length} tenants`);
    return missing.length;
  }

  async upgrade(options: UpgradeOptions = {}): Promise<UpgradeReport> {
    const concurrency = options.concurrency ?? DEFAULT_UPGRADE_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    const behind = options.tenant === undefined ? await this.schemas.findBehind() : await this.findOneBehind(options.tenant);
    const report: UpgradeReport = { pending: behind.length, migrated: 0, failed: 0, skipped: 0, dryRun: options.dryRun === true, results: [] };
    if (options.dryRun) {
      report.results = behind.map((t) => ({ slug: t.slug, fromVersion: t.schema_version, toVersion: LATEST_TENANT_VERSION, status: 'pending', ms: 0 }));
      return report;
    }
    const canaries = behind.slice(0, Math.max(0, options.canary ?? 0));
    const rest = behind.slice(canaries.length);
    const canaryResults = await mapBounded(canaries, concurrency, (t) => this.migrateOne(t));
    const canaryFailed = canaryResults.some((r) => r.status === 'failed');
    const restResults = canaryFailed
      ? rest.map((t): UpgradeResult => ({ slug: t.slug, fromVersion: t.schema_version, toVersion: t.schema_version, status: 'skipped', ms: 0 }))
      : await mapBounded(rest, concurrency, (t) => this.migrateOne(t));
    report.results = [...canaryResults, ...restResults];
    for (const r of report.results) {
      if (r.status === 'ok') report.migrated++;
      else if (r.status === 'failed') report.failed++;
      else if (r.status === 'skipped') report.skipped++;
    }
    if (canaryFailed) this.logger.error(`a canary tenant failed to migrate: ${rest.length} tenants skipped`);
    if (behind.length > 0) this.logger.log(`upgraded ${report.migrated}/${behind.length} tenant schemas (${report.failed} failed)`);
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

  private async migrateOne(t: TenantSchemaRef): Promise<UpgradeResult> {
    const started = performance.now();
    const ms = (): number => Math.round(performance.now() - started);
    try {
      const r = await this.schemas.transaction(async (runner) => {
        const res = await migrateTenantSchema(runner, t.schema_name);
        await this.schemas.recordVersion(runner, t.id, res.toVersion);
        return res;
      });
      return { slug: t.slug, fromVersion: r.fromVersion, toVersion: r.toVersion, status: 'ok', ms: ms() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`tenant ${t.slug}: migration failed: ${message}`);
      // The transaction rolled back: the tenant stays where it was.
      return { slug: t.slug, fromVersion: t.schema_version, toVersion: t.schema_version, status: 'failed', ms: ms(), error: message };
    }
  }
}
