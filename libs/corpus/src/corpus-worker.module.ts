import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { TenantsRepository } from '../../tenancy/src/index.js';
import { FineTuneJobsRepository } from './fine-tune/fine-tune-jobs.repository.js';
import { FineTuneProcessor } from './fine-tune/fine-tune.processor.js';
import { OpenAiFineTuningClient } from './fine-tune/openai-fine-tuning.client.js';

/** The corpus in the worker: the fine-tune pipeline. */
@Module({
  imports: [JobsModule],
  providers: [FineTuneProcessor, FineTuneJobsRepository, OpenAiFineTuningClient, TenantsRepository],
})
export class CorpusWorkerModule {}
