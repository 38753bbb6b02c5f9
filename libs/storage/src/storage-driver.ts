import { Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppConfig } from '../../config/src/index.js';

/**
 * Where a tenant's files live (uploads, fine-tune datasets, exports), always under the
 * tenant's own prefix: no key can reach another tenant's files. Keys are relative paths
 * of safe segments ([A-Za-z0-9._-], no "..").
 */
export abstract class StorageDriver {
  abstract put(tenantId: string, key: string, body: Buffer): Promise<void>;
  abstract get(tenantId: string, key: string): Promise<Buffer | null>;
  abstract stream(tenantId: string, key: string): Promise<Readable | null>;
  abstract delete(tenantId: string, key: string): Promise<void>;
  /** Every key under the tenant's prefix, with its size in bytes. */
  abstract list(tenantId: string): Promise<Array<{ key: string; size: number }>>;
  /** Removes the tenant's whole prefix (hard delete). */
  abstract deletePrefix(tenantId: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertStorageKey(tenantId: string, key: string): void {
  if (!UUID.test(tenantId)) throw new Error(`storage: bad tenant id ${JSON.stringify(tenantId)}`);
  const parts = key.split('/');
  if (parts.length > 8 || parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..')) {
    throw new Error(`storage: bad key ${JSON.stringify(key)}`);
  }
}

/** Local disk under DATA_DIR/storage/<tenant id>/ (the embedded default). */
@Injectable()
export class LocalDiskStorage extends StorageDriver {
  private readonly root: string;

  constructor(config: AppConfig) {
    super();
    this.root = resolve(config.dataDir, 'storage');
  }

  private path(tenantId: string, key?: string): string {
    if (key === undefined) {
      assertStorageKey(tenantId, 'x');
      return join(this.root, tenantId);
    }
    assertStorageKey(tenantId, key);
    return join(this.root, tenantId, ...key.split('/'));
  }

  async put(tenantId: string, key: string, body: Buffer): Promise<void> {
    const p = this.path(tenantId, key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, body, { mode: 0o600 });
  }

  async get(tenantId: string, key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(tenantId, key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async stream(tenantId: string, key: string): Promise<Readable | null> {
    const p = this.path(tenantId, key);
    try {
      await stat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return createReadStream(p);
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await rm(this.path(tenantId, key), { force: true });
  }

  async list(tenantId: string): Promise<Array<{ key: string; size: number }>> {
    const base = this.path(tenantId);
    let entries;
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const files = entries.filter((e) => e.isFile());
    return Promise.all(
      files.map(async (e) => {
        const full = join(e.parentPath, e.name);
        return { key: relative(base, full).split(sep).join('/'), size: (await stat(full)).size };
      }),
    );
  }

  async deletePrefix(tenantId: string): Promise<void> {
    await rm(this.path(tenantId), { recursive: true, force: true });
  }
}
