import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { TenantsRepository } from '../../tenancy/src/index.js';
import { CorpusIndexer } from './corpus-indexer.service.js';
import { CorpusIndexingProcessor } from './corpus-indexing.processor.js';
import { EmbeddingsClient } from './embeddings.client.js';
import { FineTuneJobsRepository } from './fine-tune/fine-tune-jobs.repository.js';
import { FineTuneProcessor } from './fine-tune/fine-tune.processor.js';
import { OpenAiFineTuningClient } from './fine-tune/openai-fine-tuning.client.js';
import { PassagesRepository } from './passages.repository.js';

/** The corpus in the worker: embeddings and re-indexing (corpus-indexing queue), the fine-tune pipeline. */
@Module({
  imports: [JobsModule, SecretsModule],
  providers: [
    CorpusIndexingProcessor,
    CorpusIndexer,
    PassagesRepository,
    EmbeddingsClient,
    FineTuneProcessor,
    FineTuneJobsRepository,
    OpenAiFineTuningClient,
    TenantsRepository,
  ],
})
export class CorpusWorkerModule {}
