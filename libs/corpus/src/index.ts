// The corpus: a tenant's documents, their passages and search (full text, and vectors when the
// tenant configures embeddings), RAG retrieval, uploads, templates and fine-tune jobs. Everything
// here runs inside the tenant's unit of work; nothing here names a schema.
export { CorpusCoreModule, CorpusModule } from './corpus.module.js';
export { CorpusWorkerModule } from './corpus-worker.module.js';
export { DocumentEntity } from './document.entity.js';
export { DocumentsRepository } from './documents.repository.js';
export { PassagesRepository } from './passages.repository.js';
export { DocumentsService, toDocumentDto } from './documents.service.js';
export { HybridPassageRetriever, PassageRetriever } from './passage-retriever.js';
export { CorpusQueryDto } from './corpus-query.dto.js';
export type { Passage } from './passage-retriever.js';

import { DocumentEntity } from './document.entity.js';
/** The tenant-schema entities this lib brings to the DataSource. */
export const CORPUS_ENTITIES = [DocumentEntity];
