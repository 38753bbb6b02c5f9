import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { DomainError } from '../../../common/src/index.js';
import { AppConfig } from '../../../config/src/index.js';
import type { ExtractionOutcome, ExtractionTask, ThreadTask } from './text-extraction.util.js';
import { UnsupportedFileType, type UploadKind } from './upload-type.util.js';

/** 422: the file's text took longer than UPLOAD_EXTRACT_TIMEOUT_MS to extract; its thread was stopped. */
export class ExtractionTimeout extends DomainError {
  constructor(budgetMs: number) {
    super('unprocessable', 'extraction_timeout', `The file's text could not be extracted within ${budgetMs} ms (UPLOAD_EXTRACT_TIMEOUT_MS): nothing was stored`, { budget_ms: budgetMs });
  }
}

/** 422: the extraction thread died on the file (out of memory, a parser crash). */
export class ExtractionFailed extends DomainError {
  constructor() {
    super('unprocessable', 'extraction_failed', "The file's text could not be extracted: nothing was stored");
  }
}

/** 503: every extraction thread is busy and the waiting line is full (UPLOAD_EXTRACT_QUEUE). */
export class ExtractionBusy extends DomainError {
  constructor() {
    super('unavailable', 'extraction_busy', 'Too many uploads are being read right now: try again shortly');
    this.retryAfterSeconds = 5;
  }
}

const isAbort = (error: unknown): boolean => (error as Error | undefined)?.name === 'AbortError';

/**
 * The text of an upload, extracted off the event loop: PDF and HTML go to a pool of worker
 * threads (piscina), at most UPLOAD_EXTRACT_CONCURRENCY at once, each with a budget of
 * UPLOAD_EXTRACT_TIMEOUT_MS counted from the moment its thread starts on it (waiting for a
 * thread does not spend it; at most UPLOAD_EXTRACT_QUEUE uploads wait). Past the budget the task is aborted,
 * which terminates its thread (piscina), so a hostile PDF cannot keep a core busy after its
 * request is answered. Plain text and Markdown need no extraction and never reach the pool.
 * The pool is made on first use: processes that never extract never start a thread.
 */
@Injectable()
export class TextExtractor implements OnModuleDestroy {
  private readonly logger = new Logger(TextExtractor.name);
  private pool?: Piscina<ThreadTask, ExtractionOutcome>;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly config: AppConfig) {}

  /** The document text of an upload of `kind` (`text`: the bytes decoded as UTF-8, for the text kinds). */
  async extract(kind: UploadKind, data: Buffer, text: string | undefined): Promise<string> {
    if (kind === 'text' || kind === 'markdown') return (text ?? '').replace(/^\uFEFF/, '');
    const task: ExtractionTask = kind === 'pdf' ? { kind, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } : { kind, text: (text ?? '').replace(/^\uFEFF/, '') };
    await this.acquire();
    try {
      const outcome = await this.runWithBudget(task);
      if ('unreadable' in outcome) throw new UnsupportedFileType(outcome.unreadable);
      return outcome.text;
    } finally {
      this.release();
    }
  }

  /**
   * Runs the task with its budget counted from the moment its thread starts on it: the thread
   * says so on a MessagePort of the task. Until then (a thread being replaced, pdf.js loading)
   * the same budget bounds the wait, so an upload never waits more than twice the budget.
   */
  private async runWithBudget(task: ExtractionTask): Promise<ExtractionOutcome> {
    const budget = this.config.UPLOAD_EXTRACT_TIMEOUT_MS;
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(), budget);
    const { port1, port2 } = new MessageChannel();
    port1.once('message', () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), budget);
    });
    try {
      return await this.threads().run({ ...task, started: port2 }, { signal: abort.signal, transferList: [port2] });
    } catch (error) {
      if (isAbort(error) && abort.signal.aborted) throw new ExtractionTimeout(budget);
      this.logger.error(`extraction of a ${task.kind} failed on its thread: ${String((error as Error).message ?? error).slice(0, 500)}`);
      throw new ExtractionFailed();
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  }

  private threads(): Piscina<ThreadTask, ExtractionOutcome> {
    this.pool ??= new Piscina<ThreadTask, ExtractionOutcome>({
      filename: new URL('./text-extraction.worker.js', import.meta.url).href,
      // One thread stays warm (pdf.js loaded); a terminated one is replaced at once.
      minThreads: 1,
      maxThreads: this.config.UPLOAD_EXTRACT_CONCURRENCY,
      idleTimeout: 60_000,
    });
    return this.pool;
  }

  /** A slot among UPLOAD_EXTRACT_CONCURRENCY; waits in a line of at most UPLOAD_EXTRACT_QUEUE. */
  private async acquire(): Promise<void> {
    if (this.running < this.config.UPLOAD_EXTRACT_CONCURRENCY) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.config.UPLOAD_EXTRACT_QUEUE) throw new ExtractionBusy();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next in line (the count stays), or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
