import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/src/index.js';
import { effectiveLimit, type TenantRow } from '../../tenancy/src/index.js';
import { FilesRepository } from './files/files.repository.js';

const MB = 1024 * 1024;

/** 403: the write would take the tenant past one of its corpus limits (plan or settings override). */
export class CorpusQuotaExceeded extends DomainError {
  constructor(limit: 'max_documents' | 'max_storage_mb', max: number, used: number, adding: number) {
    const unit = limit === 'max_documents' ? 'documents' : 'MB';
    super('forbidden', 'corpus_limit_reached', `This would exceed the tenant's ${limit} (${max} ${unit}; ${used} used, adding ${adding})`, { limit, max, used, adding });
  }
}

/**
 * The corpus ceilings, checked inside the writing unit of work. A per-tenant transaction-level
 * advisory lock serialises the writers that add documents or bytes, so two concurrent uploads
 * cannot both pass the check on the same remaining room.
 */
@Injectable()
export class CorpusQuota {
  constructor(private readonly files: FilesRepository) {}

  async assertRoom(tenant: TenantRow, add: { documents: number; bytes: number }): Promise<void> {
    const { documents, bytes } = await this.files.lockAndMeasure(tenant.id);
    const maxDocuments = effectiveLimit(tenant, 'max_documents');
    if (add.documents > 0 && documents + add.documents > maxDocuments) throw new CorpusQuotaExceeded('max_documents', maxDocuments, documents, add.documents);
    const maxMb = effectiveLimit(tenant, 'max_storage_mb');
    if (add.bytes > 0 && bytes + add.bytes > maxMb * MB) {
      throw new CorpusQuotaExceeded('max_storage_mb', maxMb, Math.round((bytes / MB) * 100) / 100, Math.round((add.bytes / MB) * 100) / 100);
    }
  }
}
