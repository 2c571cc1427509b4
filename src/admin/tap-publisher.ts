import type { RedisClient } from '../redis/redis-connection.ts';
import { decodeSinkBatchAsync, type Payload } from '../pipeline/codec.ts';
import { tapChannel, tapListeningKey } from '../pipeline/queues.ts';
import { sinksOfEvent, type FilterConfig } from '../pipeline/sink-filter.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import { eventSource, type RecentEvent } from './status-recent.ts';


/** One event as `vigil tap` receives it: the status page's recent event without the message glance. */
export type TapEvent = Omit<RecentEvent, 'message'>;

/** What one process publishes per processed batch while someone taps. */
export interface TapMessage {
  /** host:pid of the process that processed the events. */
  node: string;
  /** Events processed since the previous message that it does not carry (sampling, size). */
  skipped: number;
  events: TapEvent[];
}

export interface TapPublisherOptions {
  prefix: string;
  node: string;
  /** This process's sinks and their filters: a tapped event names the sinks it was queued for. */
  sinks: Array<{ name: string; filter?: FilterConfig }>;
  logger: Logger;
  /** Events published per second by this process, all datasets together. */
  maxPerSecond?: number;
  /** Of those, per dataset: a flood of one dataset leaves room for the others. */
  maxPerDatasetPerSecond?: number;
  /** Batches decoded per second: under a flood of one dataset, later batches would yield nothing new. */
  maxBatchesPerSecond?: number;
  /** Characters of event JSON per message: one webhook body can hold megabytes. */
  maxMessageChars?: number;
  /** How often the flag that someone taps is read. */
  checkIntervalMs?: number;
  /** The clock the per-second budgets follow (ms). */
  now?: () => number;
}

/**
 * The process stage's side of `vigil tap`. Nobody tapping costs one EXISTS a second and a boolean
 * test per batch. While the flag key is set (the admin listener sets it, with an expiry, while a
 * tap client is connected), processed batches are decoded off the hot path (one at a time, at
 * most `maxBatchesPerSecond`) and at most `maxPerSecond` events a second are published, in one
 * PUBLISH per batch; the rest are counted in the next message's `skipped`, so the reader knows
 * what it did not see. Publishing is never awaited by the process stage: a slow Redis or reader
 * never slows delivery.
 */
export class TapPublisher {
  readonly #redis: RedisClient;
  readonly #options: Required<Omit<TapPublisherOptions, 'logger'>> & { logger: Logger };
  readonly #channel: string;
  #listening = false;
  #busy = false;
  #skipped = 0;
  #second = 0;
  #sentThisSecond = 0;
  #decodedThisSecond = 0;
  readonly #perDataset = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  readonly #sinksOf: (event: SinkEvent) => string[];

  constructor(redis: RedisClient, options: TapPublisherOptions) {
    this.#redis = redis;
    this.#options = { maxPerSecond: 100, maxPerDatasetPerSecond: 25, maxBatchesPerSecond: 10, maxMessageChars: 1024 * 1024, checkIntervalMs: 1_000, now: Date.now, ...options };
    this.#channel = tapChannel(options.prefix);
    this.#sinksOf = sinksOfEvent(options.sinks);
  }

  start(): void {
    void this.#check();
    this.#timer = setInterval(() => void this.#check(), this.#options.checkIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#listening = false;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Called once per processed batch (its encoded sink payload and event count); never blocks. */
  offer(payload: Payload, n: number): void {
    if (!this.#listening) return;
    if (this.#busy || this.#budgetLeft() === 0 || this.#decodedThisSecond >= this.#options.maxBatchesPerSecond) {
      this.#skipped += n;
      return;
    }
    this.#busy = true;
    this.#decodedThisSecond++;
    void this.#publish(payload, n)
      .catch((error: unknown) => this.#options.logger.debug({ error }, 'Publishing tapped events failed'))
      .finally(() => (this.#busy = false));
  }

  async #check(): Promise<void> {
    try {
      this.#listening = (await this.#redis.exists(tapListeningKey(this.#options.prefix))) === 1;
    } catch {
      this.#listening = false;
    }
    // Events skipped at the end of a burst are reported without waiting for the next batch.
    if (this.#listening && this.#skipped && !this.#busy) {
      this.#busy = true;
      await this.#send([], 0).catch(() => undefined).finally(() => (this.#busy = false));
    }
  }

  /** Events still allowed this second (the window restarts each wall-clock second). */
  #budgetLeft(): number {
    const second = Math.floor(this.#options.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#sentThisSecond = 0;
      this.#decodedThisSecond = 0;
      this.#perDataset.clear();
    }
    return this.#options.maxPerSecond - this.#sentThisSecond;
  }

  async #publish(payload: Payload, n: number): Promise<void> {
    const decoded = await decodeSinkBatchAsync(payload);
    const events: TapEvent[] = [];
    let chars = 0;
    for (const e of decoded) {
      if (this.#budgetLeft() === 0) break;
      const taken = this.#perDataset.get(e.dataset) ?? 0;
      const json = e.json;
      if (taken >= this.#options.maxPerDatasetPerSecond || chars + json.length > this.#options.maxMessageChars) continue;
      this.#perDataset.set(e.dataset, taken + 1);
      this.#sentThisSecond++;
      chars += json.length;
      events.push({ id: e.id, timestamp: e.timestamp, dataset: e.dataset, module: e.module, level: e.level, source: eventSource(json), sinks: this.#sinksOf(e), json });
    }
    await this.#send(events, Math.max(0, n - events.length));
  }

  /** Publishes `events` with everything skipped so far plus `skipped`; on failure all of it counts as skipped. */
  async #send(events: TapEvent[], skippedNow: number): Promise<void> {
    const skipped = this.#skipped + skippedNow;
    if (!events.length && !skipped) return;
    this.#skipped = 0;
    const message: TapMessage = { node: this.#options.node, skipped, events };
    await this.#redis.publish(this.#channel, JSON.stringify(message)).catch((error: unknown) => {
      this.#skipped += skipped + events.length;
      throw error;
    });
  }
}
