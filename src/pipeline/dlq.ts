import type { Redis } from 'ioredis';
import type { SinkEvent } from '../sinks/kit/types.ts';

/** One event a sink gave up on, with why and what the backend answered. */
export interface DeadLetter {
  /** When it was dead-lettered, ISO 8601. */
  at: string;
  sink: string;
  reason: string;
  detail: string;
  attempts: number;
  event: SinkEvent;
}

/**
 * A dead-letter queue per sink: a Redis list of JSON entries under `<prefix>:dlq:<sink>`.
 * Appends are one RPUSH per batch; replay reads from the head and trims what it re-queued.
 */
export class DeadLetterQueue {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  key(sink: string): string {
    return `${this.#prefix}:dlq:${sink}`;
  }

  async add(entries: DeadLetter[]): Promise<void> {
    if (!entries.length) return;
    await this.#redis.rpush(this.key(entries[0].sink), ...entries.map((e) => JSON.stringify(e)));
  }

  size(sink: string): Promise<number> {
    return this.#redis.llen(this.key(sink));
  }

  async list(sink: string, start = 0, count = 100): Promise<DeadLetter[]> {
    const items = await this.#redis.lrange(this.key(sink), start, start + count - 1);
    return items.map((item) => JSON.parse(item) as DeadLetter);
  }

  /**
   * Hands up to `count` entries from the head to `requeue`, then trims them. Trimming after the
   * requeue succeeded means a crash in between replays them twice (deduplicated by event id where
   * the sink can), never zero times.
   */
  async replay(sink: string, count: number, requeue: (entries: DeadLetter[]) => Promise<void>): Promise<number> {
    const entries = await this.list(sink, 0, count);
    if (!entries.length) return 0;
    await requeue(entries);
    await this.#redis.ltrim(this.key(sink), entries.length, -1);
    return entries.length;
  }

  async purge(sink: string): Promise<number> {
    const size = await this.size(sink);
    await this.#redis.del(this.key(sink));
    return size;
  }
}
