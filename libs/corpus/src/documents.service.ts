import { Injectable } from '@nestjs/common';
import { NotFound } from '../../common/src/index.js';
import type { TenantRow } from '../../tenancy/src/index.js';
import type { DocumentEntity } from './document.entity.js';
import type { CreateDocumentDto, DocumentDto, DocumentListDto, ListDocumentsQueryDto, UpdateDocumentDto } from './document.dto.js';
import { CorpusJobsProducer } from '../../jobs/src/index.js';
import { chunkText } from './chunker.util.js';
import { CorpusQuota } from './corpus-quota.service.js';
import { DocumentsRepository } from './documents.repository.js';
import { type IndexState, PassagesRepository } from './passages.repository.js';

export function toDocumentDto(d: DocumentEntity): DocumentDto {
  return {
    id: d.id,
    title: d.title,
    content: d.content,
    metadata: d.metadata,
    created_at: new Date(d.createdAt).toISOString(),
    updated_at: new Date(d.updatedAt).toISOString(),
  };
}

@Injectable()
export class DocumentsService {
  constructor(
    private readonly docs: DocumentsRepository,
    private readonly passages: PassagesRepository,
    private readonly jobs: CorpusJobsProducer,
    private readonly quota: CorpusQuota,
  ) {}

  async list(query: ListDocumentsQueryDto): Promise<DocumentListDto> {
    const { rows, total } = await this.docs.list(query.skip, query.limit, query.q?.trim() || undefined);
    return { documents: rows.map(toDocumentDto), total, skip: query.skip, limit: query.limit };
  }

  /**
   * The one way documents are created (the API, uploads and templates all come here), in the
   * caller's unit of work: first the corpus limits under the tenant's corpus-quota lock
   * (`max_documents` for `docs.length` more, `max_storage_mb` for `storedBytes` more; 403
   * `corpus_limit_reached`, nothing written), then the rows and their passages, indexed with the
   * schema's text search configuration. The lock is held until the unit of work ends, so
   * concurrent writers are counted one after the other and never pass the limit together.
   */
  async add(tenant: TenantRow, docs: CreateDocumentDto[], storedBytes = 0): Promise<DocumentDto[]> {
    await this.quota.assertRoom(tenant, { documents: docs.length, bytes: storedBytes });
    const index = await this.passages.lockForWrite();
    const created: DocumentDto[] = [];
    for (const dto of docs) {
      const doc = await this.docs.create({ title: dto.title, content: dto.content ?? '', metadata: dto.metadata ?? {} }, index.tsConfig);
      await this.indexPassages(doc, index);
      created.push(toDocumentDto(doc));
    }
    return created;
  }

  /** Rebuilds the document's passages; with dense retrieval on, the worker embeds them after the commit. */
  private async indexPassages(doc: DocumentEntity, index: IndexState): Promise<void> {
    const texts = chunkText(doc.content);
    await this.passages.replace(doc.id, doc.title, texts.length > 0 ? texts : [doc.title], index.tsConfig);
    if (index.embeddingModel) this.jobs.embedDocument(index.tenantId, doc.id);
  }

  async get(id: string): Promise<DocumentDto> {
    const doc = await this.docs.findById(id);
    if (!doc) throw new NotFound('Document', id);
    return toDocumentDto(doc);
  }

  async update(id: string, dto: UpdateDocumentDto): Promise<DocumentDto> {
    const index = await this.passages.lockForWrite();
    const doc = await this.docs.update(id, { title: dto.title, content: dto.content, metadata: dto.metadata }, index.tsConfig);
    if (!doc) throw new NotFound('Document', id);
    if (dto.title !== undefined || dto.content !== undefined) await this.indexPassages(doc, index);
    return toDocumentDto(doc);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.docs.delete(id))) throw new NotFound('Document', id);
  }
}
