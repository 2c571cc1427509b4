import type { RawEvent } from '../normalize/raw-event.ts';

export interface BatcherOptions {
  /** Flush when a batch holds this many events ... */
  maxEvents: number;
  /** ... or this many bytes of raw text ... */
  maxBytes: number;
  /** ... or when its first event has waited this long. */
  maxWaitMs: number;
}

/** Stores one batch durably (in Redis); rejects when it could not. */
export type StoreBatch = (events: RawEvent[]) => Promise<void>;

interface OpenBatch {
  events: RawEvent[];
  bytes: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects events from every listener into batches bounded by count, bytes and time, so Redis
 * sees one write per batch instead of one per event. Each `submit` resolves when the batch holding
 * its events is stored; that is when a webhook may answer 2xx.
 */
export class Batcher {
  readonly submit = (events: RawEvent[]): Promise<void> => this.add(events);
  #open: OpenBatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #store: StoreBatch;
  readonly #options: BatcherOptions;

  constructor(store: StoreBatch, options: BatcherOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Batches being written right now (backpressure and shutdown watch this). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  add(events: RawEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const batch = (this.#open ??= newBatch());
    for (const event of events) {
      batch.events.push(event);
      batch.bytes += event.text.length;
    }
    if (batch.events.length >= this.#options.maxEvents || batch.bytes >= this.#options.maxBytes) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#options.maxWaitMs);
    return batch.done;
  }

  /** Starts writing the open batch now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#open;
    if (!batch) return;
    this.#open = undefined;
    const writing = this.#store(batch.events).then(batch.resolve, batch.reject);
    this.#inFlight.add(writing);
    void writing.finally(() => this.#inFlight.delete(writing));
  }

  /** Flushes what is open and waits for every batch in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.#inFlight]);
  }
}

function newBatch(): OpenBatch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Listeners that do not wait (UDP) must not turn a failed batch into an unhandled rejection.
  done.catch(() => undefined);
  return { events: [], bytes: 0, done, resolve, reject };
}
