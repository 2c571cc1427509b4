import type { RawEvent } from '../normalize/raw-event.ts';
import type { Submit } from '../pipeline/submit.ts';

export interface OrderedSubmitOptions {
  submit: Submit;
  /** Events per submit call... */
  batchMaxEvents: number;
  /** ...or collected for at most this long. */
  batchMaxWaitMs: number;
  /** Submits in flight at once. */
  maxInFlight: number;
  /** Wait before retrying events whose submit was rejected. */
  retryDelayMs: number;
  /** True once the listener is closing: no new submits or retries, drain() takes over. */
  closing(): boolean;
  /** Whether to read on may have changed: blocked, or the queue grew or shrank. */
  onFlow(): void;
  /** A submit succeeded: the submitter may be done (see done). */
  onSettled(): void;
  /** A submit was rejected: the source is held back until the retry, retryDelayMs from now. */
  onRejected(error: unknown, events: number): void;
  /** At drain, events that could not be submitted even then. */
  onLost(error: unknown, events: number): void;
}

interface Batch {
  seq: number;
  events: RawEvent[];
}

/**
 * One source's events, submitted in batches with several submits in flight, yet never lost or
 * reordered on a rejection: rejected batches are retried, in the order they were read, before
 * anything read after them, and the source is held back (blocked) meanwhile.
 */
export class OrderedSubmitter {
  readonly #options: OrderedSubmitOptions;
  /** Events not yet handed to submit, oldest first. */
  #queue: RawEvent[] = [];
  /** Batches whose submit was rejected, waiting for the retry, in the order they were read. */
  #failed: Batch[] = [];
  /** Submits not yet settled. */
  readonly #inFlight = new Set<Promise<void>>();
  #nextSeq = 0;
  #blocked = false;
  /** No more events will come: the remainder goes at once, not after batchMaxWaitMs. */
  #ended = false;
  #batchTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: OrderedSubmitOptions) {
    this.#options = options;
  }

  /** A submit was rejected: hold the source back until the retry. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Events waiting for a submit slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Ended, and every event submitted. */
  get done(): boolean {
    return this.#ended && this.#queue.length === 0 && this.#failed.length === 0 && this.#inFlight.size === 0;
  }

  /** Queues events: a full batch is sent at once, a partial one after batchMaxWaitMs. */
  add(events: RawEvent[]): void {
    for (const event of events) this.#queue.push(event);
    if (this.#queue.length >= this.#options.batchMaxEvents || this.#ended) this.#send(this.#ended);
    else this.#batchTimer ??= setTimeout(() => this.#send(true), this.#options.batchMaxWaitMs);
    this.#options.onFlow();
  }

  /** No more events will be added (the last ones come with this call's add, if any). */
  end(): void {
    this.#ended = true;
  }

  /** Submit full batches while slots are free; with `partial` (timer, end) also the remainder. */
  #send(partial: boolean): void {
    const { batchMaxEvents, maxInFlight, batchMaxWaitMs } = this.#options;
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (this.#blocked || this.#options.closing()) return;
    while (this.#inFlight.size < maxInFlight && (this.#queue.length >= batchMaxEvents || (partial && this.#queue.length > 0))) {
      this.#submit({ seq: this.#nextSeq++, events: this.#queue.splice(0, batchMaxEvents) });
    }
    // With every slot busy, the next settled submit sends the rest.
    if (this.#queue.length > 0 && this.#inFlight.size < maxInFlight) this.#batchTimer = setTimeout(() => this.#send(true), batchMaxWaitMs);
  }

  #submit(batch: Batch): void {
    const settled: Promise<void> = this.#options.submit(batch.events).then(
      () => {
        this.#inFlight.delete(settled);
        this.#send(this.#ended);
        this.#options.onFlow();
        this.#options.onSettled();
      },
      (error: unknown) => {
        this.#inFlight.delete(settled);
        // Keep read order among failed batches, whatever order their rejections come in.
        this.#failed.push(batch);
        this.#failed.sort((a, b) => a.seq - b.seq);
        if (this.#options.closing() || this.#blocked) return;
        this.#blocked = true;
        this.#options.onFlow();
        this.#options.onRejected(error, batch.events.length);
        this.#retryTimer = setTimeout(() => this.#retry(), this.#options.retryDelayMs);
      },
    );
    this.#inFlight.add(settled);
  }

  /** Resubmit the rejected batches (once the other submits have settled), then carry on. */
  #retry(): void {
    this.#retryTimer = undefined;
    if (this.#options.closing()) return;
    if (this.#inFlight.size > 0) {
      this.#retryTimer = setTimeout(() => this.#retry(), this.#options.retryDelayMs);
      return;
    }
    const failed = this.#failed;
    this.#failed = [];
    this.#queue = failed.flatMap((batch) => batch.events).concat(this.#queue);
    this.#blocked = false;
    this.#send(true);
    this.#options.onFlow();
  }

  /** Stops the timers (the source is gone for good). */
  stop(): void {
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#retryTimer);
  }

  /** Last attempt at shutdown: no more waiting, what fails now is reported lost. */
  async drain(): Promise<void> {
    this.stop();
    await Promise.all([...this.#inFlight]);
    let left = this.#failed.flatMap((batch) => batch.events).concat(this.#queue);
    this.#failed = [];
    this.#queue = [];
    while (left.length > 0) {
      const batch = left.splice(0, this.#options.batchMaxEvents);
      try {
        await this.#options.submit(batch);
      } catch (error) {
        const lost = batch.length + left.length;
        left = [];
        this.#options.onLost(error, lost);
      }
    }
  }
}
