import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { checkJobHandlers, JOB, QUEUE, type EmbedDocumentPayload, type JobName, type SyncCorpusIndexPayload } from '../../jobs/src/index.js';
import { CorpusIndexer } from './corpus-indexer.service.js';

/** The corpus-indexing queue: embeddings after writes, re-indexing and re-embedding after settings change. */
@Processor(QUEUE.corpusIndexing, { autorun: false, concurrency: 2 })
@Injectable()
export class CorpusIndexingProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CorpusIndexingProcessor.name);
  private readonly handlers: Partial<Record<JobName, (job: Job) => Promise<unknown>>> = {
    [JOB.embedDocument]: (job) => {
      const { tenantId, documentId } = (job as Job<EmbedDocumentPayload>).data;
      return this.indexer.embedDocument(tenantId, documentId);
    },
    [JOB.syncCorpusIndex]: (job) => this.indexer.sync((job as Job<SyncCorpusIndexPayload>).data.tenantId),
  };

  constructor(private readonly indexer: CorpusIndexer) {
    super();
    const problems = checkJobHandlers(QUEUE.corpusIndexing, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((error: unknown) => this.logger.error(`corpus indexing worker stopped: ${String(error)}`));
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }
}
