import { Module } from '@nestjs/common';
import { SecretsModule } from '../../secrets/src/index.js';
import { JobsModule } from '../../jobs/src/index.js';
import { TenancyCoreModule, TenancyModule } from '../../tenancy/src/index.js';
import { CorpusQueryController } from './corpus-query.controller.js';
import { CorpusQuota } from './corpus-quota.service.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsRepository } from './documents.repository.js';
import { DocumentsService } from './documents.service.js';
import { EmbeddingsClient } from './embeddings.client.js';
import { FilesController, FileUploadsController } from './files/files.controller.js';
import { FilesRepository } from './files/files.repository.js';
import { FilesService } from './files/files.service.js';
import { TextExtractor } from './files/text-extractor.service.js';
import { FineTuneJobCreationController, FineTuneJobsController } from './fine-tune/fine-tune-jobs.controller.js';
import { FineTuneJobsRepository } from './fine-tune/fine-tune-jobs.repository.js';
import { FineTuneJobsService } from './fine-tune/fine-tune-jobs.service.js';
import { OpenAiFineTuningClient } from './fine-tune/openai-fine-tuning.client.js';
import { HybridPassageRetriever, PassageRetriever } from './passage-retriever.js';
import { PassagesRepository } from './passages.repository.js';
import { TenantCorpusController } from './tenant-corpus.controller.js';
import { ApplyTemplateController, TemplatesController } from './templates/templates.controller.js';
import { TemplatesRepository } from './templates/templates.repository.js';
import { TemplatesService } from './templates/templates.service.js';

@Module({
  imports: [TenancyModule, SecretsModule],
  controllers: [
    DocumentsController,
    TenantCorpusController,
    CorpusQueryController,
    FileUploadsController,
    FilesController,
    FineTuneJobCreationController,
    FineTuneJobsController,
    TemplatesController,
    ApplyTemplateController,
  ],
  providers: [
    DocumentsService,
    DocumentsRepository,
    PassagesRepository,
    EmbeddingsClient,
    FilesService,
    FilesRepository,
    TextExtractor,
    CorpusQuota,
    FineTuneJobsService,
    FineTuneJobsRepository,
    OpenAiFineTuningClient,
    TemplatesService,
    TemplatesRepository,
    { provide: PassageRetriever, useClass: HybridPassageRetriever },
  ],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusModule {}

/**
 * Documents and retrieval without HTTP, for the admin CLI (`demo seed`): the same service, so a
 * document made here is indexed for search exactly as one posted to the API. Callers open the
 * tenant's unit of work (TenantDb.runInContext) around it.
 */
@Module({
  imports: [JobsModule, TenancyCoreModule, SecretsModule],
  providers: [DocumentsService, DocumentsRepository, PassagesRepository, CorpusQuota, FilesRepository, EmbeddingsClient, { provide: PassageRetriever, useClass: HybridPassageRetriever }],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusCoreModule {}
