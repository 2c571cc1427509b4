import { Worker } from 'node:worker_threads';
import type { Logger } from '../telemetry/logger.ts';
import { processPayload, type ProcessedBatch } from './process-batch.ts';
import { compileFilters, type EventFilter, type FilterConfig } from './sink-filter.ts';

/** Young generation of a process thread: V8's default on a large machine is 128 MB per isolate. */
const THREAD_YOUNG_MB = 16;

/** The thread's entry beside this file: .ts when run from source, .js when run from the build. */
const THREAD_ENTRY = new URL(`./process-thread${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

interface Pending {
  resolve: (result: ProcessedBatch) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Runs the process stage's CPU work (decode, parse, normalise, encode) on worker threads, so the
 * main thread stays free for listeners, Redis and sinks. With `threads: 0` it runs inline.
 * A thread that dies fails its batches (BullMQ retries them) and is replaced.
 */
export class ProcessPool {
  readonly #threads: Thread[] = [];
  readonly #logger: Logger;
  #next = 0;
  #ids = 0;
  #closed = false;

  readonly #heapMb: number;
  readonly #filterConfigs: Record<string, FilterConfig>;
  /** Compiled for batches run inline (threads: 0) and one by one after a thread died. */
  readonly filters: ReadonlyArray<[string, EventFilter]>;

  /**
   * `heapMb` bounds each thread's old generation: a thread holds one batch at a time (a few MB
   * live; the largest 1 MiB webhook body parses to ~10 MB), and an unbounded heap on a large
   * machine grows to hundreds of MB before V8 collects it.
   */
  constructor(threads: number, logger: Logger, heapMb = 96, filters: Record<string, FilterConfig> = {}) {
    this.#logger = logger;
    this.#heapMb = heapMb;
    this.#filterConfigs = filters;
    this.filters = compileFilters(filters);
    for (let i = 0; i < threads; i++) this.#threads.push(this.#spawn());
  }

  run(payload: string): Promise<ProcessedBatch> {
    if (this.#threads.length === 0) return Promise.resolve().then(() => processPayload(payload, this.filters));
    // The thread with the fewest batches in hand, round-robin among equals.
    this.#next = (this.#next + 1) % this.#threads.length;
    let thread = this.#threads[this.#next];
    for (const t of this.#threads) if (t.pending.size < thread.pending.size) thread = t;
    const id = ++this.#ids;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, payload });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }

  #spawn(): Thread {
    const worker = new Worker(THREAD_ENTRY, { workerData: { filters: this.#filterConfigs }, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB, maxOldGenerationSizeMb: this.#heapMb } });
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', ({ id, result, error }: { id: number; result?: ProcessedBatch; error?: string }) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (error !== undefined) pending?.reject(new Error(error));
      // A Buffer crosses postMessage as a plain Uint8Array: the same bytes, viewed as a Buffer again.
      else pending?.resolve(result!.z ? { ...result!, z: Buffer.from(result!.z.buffer, result!.z.byteOffset, result!.z.byteLength) } : result!);
    });
    worker.on('error', (error) => this.#logger.error({ error }, 'Process thread crashed'));
    worker.on('exit', (code) => {
      for (const p of thread.pending.values()) p.reject(new Error(`process thread exited with code ${code}`));
      thread.pending.clear();
      if (this.#closed) return;
      const index = this.#threads.indexOf(thread);
      if (index >= 0) this.#threads[index] = this.#spawn();
    });
    return thread;
  }
}
