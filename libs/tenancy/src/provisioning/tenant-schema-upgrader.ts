import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LATEST_TENANT_VERSION, migrateTenantSchema, TenantDb } from '../../../database/src/index.js';

export interface UpgradeResult {
  slug: string;
  fromVersion: number;
  toVersion: number;
  status: 'ok' | 'failed';
  ms: number;
  error?: string;
}

/**
 * Brings every tenant schema that is behind to the latest tenant migration: one query
 * finds them (an index on schema_version), each is migrated in its own transaction with
 * its own advisory lock, and one failure never stops the others. The worker runs it at
 * start, so adding a tenant migration never strands existing tenants.
 */
@Injectable()
export class TenantSchemaUpgrader {
  private readonly logger = new Logger(TenantSchemaUpgrader.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantDb: TenantDb,
  ) {}

  async upgradeAll(): Promise<UpgradeResult[]> {
    const behind = (await this.dataSource.query(
      `SELECT id, slug, schema_name FROM public.tenants
        WHERE schema_version < $1 AND status IN ('active', 'suspended') ORDER BY created_at`,
      [LATEST_TENANT_VERSION],
    )) as Array<{ id: string; slug: string; schema_name: string }>;
    const results: UpgradeResult[] = [];
    for (const t of behind) {
      const started = performance.now();
      try {
        const r = await this.tenantDb.run({ id: t.id, schemaName: t.schema_name }, async (manager) => {
          const res = await migrateTenantSchema(manager.queryRunner!, t.schema_name);
          await manager.query(`UPDATE public.tenants SET schema_version = $2, updated_at = now() WHERE id = $1`, [t.id, res.toVersion]);
          return res;
        });
        results.push({ slug: t.slug, ...r, status: 'ok', ms: Math.round(performance.now() - started) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`tenant ${t.slug}: migration failed: ${message}`);
        results.push({ slug: t.slug, fromVersion: -1, toVersion: -1, status: 'failed', ms: Math.round(performance.now() - started), error: message });
      }
    }
    if (behind.length > 0) this.logger.log(`upgraded ${results.filter((r) => r.status === 'ok').length}/${behind.length} tenant schemas`);
    return results;
  }
}
