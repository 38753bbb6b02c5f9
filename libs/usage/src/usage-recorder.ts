import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/src/index.js';
import { JOB, QUEUE, type IngestUsagePayload } from '../../jobs/src/index.js';

/** What the platform meters for billing (API.md "Usage records"). */
export const USAGE_RESOURCES = ['api_call', 'message', 'llm_token', 'rag_query', 'storage_mb'] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number];
const RESOURCES: ReadonlySet<string> = new Set(USAGE_RESOURCES);

/** One metered event: `quantity` units of `resource` used by `tenantId`, at `at` (default now). */
export interface UsageEvent {
  tenantId: string;
  resource: UsageResource;
  quantity: number;
  at?: Date;
  metadata?: Record<string, string | number | boolean>;
}

/**
 * The one way any feature records usage. `record` never blocks the request and never throws:
 * the implementation buffers and flushes off the request's critical path.
 */
export abstract class UsageRecorder {
  abstract record(event: UsageEvent): void;
}

const MINUTE_MS = 60_000;
/**
 * Rows per ingest job (about 2.5 MB of JSON at most). Each job is one transaction whose cost is
 * dominated by its usage_daily upsert (one row per tenant, resource and day in it), so larger
 * batches mean fewer upserts of the same days: 20,000 ingests the worst case (every row its own
 * tenant, resource and minute) about twice as fast as 5,000 (BENCHMARKS.md, ingest).
 */
export const USAGE_BATCH_ROWS = 20_000;
/** Rows held for a Redis that does not answer; beyond this the oldest batches are dropped (and logged). */
const MAX_PENDING_ROWS = 1_000_000;
const SEP = '\u0000';

/**
 * The buffered recorder (README "Metering"). `record` adds the event to an in-process map
 * keyed by (tenant, resource, minute, metadata): a Map update, nothing else on the request
 * path. Every USAGE_FLUSH_MS the map becomes batches of at most USAGE_BATCH_ROWS rows, each
 * with a fresh uuid, handed to the worker as BullMQ jobs whose job id is that uuid. A batch
 * whose hand-over failed (Redis down, or a timeout after which it may have landed anyway) is
 * retried as is, with the same id: the worker's insert is idempotent on the batch id, so a
 * batch counts once however often it is delivered.
 */
@Injectable()
export class BufferedUsageRecorder extends UsageRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('UsageRecorder');
  /** (tenant, resource, minute, metadata) -> its row, whose quantity record() adds to. */
  private buffer = new Map<string, IngestUsagePayload['rows'][number]>();
  /** ISO strings of recent minutes, so a row does not format a Date of its own. */
  private readonly minuteIso = new Map<number, string>();
  private readonly pending: IngestUsagePayload[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    @InjectQueue(QUEUE.usage) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.USAGE_FLUSH_MS);
    this.timer.unref();
  }

  record(event: UsageEvent): void {
    try {
      const quantity = Math.round(event.quantity);
      if (!RESOURCES.has(event.resource) || !Number.isSafeInteger(quantity) || quantity < 0 || typeof event.tenantId !== 'string') return;
      const minute = Math.floor((event.at?.getTime() ?? Date.now()) / MINUTE_MS);
      if (!Number.isFinite(minute)) return;
      const meta = event.metadata ? JSON.stringify(event.metadata) : '{}';
      const key = `${event.tenantId}${SEP}${event.resource}${SEP}${minute}${SEP}${meta}`;
      const row = this.buffer.get(key);
      if (row) row[2] += quantity;
      else this.buffer.set(key, [event.tenantId, event.resource, quantity, this.isoOf(minute), meta]);
    } catch {
      // never throws into a request (say, metadata that cannot be serialized)
    }
  }

  /** Hands everything buffered so far to the worker; resolves when Redis has it (or the attempt failed; it is retried). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    this.seal();
    while (this.pending.length > 0) {
      const batch = this.pending[0]!;
      try {
        await this.queue.add(JOB.ingestUsage, batch, {
          jobId: batch.batchId,
          attempts: 20,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        });
      } catch (error) {
        this.logger.warn(`usage batch ${batch.batchId} not handed over yet (${this.pending.length} pending): ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      this.pending.shift();
    }
  }

  private isoOf(minute: number): string {
    let iso = this.minuteIso.get(minute);
    if (iso === undefined) {
      if (this.minuteIso.size >= 1024) this.minuteIso.clear();
      iso = new Date(minute * MINUTE_MS).toISOString();
      this.minuteIso.set(minute, iso);
    }
    return iso;
  }

  /** Moves the buffer into pending batches. */
  private seal(): void {
    if (this.buffer.size === 0) return;
    const all = [...this.buffer.values()];
    this.buffer = new Map();
    for (let i = 0; i < all.length; i += USAGE_BATCH_ROWS) this.pending.push({ batchId: randomUUID(), rows: all.slice(i, i + USAGE_BATCH_ROWS) });
    let held = this.pending.reduce((n, b) => n + b.rows.length, 0);
    while (held > MAX_PENDING_ROWS && this.pending.length > 1) {
      const lost = this.pending.shift()!;
      held -= lost.rows.length;
      this.dropped += lost.rows.length;
      this.logger.error(`usage buffer full while Redis is unavailable: dropped batch ${lost.batchId} (${this.dropped} rows dropped so far)`);
    }
  }

  /** SIGTERM: what is buffered goes to the worker before the queue's connection closes (bounded wait). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush().then(() => this.flush()), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    if (this.pending.length > 0) this.logger.error(`shutting down with ${this.pending.length} usage batches not handed over`);
  }
}
