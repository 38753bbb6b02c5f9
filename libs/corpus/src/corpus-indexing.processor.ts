import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { checkJobHandlers, CorpusJobsProducer, JOB, QUEUE, type EmbedDocumentPayload, type JobName, type SyncCorpusIndexPayload } from '../../jobs/src/index.js';
import { TenantsRepository } from '../../tenancy/src/index.js';
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

  constructor(
    private readonly indexer: CorpusIndexer,
    private readonly tenants: TenantsRepository,
    private readonly jobs: CorpusJobsProducer,
  ) {
    super();
    const problems = checkJobHandlers(QUEUE.corpusIndexing, Object.keys(this.handlers));
    if (problems.length > 0) throw new Error(`job handlers do not match the catalogue: ${problems.join('; ')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.run().catch((error: unknown) => this.logger.error(`corpus indexing worker stopped: ${String(error)}`));
    // Catch-up for a change whose job never got queued (Redis down at the time): every tenant with
    // search settings is synced once per worker start; a sync with nothing to do is two statements.
    try {
      for (const id of await this.tenants.activeWithSettings(['search_language', 'embeddings'])) this.jobs.syncIndex(id);
    } catch (error) {
      this.logger.warn(`corpus index catch-up not queued: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job);
  }
}
