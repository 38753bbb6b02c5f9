import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { QUEUE } from './queues.js';
import { BillingJobsProducer } from './billing-jobs.producer.js';
import { CorpusJobsProducer } from './corpus-jobs.producer.js';
import { FineTuneJobsProducer } from './fine-tune-jobs.producer.js';
import { OperationsJobsProducer } from './operations-jobs.producer.js';
import { TenantJobsProducer } from './tenant-jobs.producer.js';

/** BullMQ connection, the queues and their producers (shared by api, worker and cli). */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.redisUrl, maxRetriesPerRequest: null },
        prefix: `${config.REDIS_PREFIX}:bull`,
      }),
    }),
    BullModule.registerQueue(...Object.values(QUEUE).map((name) => ({ name }))),
  ],
  providers: [TenantJobsProducer, BillingJobsProducer, CorpusJobsProducer, FineTuneJobsProducer, OperationsJobsProducer],
  exports: [BullModule, TenantJobsProducer, BillingJobsProducer, CorpusJobsProducer, FineTuneJobsProducer, OperationsJobsProducer],
})
export class JobsModule {}
