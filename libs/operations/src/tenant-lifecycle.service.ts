import { Injectable, Logger } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { AuditLog } from '../../audit/src/index.js';
import { NotFound } from '../../common/src/index.js';
import { StorageDriver } from '../../storage/src/index.js';
import { TenantEvents } from '../../tenancy/src/index.js';
import { ExportPathExists, TenantHasChildren } from './operations.errors.js';
import { type ArchiveManifest, writeTenantArchive } from './tenant-archive.js';
import { type ArchivedTenant, TenantArchiveRepository } from './tenant-archive.repository.js';

export interface FileExport {
  slug: string;
  path: string;
  manifest: ArchiveManifest;
}

export interface HardDeleteReport {
  deleted: Array<{ id: string; slug: string; schema_name: string }>;
  exports: FileExport[];
}

/**
 * The CLI's destructive lifecycle steps: a tenant's archive to a file, and the hard delete
 * (DESIGN.md "Tenant lifecycle": schema dropped after an export, CLI only).
 */
@Injectable()
export class TenantLifecycleService {
  private readonly logger = new Logger(TenantLifecycleService.name);

  constructor(
    private readonly repo: TenantArchiveRepository,
    private readonly storage: StorageDriver,
    private readonly audit: AuditLog,
    private readonly events: TenantEvents,
  ) {}

  async find(key: string): Promise<ArchivedTenant> {
    const tenant = await this.repo.find(key);
    if (!tenant) throw new NotFound('Tenant', key);
    return tenant;
  }

  /** Writes the archive to `path` (never over an existing file: written aside, then renamed; mode 0600). */
  async exportToFile(tenant: ArchivedTenant, path: string, onStep?: (label: string) => void): Promise<FileExport> {
    if (await access(path).then(() => true, () => false)) throw new ExportPathExists(path);
    const partial = `${path}.partial`;
    try {
      const manifest = await writeTenantArchive(tenant, this.repo, this.storage, createWriteStream(partial, { mode: 0o600, flags: 'wx' }), onStep);
      await rename(partial, path);
      return { slug: tenant.slug, path, manifest };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Drops the tenant (and with cascade its descendants, deepest first): with exportPath, each is
   * archived first (children beside it as `<path>.<slug>.tar.gz`) and nothing is dropped unless
   * every archive is written. Per tenant, one transaction drops its schema and role and deletes
   * its public rows, with the audit entry; then its stored files go and every API forgets it.
   */
  async hardDelete(key: string, options: { cascade: boolean; exportPath?: string; onStep?: (label: string) => void }): Promise<HardDeleteReport> {
    const tenant = await this.find(key);
    const descendants = await this.repo.descendants(tenant.id);
    if (descendants.length > 0 && !options.cascade) throw new TenantHasChildren(tenant.slug, descendants.length);
    const victims = [...descendants, tenant];
    const report: HardDeleteReport = { deleted: [], exports: [] };
    if (options.exportPath !== undefined) {
      for (const t of victims) {
        const path = t.id === tenant.id ? options.exportPath : `${options.exportPath}.${t.slug}.tar.gz`;
        report.exports.push(await this.exportToFile(t, path, options.onStep));
      }
    }
    for (const t of victims) {
      await this.repo.transaction(async (runner) => {
        const locked = await this.repo.lockForDelete(runner, t.id);
        if (!locked) return; // gone meanwhile
        // A child created since we looked: refuse rather than orphan it (the FK would refuse anyway).
        if (locked.children > 0) throw new TenantHasChildren(t.slug, locked.children);
        await this.repo.dropTenant(runner, t);
        await this.audit.record(
          { tenantId: t.id, action: 'tenant.deleted', target: { type: 'tenant', id: t.id }, before: { slug: t.slug, name: t.name, plan: t.plan, status: t.status, schema_name: t.schema_name }, after: null },
          runner.manager,
        );
      });
      await this.storage.deletePrefix(t.id);
      await this.events.changed({ id: t.id, slug: t.slug, status: 'deleted' }).catch((e: unknown) => this.logger.warn(`tenant ${t.slug}: announcing the delete: ${String(e)}`));
      report.deleted.push({ id: t.id, slug: t.slug, schema_name: t.schema_name });
      options.onStep?.(`deleted ${t.slug}`);
    }
    return report;
  }
}
