import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DependencyUnavailable } from '../../common/src/index.js';
import { AppConfig } from '../../config/src/index.js';
import { JOB, QUEUE, type RunFineTuneJobPayload } from './queues.js';

/** Enqueues fine-tune jobs; the BullMQ job id is the fine-tune job's id, so a duplicate enqueue is a no-op. */
@Injectable()
export class FineTuneJobsProducer {
  constructor(
    @InjectQueue(QUEUE.fineTune) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  /** 503 `dependency_unavailable` if Redis does not take it within REDIS_COMMAND_TIMEOUT_MS. */
  async enqueue(payload: RunFineTuneJobPayload): Promise<void> {
    const add = this.queue.add(JOB.runFineTuneJob, payload, {
      jobId: `ft-${payload.jobId}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    add.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        add,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DependencyUnavailable()), this.config.REDIS_COMMAND_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
