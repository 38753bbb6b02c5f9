import { Module } from '@nestjs/common';
import { TenancyModule } from '../../tenancy/src/index.js';
import { CorpusQuota } from './corpus-quota.service.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsRepository } from './documents.repository.js';
import { DocumentsService } from './documents.service.js';
import { FilesController, FileUploadsController } from './files/files.controller.js';
import { FineTuneJobCreationController, FineTuneJobsController } from './fine-tune/fine-tune-jobs.controller.js';
import { FineTuneJobsRepository } from './fine-tune/fine-tune-jobs.repository.js';
import { FineTuneJobsService } from './fine-tune/fine-tune-jobs.service.js';
import { OpenAiFineTuningClient } from './fine-tune/openai-fine-tuning.client.js';
import { FilesRepository } from './files/files.repository.js';
import { FilesService } from './files/files.service.js';
import { DocumentFullTextRetriever, PassageRetriever } from './passage-retriever.js';
import { TenantCorpusController } from './tenant-corpus.controller.js';
import { ApplyTemplateController, TemplatesController } from './templates/templates.controller.js';
import { TemplatesRepository } from './templates/templates.repository.js';
import { TemplatesService } from './templates/templates.service.js';

@Module({
  imports: [TenancyModule],
  controllers: [DocumentsController, TenantCorpusController, FileUploadsController, FilesController, FineTuneJobCreationController, FineTuneJobsController, TemplatesController, ApplyTemplateController],
  providers: [
    DocumentsService,
    DocumentsRepository,
    FilesService,
    FilesRepository,
    CorpusQuota,
    FineTuneJobsService,
    FineTuneJobsRepository,
    OpenAiFineTuningClient,
    TemplatesService,
    TemplatesRepository,
    { provide: PassageRetriever, useClass: DocumentFullTextRetriever },
  ],
  exports: [DocumentsService, PassageRetriever],
})
export class CorpusModule {}
