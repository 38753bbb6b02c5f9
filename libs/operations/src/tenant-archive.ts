import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { StorageDriver } from '../../storage/src/index.js';
import type { ArchivedTenant, TenantArchiveRepository } from './tenant-archive.repository.js';

export const ARCHIVE_FORMAT = 'tenantry-export/1';

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  exported_at: string;
  tenant: { id: string; slug: string; name: string; schema_name: string; plan: string; parent_id: string | null; schema_version: number };
  tables: Array<{ name: string; file: string; rows: number }>;
  public_tables: Array<{ name: string; file: string; rows: number }>;
  files: Array<{ key: string; file: string; bytes: number; sha256: string }>;
}

/** Storage keys under this prefix are earlier exports: never put into a new archive. */
export const EXPORTS_PREFIX = 'exports/';

const ndjson = (rows: readonly string[]): Buffer => Buffer.from(rows.map((r) => `${r}\n`).join(''), 'utf8');

/**
 * Writes a tenant's archive (tar.gz) to `out`: `tenant.json` (its public row), `tables/<t>.ndjson`
 * for every table of its schema (read in one snapshot), `public/<t>.ndjson` for its rows of the
 * public tables that carry a tenant id (hashes of secrets left out), `files/<key>` for every
 * stored file, and `manifest.json` (counts, sizes, sha256) last, written once all else is in.
 */
export async function writeTenantArchive(
  tenant: ArchivedTenant,
  repo: TenantArchiveRepository,
  storage: StorageDriver,
  out: NodeJS.WritableStream,
  onStep?: (label: string) => void,
): Promise<ArchiveManifest> {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as Readable, createGzip(), out as unknown as PassThrough);
  const entry = (name: string, body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ name, size: body.length, mode: 0o600, mtime: new Date() }, body, (err) => (err ? reject(err) : resolve())));
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    exported_at: new Date().toISOString(),
    tenant: {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      schema_name: tenant.schema_name,
      plan: tenant.plan,
      parent_id: tenant.parent_id,
      schema_version: tenant.schema_version,
    },
    tables: [],
    public_tables: [],
    files: [],
  };
  try {
    await repo.snapshot(async (runner) => {
      await entry('tenant.json', Buffer.from(await repo.tenantRow(runner, tenant.id)));
      for (const table of await repo.schemaTables(runner, tenant.schema_name)) {
        const rows = await repo.tableRows(runner, tenant.schema_name, table);
        const file = `tables/${table}.ndjson`;
        await entry(file, ndjson(rows));
        manifest.tables.push({ name: table, file, rows: rows.length });
        onStep?.(file);
      }
      for (const table of await repo.publicTenantTables(runner)) {
        const rows = await repo.publicRows(runner, table, tenant.id);
        const file = `public/${table}.ndjson`;
        await entry(file, ndjson(rows));
        manifest.public_tables.push({ name: table, file, rows: rows.length });
        onStep?.(file);
      }
    });
    for (const { key } of await storage.list(tenant.id)) {
      if (key.startsWith(EXPORTS_PREFIX)) continue;
      const body = await storage.get(tenant.id, key);
      if (!body) continue; // deleted meanwhile
      const file = `files/${key}`;
      await entry(file, body);
      manifest.files.push({ key, file, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      onStep?.(file);
    }
    await entry('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  }
  await done;
  return manifest;
}
