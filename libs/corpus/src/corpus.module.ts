import { Module } from '@nestjs/common';
import { TenancyModule } from '../../tenancy/src/index.js';
import { CorpusQuota } from './corpus-quota.service.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsRepository } from './documents.repository.js';
import { DocumentsService } from './documents.service.js';
import { FilesController, FileUploadsController } from './files/files.controller.js';
import { FilesRepository } from './files/files.repository.js';
import { FilesService } from './files/files.service.js';
import { DocumentFullTextRetriever, PassageRetriever } from './passage-retriever.js';
import { TenantCorpusController } from './tenant-corpus.controller.js';

@Module({
  imports: [TenancyModule],
  controllers: [DocumentsController, TenantCorpusController, FileUploadsController, FilesController],
  providers: [
    DocumentsService,
    DocumentsRepository,
    FilesService,
    FilesRepository,
    CorpusQuota,
    { provide: PassageRetriever, useClass: DocumentFullTextRetriever },
  ],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusModule {}
