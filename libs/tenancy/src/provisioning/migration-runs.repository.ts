import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { OwnerDb, quoteLiteral } from '../../../database/src/index.js';
import type { TenantSchemaRef } from './tenant-schemas.repository.js';

export type RunOrigin = 'cli' | 'worker';

export interface MigrationRunRow {
  id: string;
  origin: RunOrigin;
  target_version: number;
  started_at: Date;
  resumed_at: Date | null;
  finished_at: Date | null;
}

export interface TenantRunResult {
  fromVersion: number;
  toVersion: number;
  status: 'ok' | 'failed';
  ms: number;
  error?: string;
}

export interface RunSummary extends MigrationRunRow {
  ok: number;
  failed: number;
  failures: Array<{ slug: string; from_version: number; error: string | null; ms: number }>;
}

const FAILURES_SHOWN = 100;

/** The SQL of public.migration_runs and public.tenant_migration_runs (owner role). */
@Injectable()
export class MigrationRunsRepository {
  constructor(private readonly owner: OwnerDb) {}

  async start(origin: RunOrigin, targetVersion: number): Promise<MigrationRunRow> {
    const rows = await this.owner.query<MigrationRunRow[]>(
      `INSERT INTO public.migration_runs (origin, target_version) VALUES ($1, $2) RETURNING *`,
      [origin, targetVersion],
    );
    return rows[0]!;
  }

  /** Marks a run resumed (running again). Null: no such run. */
  async resume(id: string, targetVersion: number): Promise<MigrationRunRow | null> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows] = await this.owner.query<[MigrationRunRow[], number]>(
      `UPDATE public.migration_runs SET resumed_at = now(), finished_at = NULL, target_version = greatest(target_version, $2)
        WHERE id = $1::uuid RETURNING *`,
      [id, targetVersion],
    );
    return rows[0] ?? null;
  }

  async finish(id: string): Promise<void> {
    await this.owner.query(`UPDATE public.migration_runs SET finished_at = now() WHERE id = $1`, [id]);
  }

  /**
   * The tenant's new version and its result in this run, inside the migration's own transaction:
   * one round trip, and a migrated tenant is never left without its record (or the reverse).
   */
  async recordSuccess(runner: QueryRunner, runId: string, tenant: TenantSchemaRef, result: Pick<TenantRunResult, 'fromVersion' | 'toVersion'>): Promise<void> {
    await runner.query(this.successSql(runId, tenant, result.fromVersion, result.toVersion));
  }

  /**
   * The statement of recordSuccess, also for a script that migrates the tenant in one round trip; `ms` is
   * how long its transaction has run so far, at PostgreSQL's clock.
   */
  successSql(runId: string, tenant: TenantSchemaRef, fromVersion: number, toVersion: number): string {
    const [run, id, slug] = [runId, tenant.id, tenant.slug].map(quoteLiteral);
    const [from, to] = [fromVersion, toVersion].map(Math.trunc);
    return `WITH v AS (UPDATE public.tenants SET schema_version = ${to}, updated_at = now() WHERE id = ${id})
       INSERT INTO public.tenant_migration_runs (run_id, tenant_id, slug, from_version, to_version, status, error, ms)
       VALUES (${run}, ${id}, ${slug}, ${from}, ${to}, 'ok', NULL, (extract(epoch FROM clock_timestamp() - now()) * 1000)::int)
       ON CONFLICT (run_id, tenant_id) DO UPDATE SET from_version = EXCLUDED.from_version, to_version = EXCLUDED.to_version,
         status = 'ok', error = NULL, ms = EXCLUDED.ms, at = now()`;
  }

  /** A failure, after the tenant's transaction rolled back (a retry in a resumed run overwrites it). */
  async recordFailure(runId: string, tenant: TenantSchemaRef, result: TenantRunResult): Promise<void> {
    await this.owner.query(
      `INSERT INTO public.tenant_migration_runs (run_id, tenant_id, slug, from_version, to_version, status, error, ms)
       VALUES ($1, $2, $3, $4, $4, 'failed', $5, $6)
       ON CONFLICT (run_id, tenant_id) DO UPDATE SET status = 'failed', error = EXCLUDED.error, ms = EXCLUDED.ms, at = now()`,
      [runId, tenant.id, tenant.slug, result.fromVersion, (result.error ?? '').slice(0, 2000), result.ms],
    );
  }

  /** The newest run (or the given one) with its counts and failures; null when there is none. */
  async summary(id?: string): Promise<RunSummary | null> {
    const runs = await this.owner.query<MigrationRunRow[]>(
      id === undefined ? `SELECT * FROM public.migration_runs ORDER BY started_at DESC LIMIT 1` : `SELECT * FROM public.migration_runs WHERE id = $1::uuid`,
      id === undefined ? [] : [id],
    );
    const run = runs[0];
    if (!run) return null;
    const [counts] = await this.owner.query<Array<{ ok: number; failed: number }>>(
      `SELECT count(*) FILTER (WHERE status = 'ok')::int AS ok, count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM public.tenant_migration_runs WHERE run_id = $1`,
      [run.id],
    );
    const failures = await this.owner.query<RunSummary['failures']>(
      `SELECT slug, from_version, error, ms FROM public.tenant_migration_runs WHERE run_id = $1 AND status = 'failed' ORDER BY slug LIMIT ${FAILURES_SHOWN}`,
      [run.id],
    );
    return { ...run, ok: counts?.ok ?? 0, failed: counts?.failed ?? 0, failures };
  }

  /** True when nobody holds the fan-out lock (so a run without finished_at was killed). */
  async lockFree(key: string): Promise<boolean> {
    const rows = await this.owner.query<Array<{ free: boolean }>>(
      `SELECT CASE WHEN pg_try_advisory_lock(hashtext($1)) THEN pg_advisory_unlock(hashtext($1)) ELSE false END AS free`,
      [key],
    );
    return rows[0]?.free === true;
  }

  /** Tenants behind the given version right now (the migration-progress gauge). */
  async behindCount(version: number): Promise<number> {
    const rows = await this.owner.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM public.tenants WHERE schema_version < $1 AND status IN ('active', 'suspended')`,
      [version],
    );
    return rows[0]?.n ?? 0;
  }
}
