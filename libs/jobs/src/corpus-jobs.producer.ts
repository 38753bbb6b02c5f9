import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB, QUEUE, type EmbedDocumentPayload, type SyncCorpusIndexPayload } from './queues.js';

/**
 * A write's unit of work commits a few milliseconds after it enqueues; the job waits this long so
 * it reads what was committed. (Anything a job still misses is caught by the next sync of the tenant.)
 */
const AFTER_COMMIT_DELAY_MS = 1000;
const RETRY: JobsOptions = { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } };

/**
 * Enqueues the corpus index's background work (embeddings, re-indexing after a settings change).
 * Never fails its caller: the index catches up on the next sync, and the request that asked
 * must not fail because Redis hiccupped.
 */
@Injectable()
export class CorpusJobsProducer {
  private readonly logger = new Logger(CorpusJobsProducer.name);

  constructor(@InjectQueue(QUEUE.corpusIndexing) private readonly queue: Queue) {
    queue.on('error', () => undefined); // the tenant-provisioning producer already reports the connection
  }

  /** Embeds the document's new passages (each write gets its own job: a job reads the passages as they are when it runs). */
  embedDocument(tenantId: string, documentId: string): void {
    const payload: EmbedDocumentPayload = { tenantId, documentId };
    this.fireAndForget(this.queue.add(JOB.embedDocument, payload, { ...RETRY, delay: AFTER_COMMIT_DELAY_MS }));
  }

  /**
   * Brings the tenant's index to its settings. One job per change (not deduplicated: a job
   * already running may have read the settings before this change); the jobs of one tenant
   * serialise on its index row and each reads the settings under that lock, so the last one
   * applies the latest settings.
   */
  syncIndex(tenantId: string): void {
    const payload: SyncCorpusIndexPayload = { tenantId };
    this.fireAndForget(this.queue.add(JOB.syncCorpusIndex, payload, { ...RETRY, delay: AFTER_COMMIT_DELAY_MS }));
  }

  private fireAndForget(added: Promise<unknown>): void {
    added.catch((error: unknown) => this.logger.warn(`corpus job not enqueued: ${error instanceof Error ? error.message : String(error)}`));
  }
}
