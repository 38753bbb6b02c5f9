import { Module } from '@nestjs/common';
import { TenancyModule } from '../../tenancy/src/index.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsRepository } from './documents.repository.js';
import { DocumentsService } from './documents.service.js';
import { DocumentFullTextRetriever, PassageRetriever } from './passage-retriever.js';
import { TenantCorpusController } from './tenant-corpus.controller.js';

@Module({
  imports: [TenancyModule],
  controllers: [DocumentsController, TenantCorpusController],
  providers: [DocumentsService, DocumentsRepository, { provide: PassageRetriever, useClass: DocumentFullTextRetriever }],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusModule {}
