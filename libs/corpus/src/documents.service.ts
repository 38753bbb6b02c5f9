import { Injectable } from '@nestjs/common';
import { NotFound } from '../../common/src/index.js';
import type { DocumentEntity } from './document.entity.js';
import type { CreateDocumentDto, DocumentDto, DocumentListDto, ListDocumentsQueryDto, UpdateDocumentDto } from './document.dto.js';
import { CorpusJobsProducer } from '../../jobs/src/index.js';
import { chunkText } from './chunker.util.js';
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
  ) {}

  async list(query: ListDocumentsQueryDto): Promise<DocumentListDto> {
    const { rows, total } = await this.docs.list(query.skip, query.limit, query.q?.trim() || undefined);
    return { documents: rows.map(toDocumentDto), total, skip: query.skip, limit: query.limit };
  }

  /**
   * The one way a document is created (the API, uploads and templates all come here): the row and
   * its passages in the caller's unit of work, indexed with the schema's text search configuration.
   */
  async create(dto: CreateDocumentDto): Promise<DocumentDto> {
    const index = await this.passages.lockForWrite();
    const doc = await this.docs.create({ title: dto.title, content: dto.content ?? '', metadata: dto.metadata ?? {} }, index.tsConfig);
    await this.indexPassages(doc, index);
    return toDocumentDto(doc);
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
