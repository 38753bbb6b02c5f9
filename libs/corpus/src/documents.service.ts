import { Injectable } from '@nestjs/common';
import { NotFound } from '../../common/src/index.js';
import type { DocumentEntity } from './document.entity.js';
import type { CreateDocumentDto, DocumentDto, DocumentListDto, ListDocumentsQueryDto, UpdateDocumentDto } from './document.dto.js';
import { DocumentsRepository } from './documents.repository.js';

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
  constructor(private readonly docs: DocumentsRepository) {}

  async list(query: ListDocumentsQueryDto): Promise<DocumentListDto> {
    const { rows, total } = await this.docs.list(query.skip, query.limit, query.q?.trim() || undefined);
    return { documents: rows.map(toDocumentDto), total, skip: query.skip, limit: query.limit };
  }

  async create(dto: CreateDocumentDto): Promise<DocumentDto> {
    return toDocumentDto(await this.docs.create({ title: dto.title, content: dto.content ?? '', metadata: dto.metadata ?? {} }));
  }

  async get(id: string): Promise<DocumentDto> {
    const doc = await this.docs.findById(id);
    if (!doc) throw new NotFound('Document', id);
    return toDocumentDto(doc);
  }

  async update(id: string, dto: UpdateDocumentDto): Promise<DocumentDto> {
    const doc = await this.docs.update(id, { title: dto.title, content: dto.content, metadata: dto.metadata });
    if (!doc) throw new NotFound('Document', id);
    return toDocumentDto(doc);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.docs.delete(id))) throw new NotFound('Document', id);
  }
}
