import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../database/src/index.js';
import { DocumentEntity } from './document.entity.js';

/** Documents of the current tenant, always through the unit of work's manager. */
@Injectable()
export class DocumentsRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  private get repo() {
    return this.tenantDb.manager.getRepository(DocumentEntity);
  }

  async list(skip: number, limit: number, q?: string): Promise<{ rows: DocumentEntity[]; total: number }> {
    const qb = this.repo.createQueryBuilder('d').orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').skip(skip).take(limit);
    if (q) {
      qb.where(`to_tsvector('simple', d.title || ' ' || d.content) @@ plainto_tsquery('simple', :q)`, { q });
    }
    const [rows, total] = await qb.getManyAndCount();
    return { rows, total };
  }

  create(doc: { title: string; content: string; metadata: Record<string, unknown> }): Promise<DocumentEntity> {
    return this.repo.save(this.repo.create(doc));
  }

  findById(id: string): Promise<DocumentEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async update(id: string, patch: Partial<Pick<DocumentEntity, 'title' | 'content' | 'metadata'>>): Promise<DocumentEntity | null> {
    const result = await this.repo.update({ id }, { ...patch, updatedAt: () => 'now()' } as Parameters<typeof this.repo.update>[1]);
    if (!result.affected) return null;
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
