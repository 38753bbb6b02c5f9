import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { TenancyModule, TenantsRepository } from '../../tenancy/src/index.js';
import { CorpusIndexer } from './corpus-indexer.service.js';
import { CorpusIndexingProcessor } from './corpus-indexing.processor.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsRepository } from './documents.repository.js';
import { DocumentsService } from './documents.service.js';
import { CorpusQueryController } from './corpus-query.controller.js';
import { EmbeddingsClient } from './embeddings.client.js';
import { HybridPassageRetriever, PassageRetriever } from './passage-retriever.js';
import { PassagesRepository } from './passages.repository.js';
import { TenantCorpusController } from './tenant-corpus.controller.js';

@Module({
  imports: [TenancyModule, SecretsModule],
  controllers: [DocumentsController, TenantCorpusController, CorpusQueryController],
  providers: [DocumentsService, DocumentsRepository, PassagesRepository, EmbeddingsClient, { provide: PassageRetriever, useClass: HybridPassageRetriever }],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusModule {}

/** The corpus in the worker: embeddings and re-indexing (the corpus-indexing queue). */
@Module({
  imports: [JobsModule, SecretsModule],
  providers: [CorpusIndexingProcessor, CorpusIndexer, PassagesRepository, EmbeddingsClient, TenantsRepository],
})
export class CorpusWorkerModule {}
