import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { NotFound } from '../../../common/src/index.js';
import { TenantDb, tenantRef } from '../../../database/src/index.js';
import { StorageDriver } from '../../../storage/src/index.js';
import type { TenantRow } from '../../../tenancy/src/index.js';
import { MAX_CONTENT_CHARS } from '../document.dto.js';
import { DocumentsService } from '../documents.service.js';
import type { FileDto, FileListDto } from './file.dto.js';
import { type FileRow, FilesRepository } from './files.repository.js';
import type { ReceivedUpload } from './upload-reader.util.js';
import { TextExtractor } from './text-extractor.service.js';
import { detectUpload, ExtractedTextTooLarge, MIME_BY_KIND } from './upload-type.util.js';

export function toFileDto(f: FileRow): FileDto {
  return { id: f.id, document_id: f.document_id, name: f.name, mime: f.mime, size: Number(f.size), sha256: f.sha256, created_at: new Date(f.created_at).toISOString() };
}

/** A client-given file name made safe to store and echo: last path segment, no control characters, at most 255 characters. */
export function cleanFileName(raw: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const base = (raw.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\ud800-\udfff]/g, '').trim();
  return base.slice(0, 255) || 'upload';
}

const titleOf = (name: string): string => name.replace(/\.[A-Za-z0-9]{1,10}$/, '').trim().slice(0, 500) || name.slice(0, 500);

/**
 * Uploads: the original is kept through the StorageDriver under the tenant's prefix, its text
 * becomes a document, and a `files` row ties them. Type, text and size are settled before the
 * unit of work opens (the text on an extraction thread: TextExtractor); inside it the quota
 * check, the document, the stored bytes and the row succeed or fail together (the bytes are
 * deleted when the unit of work does not commit).
 */
@Injectable()
export class FilesService {
  private readonly logger = new Logger(FilesService.name);

  constructor(
    private readonly files: FilesRepository,
    private readonly documents: DocumentsService,
    private readonly storage: StorageDriver,
    private readonly tenantDb: TenantDb,
    private readonly extractor: TextExtractor,
  ) {}

  async upload(tenant: TenantRow, upload: ReceivedUpload): Promise<FileDto> {
    const name = cleanFileName(upload.name);
    const { kind, text } = detectUpload(name, upload.declaredMime, upload.data);
    const content = await this.extractor.extract(kind, upload.data, text);
    if (content.length > MAX_CONTENT_CHARS) throw new ExtractedTextTooLarge(content.length, MAX_CONTENT_CHARS);
    const id = randomUUID();
    const key = `files/${id}`;
    const sha256 = createHash('sha256').update(upload.data).digest('hex');
    const mime = MIME_BY_KIND[kind];
    let stored = false;
    try {
      const row = await this.tenantDb.runInContext(tenantRef(tenant), async () => {
        const [doc] = await this.documents.add(tenant, [{ title: titleOf(name), content, metadata: { source: 'upload', file_id: id, file_name: name, mime } }], upload.data.length);
        stored = true; // from here on a failure may leave bytes behind: delete them
        await this.storage.put(tenant.id, key, upload.data);
        return this.files.insert({ id, document_id: doc!.id, name, mime, size: upload.data.length, sha256, storage_key: key });
      });
      return toFileDto(row);
    } catch (error) {
      if (stored) {
        await this.storage.delete(tenant.id, key).catch((e: unknown) => this.logger.error(`tenant ${tenant.id}: could not delete orphan ${key}: ${String(e)}`));
      }
      throw error;
    }
  }

  async list(skip: number, limit: number): Promise<FileListDto> {
    const { rows, total } = await this.files.list(skip, limit);
    return { files: rows.map(toFileDto), total, skip, limit };
  }

  /** The file's row and a stream of its original bytes. */
  async open(tenantId: string, id: string): Promise<{ file: FileDto; body: Readable }> {
    const row = await this.files.findById(id);
    if (!row) throw new NotFound('File', id);
    const body = await this.storage.stream(tenantId, row.storage_key);
    if (!body) throw new NotFound('File content', id);
    return { file: toFileDto(row), body };
  }
}
